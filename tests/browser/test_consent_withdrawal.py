"""Withdrawing consent on one phone closes the door on the organisation's next request, on another."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from advocate_app import db
from advocate_app.audit.models import AuditEvent
from tests.browser.conftest import INDIVIDUAL, WORKER, assert_fits_the_screen, sign_in

pytestmark = pytest.mark.browser


def test_sam_withdraws_consent_and_the_workers_next_request_is_refused(new_context, live_server, screenshot):
    worker = new_context().new_page()
    sam = new_context().new_page()
    sign_in(worker, WORKER)
    sign_in(sam, INDIVIDUAL)

    # The housing worker sees what Sam agreed to share with them.
    worker.goto("/shared")
    worker.get_by_role("link", name="Sam Okafor").click()
    expect(worker.get_by_role("heading", name="Sam Okafor", level=1)).to_be_visible()
    shared_url = worker.url
    screenshot(worker, "shared-with-harbour")

    # On their own phone, Sam withdraws it: one button, one "are you sure", as easy as agreeing was.
    sam.get_by_role("link", name="Who can see my information").click()
    agreement = sam.locator(".app-summary-box").filter(has_text="Harbour Housing Advice")
    agreement.get_by_role("button", name=re.compile("^Withdraw")).click()
    expect(sam.get_by_role("heading", level=1)).to_have_text(
        "Are you sure you want to stop sharing with Harbour Housing Advice?"
    )
    assert_fits_the_screen(sam)
    screenshot(sam, "consent-withdraw-are-you-sure")
    sam.get_by_role("button", name="Yes, withdraw").click()
    expect(sam.get_by_role("heading", name="Agreement withdrawn")).to_be_visible()
    expect(sam.locator("h1")).to_have_count(1)
    assert_fits_the_screen(sam)
    screenshot(sam, "consent-withdrawn-receipt")

    # The worker's very next request is refused.
    response = worker.goto(shared_url)
    assert response.status == 404
    worker.goto("/shared")
    expect(worker.get_by_role("link", name="Sam Okafor")).to_have_count(0)

    # Sam can see that the worker looked, and the audit holds both events.
    sam.goto("/me")
    sam.get_by_role("link", name="Who has seen my record").click()
    expect(sam.locator("main")).to_contain_text("Dan Hughes")
    expect(sam.locator("main")).to_contain_text("Harbour Housing Advice")
    screenshot(sam, "who-has-seen-my-record")
    with live_server.app.app_context():
        actions = set(db.session.scalars(select(AuditEvent.action).where(AuditEvent.person_id.is_not(None))))
    assert {"consent_withdrawn", "view"} <= actions
