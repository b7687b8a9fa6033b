"""On a phone: Sam says how useful finished help was; the coordinator's review shows the people's verdict once five
people answered, and stops referrals to a service for one need, which "find a service" then leaves out for it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from advocate_app import db
from advocate_app.accounts.models import User
from advocate_app.directory.models import Organisation, Service
from advocate_app.people.models import Person
from advocate_app.team import verdicts
from advocate_app.team.review_models import Verdict, VerdictGivenHow
from tests.browser.conftest import ADVOCATE, COORDINATOR, INDIVIDUAL, WORKER, assert_fits_the_screen, sign_in
from tests.verdict_world import finished_referral

pytestmark = pytest.mark.browser

WHY = "They rang when they said they would and sorted the repairs."


@pytest.fixture(scope="module")
def four_answers_for_tenancy_support(live_server):
    """Four other people finished with Harbour's Tenancy support and said how useful it was: one short of five."""
    with live_server.app.app_context():
        advocate = db.session.scalar(select(User).where(User.email == "advocate2@example.org"))
        worker = db.session.scalar(select(User).where(User.email == WORKER))
        harbour = db.session.scalar(select(Organisation).where(Organisation.name == "Harbour Housing Advice"))
        tenancy = db.session.scalar(
            select(Service).where(Service.organisation_id == harbour.id, Service.name == "Tenancy support")
        )
        for rating in (5, 3, 4, 1):
            _person, referral = finished_referral(advocate, worker, tenancy)
            verdicts.give(referral, rating=rating, by=advocate, how=VerdictGivenHow.ADVOCATE)
        db.session.commit()
        return harbour.id


def _set_locale(live_server, identifier: str, locale: str) -> None:
    with live_server.app.app_context():
        user = db.session.scalar(select(User).where((User.email == identifier) | (User.username == identifier)))
        user.locale = locale
        db.session.commit()


def _tenancy_verdict(page):
    return page.locator("#review-service-verdicts dd").nth(1)


def test_sam_rates_finished_help_and_the_review_can_stop_a_service_for_a_need(
    new_context, live_server, four_answers_for_tenancy_support, screenshot
):
    harbour = four_answers_for_tenancy_support
    coordinator = new_context().new_page()
    sign_in(coordinator, COORDINATOR)
    coordinator.goto("/partnership/reviews")
    coordinator.get_by_role("link", name="Harbour Housing Advice").click()
    expect(_tenancy_verdict(coordinator)).to_have_text(re.compile("Fewer than 5 people"))

    # Sam, on their phone, is asked about the help that finished, and says it was useful, in their own words.
    sam = new_context().new_page()
    sign_in(sam, INDIVIDUAL)
    sam.get_by_role("link", name="Say how useful Tenancy support was").click()
    sam.get_by_label("4 – useful").check()
    sam.get_by_label("Why? In your own words (you can leave this empty)").fill(WHY)
    sam.get_by_label("Yes, they may read them (without my name)").check()
    assert_fits_the_screen(sam)
    screenshot(sam, "verdict-sam-en")
    sam.get_by_role("button", name="Save my answer").click()
    expect(sam.locator(".govuk-notification-banner")).to_contain_text("Thank you. Your answer has been saved.")
    expect(sam.get_by_role("link", name="Say how useful Tenancy support was")).to_have_count(0)

    # Five people have now answered about Tenancy support: the review shows what they said.
    coordinator.reload()
    expect(_tenancy_verdict(coordinator)).to_have_text("3 of 5 people said this helped")
    # With the overlap avoided (a referral waiting for Harbour) and the share of actions done with the person.
    team = coordinator.locator("#review-team-figures")
    expect(team).to_contain_text(
        re.compile(r"a second organisation would have worked on a need with it: [1-9]\d* avoided")
    )
    expect(team).to_contain_text(re.compile(r"\d+% of \d+ actions"))

    # The coordinator stops referrals to Housing advice for money and debt (it still helps with housing).
    coordinator.get_by_label("Stop referring to one of its services for a need").check()
    coordinator.get_by_label("Service to stop referring to").select_option(label="Housing advice")
    coordinator.get_by_label("For which need").select_option(label="Money and debt")
    coordinator.get_by_label("Reasons").fill("People referred for debts were sent on elsewhere; go straight there.")
    coordinator.get_by_role("button", name="Record the review").click()
    expect(coordinator.locator("#review-stops")).to_contain_text(
        "Housing advice is no longer offered for Money and debt"
    )
    assert_fits_the_screen(coordinator)
    screenshot(coordinator, "partnership-review-en")

    advocate = new_context().new_page()
    sign_in(advocate, ADVOCATE)
    with live_server.app.app_context():
        sam_id = db.session.scalar(select(Person.id).where(Person.preferred_name == "Sam Okafor"))
    advocate.goto(f"/people/{sam_id}/referrals/find?filtered=1&domain=money&open=y")
    found = advocate.locator(".app-service h3")
    expect(found.filter(has_text="Debt and benefits advice")).to_have_count(1)
    expect(found.filter(has_text="Housing advice")).to_have_count(0)
    advocate.goto(f"/people/{sam_id}/referrals/find?filtered=1&domain=housing&open=y")
    expect(advocate.locator(".app-service h3").filter(has_text="Housing advice")).to_have_count(1)
    screenshot(advocate, "find-a-service-housing-en")

    # The same pages in Urdu, right to left, at phone size.
    for who in (INDIVIDUAL, COORDINATOR):
        _set_locale(live_server, who, "ur")
    try:
        with live_server.app.app_context():
            referral_id = db.session.scalar(select(Verdict.referral_id).where(Verdict.person_id == sam_id))
        sam.goto(f"/people/{sam_id}/referrals/{referral_id}/verdict")
        expect(sam.locator("html")).to_have_attribute("dir", "rtl")
        assert_fits_the_screen(sam)
        screenshot(sam, "verdict-sam-ur")
        coordinator.goto(f"/partnership/reviews/{harbour}")
        assert_fits_the_screen(coordinator)
        screenshot(coordinator, "partnership-review-ur")
        coordinator.goto("/partnership/reviews")
        screenshot(coordinator, "partnership-reviews-due-ur")
    finally:
        for who in (INDIVIDUAL, COORDINATOR):
            _set_locale(live_server, who, "en")
