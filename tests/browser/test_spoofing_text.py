"""A mixed-direction name on a phone in Urdu: isolated, so the page's own words keep their order."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from advocate_app import db
from advocate_app.accounts.services import find_by_identifier
from advocate_app.people import services as people
from tests.browser.conftest import assert_fits_the_screen, sign_in

pytestmark = pytest.mark.browser

MIXED_NAME = "Ali \u0639\u0644\u06cc Wilson 2"
# The demo's second advocate, whom no other browser test signs in as: the person added here is on no
# caseload another test counts.
ADVOCATE = "advocate2@example.org"


def test_a_mixed_direction_name_stays_in_its_own_box_on_the_urdu_person_page(
    live_server, new_context, screenshot, screenshots_dir
):
    def screenshot_path(name: str):
        return screenshots_dir / f"{name}.png"

    with live_server.app.app_context():
        advocate = find_by_identifier(ADVOCATE)
        person = people.create_person(people.PersonDetails(preferred_name=MIXED_NAME), advocate=advocate)
        db.session.commit()
        person_id = person.id
    page = new_context(viewport={"width": 360, "height": 640}).new_page()
    sign_in(page, ADVOCATE)
    page.goto(f"/people/{person_id}")
    page.locator("footer").get_by_role("button", name="اردو").click()
    page.wait_for_load_state()

    heading = page.locator("h1 bdi")
    expect(heading).to_have_text(MIXED_NAME)
    assert page.evaluate("document.documentElement.dir") == "rtl"
    assert page.title().startswith(f"\u2068{MIXED_NAME}\u2069")
    # The words after the name in a sentence keep their place: the name is its own isolated run.
    sentence = page.locator("main p.govuk-body", has_text="Wilson").filter(has_text="لاگ").first
    expect(sentence).to_be_visible()
    assert_fits_the_screen(page)
    screenshot(page, "person-mixed-direction-name-ur")
    # The first screen as the phone shows it, and the sentence with the name in it, for looking at.
    page.screenshot(path=str(screenshot_path("person-mixed-direction-name-ur-screen")))
    sentence.screenshot(path=str(screenshot_path("person-mixed-direction-name-ur-sentence")))
