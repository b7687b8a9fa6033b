"""The three main journeys with a keyboard alone: Tab to move, Enter and Space to act, typing to fill in.

No mouse click and no locator click anywhere here: every control is reached by pressing Tab from the top
of the page, and each one reached must show where the focus is.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ADVOCATE, DEMO_PASSWORD, WORKER, _fresh_code
from tests.browser.pages import PAT, build_pat

pytestmark = pytest.mark.browser

FOCUSED = """() => {
  const e = document.activeElement;
  const style = getComputedStyle(e);
  return {
    tag: e.tagName.toLowerCase(),
    type: e.getAttribute('type') || '',
    name: e.getAttribute('name') || '',
    value: e.value || '',
    href: e.getAttribute('href') || '',
    text: (e.innerText || '').replace(/\\s+/g, ' ').trim(),
    label: e.labels && e.labels.length ? e.labels[0].innerText.replace(/\\s+/g, ' ').trim() : '',
    shown: (style.outlineStyle !== 'none' && style.outlineWidth !== '0px') || style.boxShadow !== 'none',
  };
}"""


def tab_to(page, wanted, *, limit: int = 120) -> dict:
    """Press Tab until the focused element is ``wanted`` (a predicate on what ``FOCUSED`` reports)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        if wanted(focused):
            assert focused["shown"], f"no visible focus on {focused}"
            return focused
    raise AssertionError(f"Tab never reached the control on {page.url}")


def press_and_follow(page, key: str = "Enter") -> None:
    """Press a key on a link or a submit button and wait for the page it leads to."""
    with page.expect_navigation():
        page.keyboard.press(key)


def named(text: str):
    return lambda f: f["text"].startswith(text) or f["label"].startswith(text) or f["value"] == text


def field(name: str):
    return lambda f: f["name"] == name and f["tag"] in ("input", "textarea", "select")


def keyboard_sign_in(page, identifier: str) -> None:
    page.goto("/login")
    first = tab_to(page, lambda f: True, limit=1)
    assert first["text"] == "Skip to main content", "the first Tab should offer to skip to the content"
    tab_to(page, field("identifier"))
    page.keyboard.type(identifier)
    tab_to(page, field("password"))
    page.keyboard.type(DEMO_PASSWORD)
    press_and_follow(page)
    if "/login/code" in page.url:
        # Staff then type the code their authenticator app shows.
        tab_to(page, field("code"))
        page.keyboard.type(_fresh_code(identifier, page.url))
        press_and_follow(page)


@pytest.fixture(scope="module")
def world(live_server) -> dict:
    ids = dict(build_pat(live_server.app))
    # A referral of Pat's of its own, for the worker to accept here (the other pages keep theirs unanswered).
    from advocate_app import db
    from advocate_app.accounts.models import User
    from advocate_app.clock import local_today
    from advocate_app.consent.models import Category
    from advocate_app.directory.models import Service
    from advocate_app.people.models import Person
    from advocate_app.referrals import services as referrals

    with live_server.app.test_request_context():
        alex = db.session.query(User).filter_by(email=ADVOCATE).one()
        referral = referrals.make_referral(
            db.session.get(Person, ids["pat"]),
            db.session.get(Service, ids["service"]),
            categories=[Category.NEEDS],
            by=alex,
            today=local_today(),
        )
        db.session.commit()
        ids["keyboard_referral"] = referral.id
    return ids


def test_advocate_writes_a_need_into_a_plan_with_the_keyboard(new_context, world):
    page = new_context().new_page()
    keyboard_sign_in(page, ADVOCATE)
    expect(page).to_have_url(re.compile(r"/people$"))

    tab_to(page, lambda f: f["href"] == f"/people/{world['pat']}/plan")
    press_and_follow(page)
    expect(page.get_by_role("heading", name="Plan for Pat Rowe", level=1)).to_be_visible()

    tab_to(page, named("Add a need"))
    press_and_follow(page)
    tab_to(page, field("domain"))
    page.keyboard.type("Money")
    tab_to(page, field("text"))
    page.keyboard.type("Help with the rent arrears")
    tab_to(page, lambda f: f["name"] == "priority")
    page.keyboard.press("Space")
    tab_to(page, lambda f: f["name"] == "voice")
    page.keyboard.press("Space")
    tab_to(page, named("Save"))
    press_and_follow(page)

    expect(page.get_by_text("Added to the plan.")).to_be_visible()
    need = page.locator(".app-entry--need").filter(has_text="Help with the rent arrears")
    expect(need).to_contain_text("Money")


def test_org_worker_accepts_a_referral_with_the_keyboard(new_context, world):
    page = new_context().new_page()
    keyboard_sign_in(page, WORKER)
    expect(page).to_have_url(re.compile(r"/referrals$"))

    referral = f"/referrals/{world['keyboard_referral']}"
    if not page.locator(f'a[href="{referral}"]').count():  # further down the list: open the whole section
        tab_to(page, lambda f: f["href"] == "/referrals?section=new")
        press_and_follow(page)
    tab_to(page, lambda f: f["href"] == referral)
    press_and_follow(page)
    expect(page).to_have_url(re.compile(rf"{referral}$"))

    tab_to(page, named("Accept referral"))
    press_and_follow(page)
    expect(page.locator("main")).to_contain_text("You accepted this referral.")


def test_person_checks_their_plan_and_a_step_with_the_keyboard(new_context, world):
    page = new_context().new_page()
    keyboard_sign_in(page, PAT)
    expect(page).to_have_url(re.compile(r"/me$"))
    expect(page.get_by_role("heading", name="My plan", level=1)).to_be_visible()

    tab_to(page, lambda f: f["href"].startswith(f"/people/{world['pat']}/plan/goals/{world['goal']}"))
    press_and_follow(page)
    step = page.locator(".app-entry--step").filter(has_text="Ring the housing advice line")
    # Pat has not chosen that messages may say who they are from, so the organisation is not named to Pat.
    expect(step).to_contain_text("An organisation")
    expect(step).not_to_contain_text("Harbour Housing Advice")

    tab_to(page, named("Back to the plan"))
    press_and_follow(page)
    expect(page).to_have_url(re.compile(r"/me(#.*)?$"))
