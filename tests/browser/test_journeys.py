"""Journeys through the app as people make them, on a cheap phone, in headless Chromium."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ADVOCATE, DEMO_PASSWORD, INDIVIDUAL, assert_fits_the_screen, sign_in

pytestmark = pytest.mark.browser

# Ofcom's drama range: numbers set aside for fiction, never anyone's real phone.
MOBILE = "07700 900 321"
MOBILE_NATIONAL = "07700 900321"
LANDLINE = "020 7946 0018"


def _shows_all_of_its_value(field) -> bool:
    """The field is at least as wide as the browser needs to show its whole value (in the phone's format)."""
    return field.evaluate(
        """element => {
            const probe = element.cloneNode();
            probe.style.cssText = "width: auto; max-width: none; position: absolute; visibility: hidden";
            element.after(probe);
            const needed = probe.offsetWidth;
            probe.remove();
            return element.offsetWidth >= needed;
        }"""
    )


def _add_a_person(page, name: str, *, mobile: str | None = None, monday_window: tuple[str, str] | None = None) -> None:
    """Fill in the add-person form from the caseload and save it."""
    page.get_by_role("button", name="Add a person").click()
    expect(page.get_by_role("heading", name="Add a person", level=1)).to_be_visible()
    assert_fits_the_screen(page)
    page.get_by_label("Preferred name").fill(name)
    page.get_by_label("Language for messages and pages").select_option(label="English")
    if mobile:
        page.get_by_label("Mobile number").fill(mobile)
        page.get_by_role("group", name="Can we send them text messages?").get_by_label("Yes").check()
    if monday_window:
        page.get_by_label("Monday from", exact=True).fill(monday_window[0])
        page.get_by_label("Monday until", exact=True).fill(monday_window[1])
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state()


def test_demo_advocate_signs_in_on_a_phone_and_adds_a_person(page, screenshot):
    page.goto("/login")
    assert_fits_the_screen(page)
    screenshot(page, "login")
    sign_in(page, ADVOCATE)
    expect(page).to_have_url(re.compile(r"/people$"))
    expect(page.get_by_role("heading", name="Your caseload")).to_be_visible()
    assert_fits_the_screen(page)
    screenshot(page, "caseload")

    _add_a_person(page, "Morgan Ellis", mobile=MOBILE, monday_window=("18:00", "20:00"))
    assert page.locator("#phone-error").count() == 0

    expect(page.get_by_role("heading", name="Morgan Ellis", level=1)).to_be_visible()
    # The name is isolated (FSI…PDI) in the sentence, so it cannot reorder the words after it.
    expect(page.get_by_text(re.compile(r"Morgan Ellis\W? has been added to your caseload\."))).to_be_visible()
    contact = page.locator(".govuk-summary-list").nth(1)
    expect(contact).to_contain_text(MOBILE_NATIONAL)
    expect(contact).to_contain_text("Monday 18:00–20:00")
    assert_fits_the_screen(page)
    screenshot(page, "person")


def test_a_mistake_is_shown_next_to_the_field_and_nothing_typed_is_lost(page, screenshot):
    sign_in(page, ADVOCATE)
    page.get_by_role("button", name="Add a person").click()
    page.get_by_label("Preferred name").fill("Robin Landline")
    page.get_by_label("Mobile number").fill(LANDLINE)
    page.get_by_label("Monday from", exact=True).fill("18:00")
    page.get_by_label("Monday until", exact=True).fill("20:00")
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state()

    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_visible()
    expect(summary.get_by_role("heading", name="There is a problem")).to_be_visible()
    expect(summary.get_by_role("link", name=re.compile("Enter a mobile number"))).to_have_attribute("href", "#phone")
    expect(page.locator("#phone-error")).to_contain_text("Enter a mobile number")
    expect(page.get_by_label("Preferred name")).to_have_value("Robin Landline")
    expect(page.get_by_label("Mobile number")).to_have_value(LANDLINE)
    monday_from = page.get_by_label("Monday from", exact=True)
    expect(monday_from).to_have_value("18:00")
    # On a 12-hour phone a narrow time box hides "PM", and 18:00 reads as 06:00.
    assert _shows_all_of_its_value(monday_from), "the time box is too narrow to show the whole time"
    expect(page).to_have_title(re.compile(r"^Error:"))
    assert_fits_the_screen(page)
    screenshot(page, "add-person-error")

    # Nothing was half-saved.
    page.goto("/people")
    expect(page.get_by_role("link", name="Robin Landline", exact=True)).to_have_count(0)


def test_person_sets_up_their_own_login_with_the_code_shown_on_the_advocates_phone(new_context, translate, screenshot):
    advocate_phone = new_context().new_page()
    sign_in(advocate_phone, ADVOCATE)
    advocate_phone.get_by_role("link", name="Jo Kowalski", exact=True).click()
    expect(advocate_phone.get_by_role("heading", name="Jo Kowalski", level=1)).to_be_visible()
    assert_fits_the_screen(advocate_phone)
    screenshot(advocate_phone, "person-jo")
    advocate_phone.get_by_role("button", name="Show a setup code").click()
    code = advocate_phone.locator(".app-setup-code").inner_text().strip()
    assert re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}", code), code
    assert_fits_the_screen(advocate_phone)
    screenshot(advocate_phone, "setup-code")

    person_phone = new_context().new_page()
    person_phone.goto("/login")
    person_phone.get_by_role("link", name="set up your login").click()
    person_phone.get_by_label("Setup code").fill(code)
    person_phone.get_by_role("button", name="Continue").click()
    person_phone.get_by_label("Choose a username").fill("jo_k")
    person_phone.get_by_label("Choose a passphrase").fill("purple kettle on the stairs")
    person_phone.get_by_label("Type the passphrase again").fill("purple kettle on the stairs")
    person_phone.get_by_role("button", name="Save and sign in").click()

    # Jo's language is Polish, so her own pages are in Polish.
    expect(person_phone).to_have_url(re.compile(r"/me$"))
    expect(person_phone.get_by_role("heading", name=translate("pl", "My plan"), level=1)).to_be_visible()
    expect(person_phone.get_by_role("button", name=translate("pl", "Exit this page"))).to_be_visible()
    assert_fits_the_screen(person_phone)


