"""The referral loop on phones: the advocate refers Jo, the housing worker answers, Jo sees where it stands."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from advocate_app import db
from advocate_app.accounts import passwords
from advocate_app.accounts.models import Role, User
from advocate_app.consent.models import Category
from advocate_app.directory.models import Organisation, Service, ServiceLanguage, ServiceNeedDomain
from advocate_app.people.models import Person
from advocate_app.plans import services as plans
from advocate_app.plans.models import ItemKind, StepOwner
from tests import factories
from tests.browser.conftest import ADVOCATE, DEMO_PASSWORD, WORKER, assert_fits_the_screen, sign_in

pytestmark = pytest.mark.browser

STEP = "Get advice about a safer tenancy"


@pytest.fixture(scope="module")
def jo(live_server):
    """Jo has agreed to share needs and plan with Harbour, has a step in their plan, and a login of their own."""
    with live_server.app.app_context():
        person = db.session.scalar(select(Person).where(Person.preferred_name == "Jo Kowalski"))
        advocate = db.session.scalar(select(User).where(User.email == ADVOCATE))
        harbour = db.session.scalar(select(Organisation).where(Organisation.name == "Harbour Housing Advice"))
        northside = db.session.scalar(select(Organisation).where(Organisation.name == "Northside Community Hub"))
        factories.sharing(
            person,
            harbour,
            [Category.NEEDS, Category.PLAN],
            by=advocate,
            purpose="help Jo find a safe home",
            language="pl",
        )
        # Somewhere else that helps with housing, for when Harbour cannot.
        db.session.add(
            Service(
                organisation_id=northside.id,
                name="Safe homes project",
                area_description="Northshire",
                need_domains=[ServiceNeedDomain(domain="housing")],
                languages=[ServiceLanguage(language="pl")],
            )
        )
        plan = plans.plan_for(person.id, by=advocate)
        need = plans.add_item(
            plan, ItemKind.NEED, plans.ItemFields("A safe home", domain="housing", priority=1), by=advocate
        )
        goal = plans.add_item(plan, ItemKind.GOAL, plans.ItemFields("Move by the spring"), by=advocate, parent=need)
        plans.add_item(
            plan, ItemKind.STEP, plans.ItemFields(STEP, owner=StepOwner.ORGANISATION), by=advocate, parent=goal
        )
        login = db.session.scalar(select(User).where(User.person_id == person.id))
        if login is None:  # another test may already have set one up, through the setup code
            login = User(display_name=person.preferred_name, role=Role.INDIVIDUAL, person_id=person.id)
            db.session.add(login)
        login.username, login.locale = "jo_k", "en"
        login.password_hash = passwords.hash_password(DEMO_PASSWORD)
        db.session.commit()
        return person.id


def _refer(advocate, person_id: int, service: str) -> None:
    advocate.goto(f"/people/{person_id}/plan")
    advocate.locator(".app-entry--goal").filter(has_text="Move by the spring").get_by_role(
        "link", name=re.compile(r"^\d+ steps?")
    ).click()
    step = advocate.locator(".app-entry--step").filter(has_text=STEP)
    step.get_by_role("link", name=re.compile("^Refer to a service")).click()
    advocate.get_by_role("link", name=re.compile(rf"^Refer to this service\W+{service}$")).click()
    # The advocate's form speaks about Jo, not to them.
    advocate.get_by_label("the needs written in Jo Kowalski's plan", exact=False).check()
    advocate.get_by_label("Note for the organisation (optional)").fill("Evenings are best; do not leave voicemail.")
    advocate.get_by_label("Routine").check()
    advocate.get_by_role("button", name="Send the referral").click()
    expect(advocate.locator(".govuk-notification-banner")).to_be_visible()


def _open_newest(worker, service: str) -> None:
    worker.goto("/referrals?section=new")
    row = worker.locator(".app-inbox__row").filter(has_text="Jo Kowalski").filter(has_text=service)
    row.filter(has_text="Waiting for your answer").first.get_by_role("link").click()


def test_advocate_refers_jo_the_worker_accepts_on_a_phone_and_jo_sees_it_accepted(new_context, jo, screenshot):
    advocate = new_context().new_page()
    worker = new_context().new_page()
    jo_phone = new_context().new_page()
    sign_in(advocate, ADVOCATE)
    sign_in(worker, WORKER)
    sign_in(jo_phone, "jo_k")

    _refer(advocate, jo, "Housing advice")

    _open_newest(worker, "Housing advice")
    expect(worker.locator("main")).to_contain_text("Evenings are best")
    assert_fits_the_screen(worker)
    worker.get_by_role("button", name="Accept referral").click()
    expect(worker.locator("main")).to_contain_text("Accepted")
    screenshot(worker, "referral-accepted-by-worker")

    jo_phone.goto(f"/people/{jo}/referrals")
    # Jo did not choose that organisations may be named to her: the referral says "an organisation".
    expect(jo_phone.locator("main")).to_contain_text("An organisation has accepted — they will contact you.")
    expect(jo_phone.locator("main")).not_to_contain_text("Harbour")
    expect(jo_phone.locator("main")).not_to_contain_text("Evenings are best")
    assert_fits_the_screen(jo_phone)
    screenshot(jo_phone, "referral-accepted-seen-by-jo")


def test_a_decline_with_a_reason_shows_the_advocate_other_places(new_context, jo, screenshot):
    advocate = new_context().new_page()
    worker = new_context().new_page()
    sign_in(advocate, ADVOCATE)
    sign_in(worker, WORKER)

    _refer(advocate, jo, "Housing advice")
    _open_newest(worker, "Housing advice")
    worker.get_by_role("button", name="Decline referral").click()
    worker.get_by_label("We have no capacity").check()
    worker.get_by_role("button", name="Decline referral").click()
    expect(worker.locator("main")).to_contain_text("Declined")

    advocate.goto(f"/people/{jo}/referrals")
    declined = advocate.locator("main")
    expect(declined).to_contain_text("They have no space at the moment")
    expect(declined).to_contain_text("Safe homes project")
    assert_fits_the_screen(advocate)
    screenshot(advocate, "referral-declined-alternatives")
