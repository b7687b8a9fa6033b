"""Two phones, one plan: the person and their advocate write it together, and every voice is kept."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ADVOCATE, INDIVIDUAL, assert_fits_the_screen, sign_in

pytestmark = pytest.mark.browser

NEED = "A place where I feel safe at night"
REWORDED = "A safe home away from the old area"
GOAL = "Move before the winter"
STEP = "Phone the housing team together"


def _entry(page, text):
    """The smallest section of the plan holding this text (a need, a goal or a step)."""
    return page.locator(".app-entry").filter(has_text=text).last


def _choose_language(page, name: str) -> None:
    page.locator(".app-footer__language").get_by_role("button", name=name).click()
    page.wait_for_load_state()


def test_person_and_advocate_write_a_plan_together_on_two_phones(new_context, screenshot, translate):
    person = new_context().new_page()
    advocate = new_context().new_page()
    sign_in(person, INDIVIDUAL)
    sign_in(advocate, ADVOCATE)

    # On their own phone, Sam adds a need in their own words.
    expect(person).to_have_url(re.compile(r"/me$"))
    person.get_by_role("button", name="Add a need").click()
    person.get_by_label("What is it about?").select_option(label="Housing")
    person.get_by_label("What do you need?").fill(NEED)
    person.get_by_label("High – this matters most now").check()
    person.get_by_role("button", name="Save").click()
    expect(_entry(person, NEED)).to_contain_text("In my words")

    # During the visit, the advocate adds a goal and a step to Sam's need.
    advocate.get_by_role("link", name="Plan for Sam Okafor").click()
    expect(advocate.get_by_role("heading", name="Plan for Sam Okafor")).to_be_visible()
    need = advocate.locator(".app-entry--need").filter(has_text=NEED)
    need.get_by_role("link", name=re.compile("^Add a goal")).click()
    advocate.get_by_label("What is the goal?").fill(GOAL)
    advocate.get_by_label("My words, as their advocate").check()
    advocate.get_by_role("button", name="Save").click()
    # Steps are listed on the goal's own page.
    goal = advocate.locator(".app-entry--goal").filter(has_text=GOAL)
    goal.get_by_role("link", name=re.compile("^No steps yet")).click()
    advocate.get_by_role("link", name=re.compile("^Add a step")).click()
    advocate.get_by_label("What is the step?").fill(STEP)
    # Who does it, asked of the advocate about Sam and themselves.
    advocate.get_by_label("You", exact=True).check()
    advocate.get_by_label("My words, as their advocate").check()
    advocate.get_by_role("button", name="Save").click()
    expect(_entry(advocate, STEP)).to_contain_text("In the advocate's words")
    assert_fits_the_screen(advocate)

    # The advocate rewords Sam's need: Sam's words stay, the new wording waits beside them.
    advocate.get_by_role("link", name="Back to the plan").click()
    need = advocate.locator(".app-entry--need").filter(has_text=NEED)
    need.get_by_role("link", name=re.compile("^Change")).first.click()
    expect(advocate.get_by_text("Nothing is overwritten.")).to_be_visible()
    advocate.get_by_label("What does Sam Okafor need?").fill(REWORDED)
    advocate.get_by_role("button", name="Save").click()
    expect(advocate.get_by_text("Your wording is saved beside the original until it is agreed.")).to_be_visible()

    person.reload()
    # Only this wording: another test on the same server may have left a suggestion of its own on Sam's plan.
    proposal = person.locator(".app-proposal").filter(has_text=REWORDED)
    expect(person.locator(".app-entry__text").get_by_text(NEED, exact=True)).to_be_visible()
    expect(proposal).to_contain_text(REWORDED)
    expect(proposal).to_contain_text("Suggested new wording from Alex Morgan")
    assert_fits_the_screen(person)
    screenshot(person, "plan-together-suggestion-en")
    proposal.get_by_role("button", name="Use the new wording").click()
    expect(person.locator(".app-entry__text").get_by_text(REWORDED, exact=True)).to_be_visible()
    expect(person.locator(".app-proposal").filter(has_text=REWORDED)).to_have_count(0)

    # Both agree the plan, and each reads it said plainly.
    person.get_by_role("button", name="I agree with this plan").click()
    advocate.goto(advocate.url.split("#")[0])
    advocate.get_by_role("button", name="I agree with this plan").click()
    expect(advocate.get_by_text(re.compile(r"You and \u2068?Sam Okafor\u2069? agreed version \d+ on"))).to_be_visible()
    expect(advocate.get_by_role("button", name="I agree with this plan")).to_have_count(0)

    # Sam ticks off the step on their phone, on the goal's page; the advocate sees it highlighted.
    person.locator(".app-entry--goal").filter(has_text=GOAL).get_by_role("link", name=re.compile("^1 step")).click()
    _entry(person, STEP).get_by_role("button", name=re.compile("^Mark as done")).click()
    expect(_entry(person, STEP)).to_contain_text("Done")
    person.goto("/me")
    screenshot(person, "plan-together-person-en")

    advocate.goto("/people")
    expect(advocate.get_by_text("1 change in the plan since you last looked")).to_be_visible()
    advocate.get_by_role("link", name="Plan for Sam Okafor").click()
    goal = advocate.locator(".app-entry--goal").filter(has_text=GOAL)
    expect(goal).to_contain_text("1 changed since you last looked")
    goal.get_by_role("link", name=re.compile("^1 step")).click()
    step = advocate.locator(".app-entry--step").filter(has_text=STEP)
    expect(step).to_have_class(re.compile(r"\bapp-highlight\b"))
    expect(step).to_contain_text("Changed since you last looked")
    screenshot(advocate, "plan-together-advocate-highlight")

    # The person's plan in Urdu, right to left, on the same phone.
    _choose_language(person, "اردو")
    expect(person.locator("html")).to_have_attribute("dir", "rtl")
    expect(person.get_by_role("heading", name=translate("ur", "My plan"), level=1)).to_be_visible()
    assert_fits_the_screen(person)
    screenshot(person, "plan-together-person-ur")
    _choose_language(person, "English")
