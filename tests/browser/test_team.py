"""One organisation at a time, on phones: Harbour takes on Kit's housing, Kit's phone says so, and a second housing
referral waits until Harbour finishes."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from advocate_app import db
from advocate_app.accounts import passwords
from advocate_app.accounts.models import Role, User
from advocate_app.consent.models import Category
from advocate_app.directory.models import (
    Organisation,
    OrganisationKind,
    Service,
    ServiceLanguage,
    ServiceNeedDomain,
)
from advocate_app.people.models import Person
from advocate_app.plans import services as plans
from advocate_app.plans.models import ItemKind
from tests import factories
from tests.browser.conftest import ADVOCATE, DEMO_PASSWORD, WORKER, assert_fits_the_screen, sign_in
from tests.browser.test_accessibility import AXE, _violations

pytestmark = pytest.mark.browser

NEED = "A safe place to live"


@pytest.fixture(scope="module")
def kit(live_server):
    """Kit, on Alex's caseload with a login of their own, agreed to share needs and plan with Harbour and with
    Riverside Housing Trust, and chose that organisations may be named to them."""
    with live_server.app.app_context():
        advocate = db.session.scalar(select(User).where(User.email == ADVOCATE))
        person = factories.person(advocate, name="Kit Evans", area="Northshire")
        person = db.session.get(Person, person.id)
        person.may_name_organisation = True
        harbour = db.session.scalar(select(Organisation).where(Organisation.name == "Harbour Housing Advice"))
        riverside = Organisation(name="Riverside Housing Trust", kind=OrganisationKind.VOLUNTARY, description="")
        db.session.add(riverside)
        db.session.flush()
        db.session.add(
            Service(
                organisation_id=riverside.id,
                name="Tenancy rescue",
                area_description="Northshire",
                need_domains=[ServiceNeedDomain(domain="housing")],
                languages=[ServiceLanguage(language="en")],
            )
        )
        for organisation in (harbour, riverside):
            factories.sharing(person, organisation, [Category.NEEDS, Category.PLAN], by=advocate, purpose="housing")
        plan = plans.plan_for(person.id, by=advocate)
        plans.add_item(plan, ItemKind.NEED, plans.ItemFields(NEED, domain="housing", priority=1), by=advocate)
        db.session.add(
            User(
                username="kit",
                display_name="Kit Evans",
                role=Role.INDIVIDUAL,
                person_id=person.id,
                locale="en",
                password_hash=passwords.hash_password(DEMO_PASSWORD),
            )
        )
        db.session.commit()
        return person.id


def _refer_from_the_need(advocate, person_id: int, service: str) -> None:
    advocate.goto(f"/people/{person_id}/plan")
    advocate.locator(".app-entry--need").filter(has_text=NEED).get_by_role(
        "link", name=re.compile("^Refer to a service")
    ).click()
    advocate.get_by_role("link", name=re.compile(rf"^Refer to this service\W+{service}$")).click()


def test_harbour_leads_kits_housing_and_a_second_housing_referral_waits(
    new_context, kit, screenshot, screenshots_dir, translate
):
    # Without the page's own script policy, so axe can be put into the pages checked below.
    advocate = new_context(bypass_csp=True).new_page()
    worker = new_context().new_page()
    kit_phone = new_context(bypass_csp=True).new_page()
    sign_in(advocate, ADVOCATE)
    sign_in(worker, WORKER)
    sign_in(kit_phone, "kit")

    # The advocate refers Kit's housing need to Harbour; Harbour accepts.
    _refer_from_the_need(advocate, kit, "Housing advice")
    advocate.get_by_label("the needs written in Kit Evans's plan", exact=False).check()
    advocate.get_by_role("button", name="Send the referral").click()
    expect(advocate.locator(".govuk-notification-banner")).to_be_visible()
    worker.goto("/referrals?section=new")
    worker.locator(".app-inbox__row").filter(has_text="Kit Evans").first.get_by_role("link").click()
    worker.get_by_role("button", name="Accept referral").click()
    expect(worker.locator("main")).to_contain_text("Accepted")

    # Kit's phone: Harbour leads housing, named because Kit chose that.
    kit_phone.goto("/me")
    helping = kit_phone.locator("#who-is-helping")
    expect(helping).to_contain_text("Housing")
    expect(helping).to_contain_text(re.compile(r"Harbour Housing Advice\u2069? leads this, since"))
    expect(helping).to_contain_text("Next: they get in touch.")
    assert_fits_the_screen(kit_phone)
    assert not _violations(kit_phone, AXE.read_text(encoding="utf-8"))
    screenshot(kit_phone, "team-who-is-helping-en")
    kit_phone.get_by_role("button", name="اردو").click()
    kit_phone.wait_for_load_state()
    try:
        expect(kit_phone.locator("html")).to_have_attribute("dir", "rtl")
        expect(kit_phone.locator("#who-is-helping")).to_contain_text(translate("ur", "Who is helping"))
        assert_fits_the_screen(kit_phone)
        assert not _violations(kit_phone, AXE.read_text(encoding="utf-8"))
        screenshot(kit_phone, "team-who-is-helping-ur")
    finally:
        kit_phone.get_by_role("button", name="English").click()
        kit_phone.wait_for_load_state()

    # A second housing referral: the advocate is told before sending, and chooses to wait.
    _refer_from_the_need(advocate, kit, "Tenancy rescue")
    warning = advocate.locator("#overlap")
    expect(warning).to_contain_text(
        re.compile(r"Harbour Housing Advice\u2069? has been working on \u2068?housing\u2069? with \u2068?Kit Evans")
    )
    assert_fits_the_screen(advocate)
    assert not _violations(advocate, AXE.read_text(encoding="utf-8"))
    screenshot(advocate, "team-overlap-warning-en")
    advocate.get_by_role("button", name="اردو").click()
    advocate.wait_for_load_state()
    try:
        expect(advocate.locator("#overlap")).to_contain_text(translate("ur", "One organisation at a time"))
        assert_fits_the_screen(advocate)
        assert not _violations(advocate, AXE.read_text(encoding="utf-8"))
        screenshot(advocate, "team-overlap-warning-ur")
        advocate.locator("#overlap").screenshot(path=str(screenshots_dir / "team-overlap-box-ur.png"))
    finally:
        advocate.get_by_role("button", name="English").click()
        advocate.wait_for_load_state()
    warning = advocate.locator("#overlap")
    warning.get_by_role("button", name=re.compile("^Wait: refer when")).click()
    expect(advocate.locator(".govuk-notification-banner")).to_contain_text("Nothing was sent.")
    step = advocate.locator(".app-entry--step").filter(has_text="Refer to Tenancy rescue when Harbour Housing Advice")
    expect(step).to_be_visible()
    assert_fits_the_screen(advocate)

    kit_phone.goto("/me")
    expect(kit_phone.locator("#who-is-helping")).to_contain_text(
        re.compile(r"Waiting: \u2068?Riverside Housing Trust|Waiting: \u2068?Tenancy rescue")
    )

    # Harbour finishes: the advocate's caseload says the waiting referral can be made now.
    worker.goto("/referrals?section=open")
    worker.locator(".app-inbox__row").filter(has_text="Kit Evans").first.get_by_role("link").click()
    worker.get_by_role("button", name="Record an update").click()
    worker.get_by_label("Completed", exact=True).check()
    worker.get_by_role("button", name="Save update").click()
    advocate.goto("/people")
    expect(advocate.locator("#team-alerts")).to_contain_text("1 referral you were waiting to make can be made now")
    assert_fits_the_screen(advocate)
