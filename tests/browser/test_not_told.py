"""A share Jo was not told about stays off her phone until a coordinator records that she has been told."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from advocate_app import db
from advocate_app.accounts import services as accounts
from advocate_app.accounts.models import Role, User
from advocate_app.clock import local_today
from advocate_app.consent import services as consent
from advocate_app.consent.models import Category
from advocate_app.directory.models import Organisation, Service
from advocate_app.people import services as people
from advocate_app.referrals import services as referrals
from tests.browser.conftest import (
    ADVOCATE,
    COORDINATOR,
    DEMO_PASSWORD,
    WORKER,
    assert_fits_the_screen,
    sign_in,
)

pytestmark = pytest.mark.browser

NOT_TOLD_REASON = "Telling her now could alert him"


def _jo_shared_with_harbour_without_being_told(app) -> tuple[int, int, int]:
    """Jo Nowak (the demo advocate's), with a login; shared with Harbour without being told; referred there."""
    with app.app_context():
        advocate = db.session.scalar(select(User).where(User.email == ADVOCATE))
        coordinator = db.session.scalar(select(User).where(User.email == COORDINATOR))
        jo = people.create_person(
            people.PersonDetails(preferred_name="Jo Nowak", phone_e164="+447700900555"), advocate=advocate
        )
        login = User(username="jo_nowak", display_name="Jo Nowak", role=Role.INDIVIDUAL, person_id=jo.id, locale="en")
        accounts.set_password(login, DEMO_PASSWORD)
        db.session.add(login)
        harbour = db.session.scalar(select(Organisation).where(Organisation.name == "Harbour Housing Advice"))
        override = consent.request_override(
            jo,
            organisation=harbour,
            categories=[Category.CONTACT, Category.NEEDS],
            lawful_basis="vital_interests",
            dpa_condition="para_18",
            reasons="Jo is at serious risk and needs a safe place to live quickly.",
            what_shared="Mobile and needs",
            person_told=False,
            not_told_reason=NOT_TOLD_REASON,
            by=advocate,
        )
        consent.decide_override(override, approve=True, note="Agreed", by=coordinator)
        service = db.session.scalars(select(Service).where(Service.organisation_id == harbour.id)).first()
        referral = referrals.make_referral(
            jo, service, categories=[Category.CONTACT, Category.NEEDS], by=advocate, today=local_today()
        )
        db.session.commit()
        return jo.id, override.id, referral.id


def test_jo_sees_no_sign_of_a_share_she_was_not_told_about_until_she_is_told(new_context, live_server, screenshot):
    jo_id, override_id, referral_id = _jo_shared_with_harbour_without_being_told(live_server.app)

    # Dan at Harbour opens the referral: he sees Jo's mobile.
    dan = new_context().new_page()
    sign_in(dan, WORKER)
    dan.goto(f"/referrals/{referral_id}")
    expect(dan.locator("main")).to_contain_text("Jo Nowak")

    # On her own phone, Jo sees nothing of it: no referral, no Harbour, no Dan.
    jo = new_context().new_page()
    sign_in(jo, "jo_nowak")
    jo.get_by_role("link", name="My referrals").click()
    expect(jo.locator("main")).to_contain_text("No referrals yet.")
    assert_fits_the_screen(jo)
    screenshot(jo, "not-told-my-referrals")
    for path in (f"/people/{jo_id}/referrals", f"/people/{jo_id}/access", f"/people/{jo_id}/export", "/me"):
        jo.goto(path)
        main = jo.locator("main")
        for secret in ("Harbour", "Dan Hughes", NOT_TOLD_REASON):
            expect(main).not_to_contain_text(secret)
        assert_fits_the_screen(jo)
    screenshot(jo, "not-told-who-has-seen-my-record")

    # A coordinator records that Jo has now been told.
    coordinator = new_context().new_page()
    sign_in(coordinator, COORDINATOR)
    coordinator.goto(f"/admin/overrides/{override_id}")
    coordinator.get_by_role("button", name="Record that they have now been told").click()
    expect(coordinator.locator("body")).to_contain_text("Recorded that the person has now been told")

    # From her next page on, Jo sees the referral (Harbour unnamed: she never agreed to share with it) and who looked.
    jo.goto(f"/people/{jo_id}/referrals")
    expect(jo.locator("main")).to_contain_text("An organisation is looking at it")
    expect(jo.locator("main")).not_to_contain_text("Harbour")
    jo.goto(f"/people/{jo_id}/access")
    expect(jo.locator("main")).to_contain_text("Dan Hughes")
    assert_fits_the_screen(jo)
    screenshot(jo, "told-who-has-seen-my-record")