def test_exit_this_page_leaves_and_signs_out(new_context, live_server):
    # JavaScript off: following the link must not try to reach the real outside site.
    page = new_context(java_script_enabled=False).new_page()
    sign_in(page, INDIVIDUAL)
    exit_button = page.get_by_role("button", name="Exit this page")
    expect(exit_button).to_be_visible()
    expect(exit_button).to_have_attribute("href", "/exit")
    assert_fits_the_screen(page)

    response = page.request.get(exit_button.get_attribute("href"), max_redirects=0)
    assert response.status == 302
    assert response.headers["location"] == live_server.app.config["EXIT_PAGE_URL"]
    assert "cookies" in response.headers.get("clear-site-data", "")

    page.goto("/me")
    expect(page).to_have_url(re.compile(r"/login"))
    expect(page.get_by_role("heading", name="Sign in", level=1)).to_be_visible()


def test_urdu_pages_read_right_to_left(page, translate, screenshot):
    page.goto("/login")
    page.get_by_role("button", name="اردو").click()
    page.wait_for_load_state()
    html = page.locator("html")
    expect(html).to_have_attribute("dir", "rtl")
    expect(html).to_have_attribute("lang", "ur")
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_have_text(translate("ur", "Sign in"))
    assert heading.evaluate("element => getComputedStyle(element).direction") == "rtl"
    assert_fits_the_screen(page)
    screenshot(page, "login-ur")

    labels = {
        "identifier": translate("ur", "Email address or username"),
        "password": translate("ur", "Password or passphrase"),
        "submit": translate("ur", "Sign in"),
    }
    sign_in(page, INDIVIDUAL, labels=labels)
    try:
        # The language chosen before signing in is kept (and saved as Sam's own).
        expect(html).to_have_attribute("lang", "ur")
        expect(html).to_have_attribute("dir", "rtl")
        expect(page.get_by_role("heading", name=translate("ur", "My plan"), level=1)).to_be_visible()
        assert heading.evaluate("element => getComputedStyle(element).direction") == "rtl"
        assert_fits_the_screen(page)
        screenshot(page, "my-plan-ur")
    finally:
        page.get_by_role("button", name="English").click()  # Sam's saved language back to English
        page.wait_for_load_state()
    expect(html).to_have_attribute("dir", "ltr")
    expect(page.get_by_role("heading", name="My plan", level=1)).to_be_visible()
    assert_fits_the_screen(page)
    screenshot(page, "my-plan-en")


def test_a_phone_number_reads_left_to_right_on_an_urdu_page(page):
    sign_in(page, ADVOCATE)
    page.get_by_role("link", name="Sam Okafor", exact=True).click()
    page.get_by_role("button", name="اردو").click()
    page.wait_for_load_state()
    try:
        expect(page.locator("html")).to_have_attribute("dir", "rtl")
        number = page.get_by_text("07700 900123", exact=True)
        assert number.evaluate("element => getComputedStyle(element).direction") == "ltr"
        assert_fits_the_screen(page)
    finally:
        page.get_by_role("button", name="English").click()  # the advocate's saved language back to English
        page.wait_for_load_state()


def test_every_journey_works_with_javascript_off(new_context):
    page = new_context(java_script_enabled=False).new_page()
    sign_in(page, ADVOCATE)
    expect(page.get_by_role("heading", name="Your caseload")).to_be_visible()
    _add_a_person(page, "Casey No-Script", monday_window=("09:30", "11:00"))
    expect(page.get_by_role("heading", name="Casey No-Script", level=1)).to_be_visible()
    expect(page.locator(".govuk-summary-list").nth(1)).to_contain_text("Monday 09:30–11:00")

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_load_state()
    expect(page.get_by_text("You have signed out.")).to_be_visible()
    page.goto("/people")
    expect(page.get_by_role("heading", name="Sign in", level=1)).to_be_visible()


def test_a_copied_cookie_is_refused_after_logout(new_context):
    phone = new_context().new_page()
    sign_in(phone, ADVOCATE, DEMO_PASSWORD)
    expect(phone.get_by_role("heading", name="Your caseload")).to_be_visible()

    copy = new_context().new_page()
    copy.context.add_cookies(phone.context.cookies())
    copy.goto("/people")
    expect(copy.get_by_role("heading", name="Your caseload")).to_be_visible()  # the copy works while signed in

    phone.get_by_role("button", name="Sign out").click()
    phone.wait_for_load_state()
    expect(phone.get_by_text("You have signed out.")).to_be_visible()

    copy.goto("/people")
    expect(copy).to_have_url(re.compile(r"/login"))
    expect(copy.get_by_role("heading", name="Sign in", level=1)).to_be_visible()
