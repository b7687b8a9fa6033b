"""Short paths on a phone, in English and in Urdu: an advocate refers someone straight from a need, and a
person signs in and agrees a change to their plan. Taps are counted; screenshots are kept for a look.

Each language gets its own advocate and person (so the demo people other tests walk through stay as they
were): Robin and Lee in English with Harbour Housing Advice, Nadia and Zainab in Urdu with Northside
Community Hub, whose debt advice is given in Urdu.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.browser.conftest import DEMO_PASSWORD, assert_fits_the_screen, sign_in

pytestmark = pytest.mark.browser

CASES = {
    "en": {
        "advocate": ("robin@example.org", "Robin Hale"),
        "person": ("lee", "Lee Ahmed"),
        "organisation": "Harbour Housing Advice",
        "service": "Housing advice",
        "domain": "housing",
        "need": "Somewhere safe to live, away from the old street and near my sister",
    },
    "ur": {
        "advocate": ("nadia@example.org", "Nadia Qureshi"),
        "person": ("zainab", "Zainab Malik"),
        "organisation": "Northside Community Hub",
        "service": "Debt and benefits advice",
        "domain": "money",
        "need": "قرض کی ادائیگی کے لیے مدد، تاکہ گھر محفوظ رہے",
    },
}
BROWSER_LOCALES = {"en": "en-GB", "ur": "ur-PK"}
MOST_TAPS_TO_REFER = 8
MOST_TAPS_TO_AGREE = 3


def _make_case(app, language: str) -> dict:
    """An advocate and a person of their caseload who speak ``language``, a plan with one need written by the
    advocate, and the person's agreement to share everything with the organisation. Made once per language."""
    from sqlalchemy import select

    from advocate_app import db
    from advocate_app.accounts import services as accounts
    from advocate_app.accounts.models import Role
    from advocate_app.consent import services as consent
    from advocate_app.consent.models import Category, ConsentKind, GivenHow
    from advocate_app.demo import DEMO_TOTP_SECRET
    from advocate_app.directory.models import Organisation
    from advocate_app.people import services as people
    from advocate_app.plans import services as plans
    from advocate_app.plans.models import ItemKind

    case = CASES[language]
    key = f"SHORT_PATHS_{language}"
    if key in app.config:
        return app.config[key]
    with app.test_request_context():
        email, advocate_name = case["advocate"]
        advocate = accounts.create_staff_user(
            email=email, display_name=advocate_name, role=Role.ADVOCATE, organisation_id=None, created_by=None
        )
        accounts.set_password(advocate, DEMO_PASSWORD)
        advocate.totp_secret = DEMO_TOTP_SECRET
        advocate.totp_enabled_at = db.utcnow()
        advocate.locale = language
        username, person_name = case["person"]
        person = people.create_person(
            people.PersonDetails(preferred_name=person_name, language=language, area="Northshire"), advocate=advocate
        )
        factories.individual(person, username=username, password=DEMO_PASSWORD, locale=language)
        plan = plans.plan_for(person.id, by=advocate)
        need = plans.add_item(
            plan, ItemKind.NEED, plans.ItemFields(case["need"], domain=case["domain"], priority=1), by=advocate
        )
        organisation = db.session.scalar(select(Organisation).where(Organisation.name == case["organisation"]))
        consent.give(
            person,
            ConsentKind.SHARING,
            given_how=GivenHow.VERBAL,
            by=advocate,
            language="en",
            organisation=organisation,
            purpose="help with money and a safe home",
            categories=list(Category),
        )
        db.session.commit()
        made = {"person": person.id, "need": need.id, "plan": plan.id, "advocate": advocate.id}
    app.config[key] = made
    return made


def _naming(action: str, entry: str) -> re.Pattern:
    """The accessible name of a control that names the entry it acts on ("Change: <the whole entry>");
    Chromium puts a space before the visually hidden part."""
    return re.compile(rf"^{re.escape(action)}\s*:\s*{re.escape(entry)}$")


