"""A new member of staff sets up an authenticator app on their phone before anything else, in English and Urdu."""

from __future__ import annotations

import re

import pyotp
import pytest
from playwright.sync_api import expect

from advocate_app import db
from advocate_app.accounts import services as accounts
from advocate_app.accounts.models import Role
from tests.browser.conftest import DEMO_PASSWORD, assert_fits_the_screen

pytestmark = pytest.mark.browser


def _new_staff(live_server, email: str) -> None:
    with live_server.app.app_context():
        user = accounts.create_staff_user(
            email=email, display_name="Robin Ellis", role=Role.ADVOCATE, organisation_id=None, created_by=None
        )
        accounts.set_password(user, DEMO_PASSWORD)
        db.session.commit()


@pytest.mark.parametrize("locale", ["en", "ur"])
def test_new_staff_enrol_an_authenticator_app_at_first_sign_in(new_context, live_server, translate, screenshot, locale):
    email = f"robin.{locale}@example.org"
    _new_staff(live_server, email)
    page = new_context(locale="ur-PK" if locale == "ur" else "en-GB").new_page()
    page.goto("/login")
    page.locator('input[name="identifier"]').fill(email)
    page.locator('input[name="password"]').fill(DEMO_PASSWORD)
    page.locator('input[name="password"]').press("Enter")
    expect(page).to_have_url(re.compile(r"/login/enrol$"))
    expect(
        page.get_by_role("heading", name=translate(locale, "Set up your authenticator app"), level=1)
    ).to_be_visible()
    expect(page.get_by_role("img", name=translate(locale, "QR code for your authenticator app"))).to_be_visible()
    assert page.locator("html").get_attribute("dir") == ("rtl" if locale == "ur" else "ltr")
    assert_fits_the_screen(page)
    screenshot(page, f"enrol-authenticator-{locale}")

    page.goto("/people")  # nothing else before the app is set up
    expect(page).to_have_url(re.compile(r"/login"))
    page.goto("/login/enrol")
    key = page.locator(".app-secret").inner_text().replace(" ", "")
    page.locator('input[name="code"]').fill(pyotp.TOTP(key).now())
    page.locator('input[name="code"]').press("Enter")
    expect(page.get_by_role("heading", name=translate(locale, "Your recovery codes"), level=1)).to_be_visible()
    expect(page.locator(".app-codes li")).to_have_count(10)
    assert_fits_the_screen(page)
    screenshot(page, f"recovery-codes-{locale}")
    page.get_by_role("link", name=translate(locale, "I have written them down")).click()
    expect(page).to_have_url(re.compile(r"/people$"))
