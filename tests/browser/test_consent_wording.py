"""A person reads the whole sharing statement in their own language, on a phone, with nothing typed in the address."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from advocate_app import db
from advocate_app.accounts.models import User
from advocate_app.consent.models import Consent
from advocate_app.people import services as people
from tests import factories
from tests.browser.conftest import ADVOCATE, DEMO_PASSWORD, assert_fits_the_screen, sign_in

pytestmark = pytest.mark.browser

PEOPLE = {"ur": ("Zara Khan", "zara"), "pl": ("Ola Nowak", "ola")}


def _person_with_a_login(app, language: str) -> int:
    """A person who reads the app in ``language``, with their own login; made once per server."""
    name, username = PEOPLE[language]
    with app.test_request_context():
        user = db.session.scalar(select(User).where(User.username == username))
        if user is not None:
            return user.person_id
        alex = db.session.scalar(select(User).where(User.email == ADVOCATE))
        person = people.create_person(people.PersonDetails(preferred_name=name, language=language), advocate=alex)
        factories.individual(person, username=username, password=DEMO_PASSWORD, locale=language)
        return person.id


@pytest.mark.parametrize("language", sorted(PEOPLE))
def test_the_person_reads_the_whole_sharing_statement_in_their_language(
    new_context, live_server, translate, screenshot, language
):
    person_id = _person_with_a_login(live_server.app, language)
    phone = new_context().new_page()
    sign_in(phone, PEOPLE[language][1])

    phone.goto(f"/people/{person_id}/consents")
    phone.get_by_role("button", name=translate(language, "Agree to share with an organisation")).click()
    phone.locator("select[name=organisation_id]").select_option(label="Harbour Housing Advice")
    phone.locator("input[name=categories][value=contact]").check()
    phone.locator("input[name=categories][value=check_ins]").check()
    phone.locator("input[name=purpose_code][value=other]").check()
    phone.locator("input[name=purpose]").fill("Harbour رابطہ / kontakt")
    phone.get_by_role("button", name=translate(language, "Continue")).click()

    statement = phone.locator(".app-statement")
    expect(statement).to_have_attribute("lang", language)
    expect(phone.locator("h1")).to_have_count(1)
    # The listed words are in the person's language; what was typed is shown as typed, and said to be.
    expect(statement).to_contain_text(translate(language, "my mobile number and how and when it is safe to contact me"))
    expect(statement).to_contain_text("Harbour رابطہ / kontakt")
    expect(statement).not_to_contain_text("I agree")
    # Nothing of it is in the address, now or in the history.
    assert phone.url.endswith(f"/people/{person_id}/consents/sharing")
    assert_fits_the_screen(phone)
    screenshot(phone, f"sharing-statement-{language}")
    with live_server.app.app_context():
        assert db.session.scalar(select(Consent.id).where(Consent.person_id == person_id)) is None