class Taps:
    """Every tap the user makes, counted (typing is not a tap; choosing a box or a button is)."""

    def __init__(self):
        self.count = 0

    def __call__(self, locator):
        self.count += 1
        locator.click()
        locator.page.wait_for_load_state()


def _labels(translate, language):
    return {
        "identifier": translate(language, "Email address or username"),
        "password": translate(language, "Password or passphrase"),
        "submit": translate(language, "Sign in"),
    }


@pytest.mark.parametrize("language", ["en", "ur"])
def test_caseload_to_a_sent_referral_from_a_need_in_eight_taps_or_fewer(
    live_server, new_context, translate, screenshot, language
):
    case = CASES[language]
    made = _make_case(live_server.app, language)
    person_name = case["person"][1]
    page = new_context(locale=BROWSER_LOCALES[language]).new_page()
    sign_in(page, case["advocate"][0], labels=_labels(translate, language))
    page.goto("/people")
    taps = Taps()

    # The caseload, the plan, the need.
    plan_link = re.compile(rf"^{re.escape(translate(language, 'Plan'))}\s.*{re.escape(person_name)}$")
    taps(page.get_by_role("link", name=plan_link))
    need = page.locator(f"#item-{made['need']}")
    expect(need).to_contain_text(case["need"])
    refer = need.get_by_role("link", name=_naming(translate(language, "Refer to a service"), case["need"]))
    taps(refer)

    # Services that help with that need, found without typing a filter.
    expect(page.get_by_text(translate(language, "For the need:"))).to_be_visible()
    assert_fits_the_screen(page)
    screenshot(page, f"referral-path-find-{language}")
    service = page.locator(".app-service").filter(has_text=case["service"]).first
    taps(service.get_by_role("link", name=_naming(translate(language, "Refer to this service"), case["service"])))

    # The advocate's referral form speaks about the person, never to them.
    staff_words = translate(
        language, "%(name)s's mobile number and how and when it is safe to contact them", name=person_name
    )
    expect(page.get_by_label(staff_words)).to_be_visible()
    person_words = translate(language, "your mobile number and how and when it is safe to contact you")
    expect(page.get_by_label(person_words, exact=True)).to_have_count(0)
    assert_fits_the_screen(page)
    screenshot(page, f"staff-referral-form-{language}")
    taps(page.get_by_label(translate(language, "the needs written in %(name)s's plan", name=person_name), exact=False))
    taps(page.get_by_role("button", name=translate(language, "Send the referral")))

    expect(page.locator(".govuk-notification-banner, [role=alert], .app-flash").first).to_contain_text(case["service"])
    new_step = translate(language, "Referred to %(service)s", service=case["service"])
    expect(page.get_by_text(new_step, exact=True)).to_be_visible()
    assert_fits_the_screen(page)
    screenshot(page, f"referral-path-sent-{language}")
    assert taps.count <= MOST_TAPS_TO_REFER, f"{taps.count} taps from the caseload to a sent referral"

    # The referrals page, which used to say only "No referrals yet", offers another one.
    page.goto(f"/people/{made['person']}/referrals")
    make = page.get_by_role("link", name=translate(language, "Make a referral"))
    expect(make).to_be_visible()
    make.click()
    expect(page.get_by_role("heading", name=translate(language, "Find a service"), level=1)).to_be_visible()


