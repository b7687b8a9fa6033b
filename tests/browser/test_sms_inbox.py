"""A reply by text reaches the advocate's caseload and the person's message inbox, on a phone, in English and Urdu."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from advocate_app import db
from advocate_app.sms import inbound
from tests.browser.conftest import ADVOCATE, assert_fits_the_screen, sign_in

pytestmark = pytest.mark.browser
SAM_PHONE = "+447700900123"  # the demo number of Sam Okafor


def test_a_reply_by_text_waits_in_the_advocates_inbox_until_dealt_with(page, live_server, translate, screenshot):
    with live_server.app.test_request_context():
        inbound.handle_inbound("SM" + "b" * 32, SAM_PHONE, "Can we move Thursday? Evenings are better.")
        db.session.commit()

    sign_in(page, ADVOCATE)
    page.goto("/people")
    alert = page.get_by_role("status").filter(has_text="1 text message to look at")
    expect(alert).to_be_visible()
    assert_fits_the_screen(page)
    screenshot(page, "sms-caseload-alert")
    alert.get_by_role("link", name="Sam Okafor: 1 to look at").click()
    expect(page.get_by_role("heading", name="Text messages: Sam Okafor", level=1)).to_be_visible()
    expect(page.get_by_text("Can we move Thursday? Evenings are better.")).to_be_visible()
    assert_fits_the_screen(page)
    screenshot(page, "sms-inbox-en")

    page.get_by_role("button", name="اردو").click()
    page.wait_for_load_state()
    try:
        html = page.locator("html")
        expect(html).to_have_attribute("dir", "rtl")
        expect(page.get_by_role("heading", level=1)).to_have_text(
            translate("ur", "Text messages: %(name)s", name="Sam Okafor")
        )
        assert_fits_the_screen(page)
        screenshot(page, "sms-inbox-ur")
    finally:
        page.get_by_role("button", name="English").click()  # the advocate's saved language back to English
        page.wait_for_load_state()

    page.get_by_role("button", name="Mark as dealt with").click()
    expect(page.get_by_text("Marked as dealt with.")).to_be_visible()
    expect(page.get_by_text("Nothing to look at.")).to_be_visible()
    page.goto("/people")
    expect(page.get_by_text("text message to look at")).to_have_count(0)