@pytest.mark.parametrize("language", ["en", "ur"])
def test_sign_in_to_agreeing_a_change_to_the_plan_in_three_taps(
    live_server, new_context, translate, screenshot, screenshots_dir, language
):
    from advocate_app import db
    from advocate_app.accounts.models import User
    from advocate_app.plans import services as plans
    from advocate_app.plans.models import ItemKind, Plan, PlanItem

    case = CASES[language]
    made = _make_case(live_server.app, language)
    advocate_name = case["advocate"][1]
    goal_text = "Talk to the housing team this week" if language == "en" else "اس ہفتے ہاؤسنگ ٹیم سے بات کرنا"
    # The person agreed the plan at the last visit; since then the advocate added a goal and agreed that.
    with live_server.app.test_request_context():
        advocate = db.session.get(User, made["advocate"])
        person_user = db.session.query(User).filter_by(person_id=made["person"]).one()
        plan = db.session.get(Plan, made["plan"])
        plans.agree(plan, by=person_user)
        need = db.session.get(PlanItem, made["need"])
        goal = plans.add_item(plan, ItemKind.GOAL, plans.ItemFields(goal_text), by=advocate, parent=need)
        plans.agree(plan, by=advocate)
        db.session.commit()
        goal_id = goal.id

    page = new_context(locale=BROWSER_LOCALES[language]).new_page()
    taps = Taps()
    page.goto("/login")
    labels = _labels(translate, language)
    page.get_by_label(labels["identifier"], exact=True).fill(case["person"][0])
    page.get_by_label(labels["password"], exact=True).fill(DEMO_PASSWORD)
    taps(page.get_by_role("button", name=labels["submit"], exact=True))
    expect(page).to_have_url(re.compile(r"/me$"))

    # The banner lists what changed and links to it.
    banner = page.locator(".app-changes")
    expect(banner).to_contain_text(goal_text)
    taps(banner.get_by_role("link").first)
    expect(page).to_have_url(re.compile(rf"#item-{goal_id}$"))
    expect(page.locator(f"#item-{goal_id}")).to_be_in_viewport()

    # What is written leads; the empty "about me" sections are one short invitation after it.
    expect(page.locator(".app-about-empty")).to_have_count(1)
    need_box = page.locator(f"#item-{made['need']}").bounding_box()
    about_box = page.get_by_role("heading", name=translate(language, "About me"), level=2).bounding_box()
    assert need_box["y"] < about_box["y"]
    # Controls name the entry they act on, in full (not cut at 30 characters).
    expect(page.get_by_role("link", name=_naming(translate(language, "Change"), case["need"]))).to_have_count(1)

    # Agreement comes after the plan: what changed, then the button.
    agreement = page.locator("#agreement")
    expect(agreement).to_contain_text(translate(language, "It has changed since you agreed it."))
    assert agreement.bounding_box()["y"] > page.locator(f"#item-{goal_id}").bounding_box()["y"]
    screenshot(page, f"agreement-to-agree-{language}")
    taps(agreement.get_by_role("button", name=translate(language, "I agree with this plan")))
    agreement = page.locator("#agreement")
    expect(agreement).to_contain_text(translate(language, "You"))
    expect(agreement).to_contain_text(advocate_name)
    expect(agreement.get_by_role("button")).to_have_count(0)
    if language == "en":
        agreed = re.compile(rf"You and \u2068?{advocate_name}\u2069? agreed version \d+ on \d+ \w+\.")
        expect(agreement).to_contain_text(agreed)
    assert_fits_the_screen(page)
    screenshot(page, f"agreement-agreed-{language}")
    agreement.screenshot(path=str(screenshots_dir / f"agreement-box-{language}.png"))
    assert taps.count <= MOST_TAPS_TO_AGREE, f"{taps.count} taps from signing in to agreeing the change"

    # Withdrawing asks first, on a page with one heading, and is one confirmation.
    agreement.get_by_role("link", name=translate(language, "Withdraw my agreement")).click()
    expect(page.locator("h1")).to_have_count(1)
    question = translate(language, "Are you sure you want to withdraw your agreement to the plan?")
    expect(page.locator("h1")).to_have_text(question)
    assert_fits_the_screen(page)
    screenshot(page, f"agreement-withdraw-confirm-{language}")
    page.get_by_role("button", name=translate(language, "Yes, withdraw my agreement")).click()
    expect(page.get_by_text(translate(language, "You have withdrawn your agreement to the plan."))).to_be_visible()
    agree = page.locator("#agreement").get_by_role("button", name=translate(language, "I agree with this plan"))
    expect(agree).to_be_visible()
    expect(page.locator("h1")).to_have_count(1)
