"""An offline visit on a phone: the advocate keeps Sam's plan on the phone, loses the signal, keeps working, and
every change arrives once when the signal returns; a person's own phone keeps nothing of ours."""

from __future__ import annotations

import itertools
import re
import time
from contextlib import contextmanager

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from tests.browser.conftest import ADVOCATE, INDIVIDUAL, assert_fits_the_screen, sign_in
from tests.browser.test_accessibility import AXE, WCAG_A_AND_AA

pytestmark = pytest.mark.browser

_serial = itertools.count(1)

# What a browser profile holds of ours: IndexedDB databases, Cache Storage entries, service worker registrations.
STORAGE = """async () => ({
  databases: (await indexedDB.databases()).map((d) => d.name),
  caches: await caches.keys(),
  workers: (await navigator.serviceWorker.getRegistrations()).length,
})"""


# Everything kept in IndexedDB, read as text: the encrypted parts decoded as if they were words, the rest as JSON.
KEPT_IN_THE_CLEAR = """async () => {
  const db = await new Promise((ok) => {
    const r = indexedDB.open('advocate-offline')
    r.onsuccess = () => ok(r.result)
  })
  const all = (s) => new Promise((ok) => {
    const r = db.transaction(s).objectStore(s).getAll()
    r.onsuccess = () => ok(r.result)
  })
  const text = (rows) => rows.map((r) => new TextDecoder().decode(r.box.data)).join(' ') + JSON.stringify(rows)
  return text(await all('visits')) + text(await all('outbox'))
}"""


def _plan_for(app, name: str, *, sams_goal: bool = True) -> dict:
    """A need, a goal (in the person's own words) and a step, new for this test, in ``name``'s plan."""
    from advocate_app import db
    from advocate_app.accounts.models import User
    from advocate_app.people.models import Person
    from advocate_app.plans import services as plans
    from advocate_app.plans.models import ItemKind

    n = next(_serial)
    with app.app_context():
        person = db.session.scalar(select(Person).where(Person.preferred_name == name))
        alex = db.session.scalar(select(User).where(User.email == ADVOCATE))
        writer = db.session.scalar(select(User).where(User.person_id == person.id)) if sams_goal else alex
        plan = plans.plan_for(person.id, by=alex)
        need = plans.add_item(
            plan, ItemKind.NEED, plans.ItemFields(f"Offline need {n}", domain="housing", priority=1), by=alex
        )
        goal = plans.add_item(plan, ItemKind.GOAL, plans.ItemFields(f"Offline goal {n}"), by=writer, parent=need)
        step = plans.add_item(plan, ItemKind.STEP, plans.ItemFields(f"Offline step {n}"), by=alex, parent=goal)
        db.session.commit()
        return {
            "person": person.id,
            "need": need.text,
            "goal": goal.text,
            "step": step.text,
            "goal_id": goal.id,
            "step_id": step.id,
            "n": n,
        }


def _new_person(app, name: str) -> None:
    from advocate_app import db
    from advocate_app.accounts.models import User
    from advocate_app.people import services as people

    with app.app_context():
        alex = db.session.scalar(select(User).where(User.email == ADVOCATE))
        people.create_person(people.PersonDetails(preferred_name=name), advocate=alex)
        db.session.commit()


def _count(app, model, *where) -> int:
    from advocate_app import db

    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _take_offline(page, person_id: int, words=None) -> None:
    page.goto(f"/people/{person_id}/plan")
    page.get_by_role("button", name=words or "Keep this plan on this phone for the visit").click()
    expect(page.locator("#offline-kept")).to_contain_text(re.compile(r"\d"))
    _until(page, "navigator.serviceWorker.ready.then(() => true)")


def _until(page, script: str, arg=None, seconds: float = 10) -> None:
    """Wait until the page's ``script`` answers true, promises awaited (``wait_for_function`` takes the promise
    itself for true, so it never waits for one)."""
    deadline = time.monotonic() + seconds
    while not page.evaluate(script, arg):
        assert time.monotonic() < deadline, f"not true after {seconds} s: {script}"
        page.wait_for_timeout(100)


def _offline_reload(context, page) -> None:
    context.set_offline(True)
    page.reload()
    expect(page.locator("body[data-offline-page]")).to_have_count(1)


def _back_online(context, page) -> None:
    context.set_offline(False)
    expect(page.locator("#offline-outbox")).not_to_contain_text("Sending", timeout=10_000)


def _no_axe_violations(page) -> None:
    page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    found = page.evaluate(
        "async (tags) => (await axe.run(document, {runOnly: {type: 'tag', values: tags}})).violations"
        ".map((v) => v.id + ': ' + v.nodes.map((n) => n.target.join(' ')).join(', '))",
        WCAG_A_AND_AA,
    )
    assert not found, found


def test_a_visit_without_signal_reaches_the_server_once_and_sam_sees_it(
    new_context, live_server, screenshot, screenshots_dir
):
    from advocate_app.plans.models import CheckIn, PlanItem

    app = live_server.app
    plan = _plan_for(app, "Sam Okafor")
    context = new_context(bypass_csp=True)
    page = context.new_page()
    sign_in(page, ADVOCATE)
    page.goto(f"/people/{plan['person']}/plan")
    expect(page.get_by_role("button", name="Keep this plan on this phone for the visit")).to_be_visible()
    _no_axe_violations(page)
    page.screenshot(path=str(screenshots_dir / "offline-visit-take-en-screen.png"))
    _take_offline(page, plan["person"])
    expect(page.locator("#offline-kept")).to_contain_text("Kept on this phone until")

    # The signal drops in Sam's flat: the plan still opens after a reload.
    _offline_reload(context, page)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Plan for Sam Okafor (no signal)")
    expect(page.locator("bdi", has_text=plan["goal"]).first).to_be_visible()
    _no_axe_violations(page)

    # A new goal, a step ticked off and reworded, a new step and a check-in, all without a signal.
    page.get_by_label("Which need is it for?").select_option(label=f"Housing: {plan['need']}")
    page.locator("#add-goal-text").fill(f"Get a bus pass {plan['n']}")
    page.locator("#add-goal").get_by_role("button", name="Save").click()
    page.locator("li").filter(has_text=plan["step"]).get_by_role("button", name="Mark as done").click()
    step = page.locator("li.app-offline__step").filter(has_text=plan["step"])
    step.get_by_text("Change the wording").click()
    step.get_by_label("What is the step?").fill(f"Ring the council {plan['n']}")
    step.get_by_role("button", name="Save").click()
    page.locator("#add-step-goal").select_option(label=plan["goal"])
    page.locator("#add-step-text").fill(f"Pack the kitchen {plan['n']}")
    page.locator("#add-step-owner").select_option("advocate")
    page.locator("#add-step").get_by_role("button", name="Save").click()
    expect(page.locator("#offline-plan li").filter(has_text=f"Pack the kitchen {plan['n']}")).to_contain_text(
        "waiting to send"
    )
    expect(page.locator("li.app-offline__step").filter(has_text=f"Ring the council {plan['n']}")).to_contain_text(
        "Done"
    )
    page.locator("#check-in-domain").select_option(label="Housing")
    page.locator("#check-in-score").select_option("7")
    page.locator("#check-in-note").fill(f"Settled in {plan['n']}")
    page.locator("#check-in").get_by_role("button", name="Save").click()
    outbox = page.locator("#offline-outbox")
    expect(outbox).to_contain_text("Changes waiting to send: 5")
    expect(outbox).to_contain_text(f"Get a bus pass {plan['n']}")
    expect(outbox).to_contain_text(f"Add a step: Pack the kitchen {plan['n']}")
    assert _count(app, PlanItem, PlanItem.text == f"Get a bus pass {plan['n']}") == 0
    assert_fits_the_screen(page)
    screenshot(page, "offline-visit-outbox-en")

    # What is kept on the phone is ciphertext: the typed words are nowhere in IndexedDB in the clear.
    kept = page.evaluate(KEPT_IN_THE_CLEAR)
    assert plan["goal"] not in kept and "bus pass" not in kept and "kitchen" not in kept and "Sam" not in kept

    # The signal returns: every change is sent, once.
    _back_online(context, page)
    expect(outbox).not_to_contain_text("Changes waiting to send")
    expect(outbox).to_contain_text("What happened to your changes")
    expect(outbox.get_by_text("Sent")).to_have_count(5)
    screenshot(page, "offline-visit-sent-en")
    assert _count(app, PlanItem, PlanItem.text == f"Get a bus pass {plan['n']}") == 1
    assert _count(app, PlanItem, PlanItem.id == plan["step_id"], PlanItem.done_at.is_not(None)) == 1
    assert _count(app, PlanItem, PlanItem.id == plan["step_id"], PlanItem.text == f"Ring the council {plan['n']}") == 1
    assert (
        _count(app, PlanItem, PlanItem.text == f"Pack the kitchen {plan['n']}", PlanItem.parent_id == plan["goal_id"])
        == 1
    )
    assert _count(app, CheckIn, CheckIn.note == f"Settled in {plan['n']}") == 1

    # Sam sees them on Sam's own phone: the new goal, the step ticked off in its new words, the new step and the
    # check-in.
    sams_phone = new_context().new_page()
    sign_in(sams_phone, INDIVIDUAL)
    sams_phone.goto("/me")
    expect(sams_phone.get_by_text(f"Get a bus pass {plan['n']}", exact=True)).to_be_visible()
    sams_phone.goto(f"/people/{plan['person']}/plan/goals/{plan['goal_id']}")
    ticked = sams_phone.locator(f"#item-{plan['step_id']}")
    expect(ticked).to_contain_text(f"Ring the council {plan['n']}")
    expect(ticked.locator(".govuk-tag", has_text="Done")).to_be_visible()
    expect(sams_phone.locator(".app-entry--step").filter(has_text=f"Pack the kitchen {plan['n']}")).to_be_visible()
    sams_phone.goto(f"/people/{plan['person']}/journey")
    check_in = sams_phone.locator("#domain-housing tr").filter(has_text=f"Settled in {plan['n']}")
    expect(check_in).to_contain_text("7")


def test_sam_rewords_the_goal_while_the_advocate_is_offline_and_her_wording_becomes_a_suggestion(
    new_context, live_server
):
    from advocate_app.plans.models import PlanItem

    app = live_server.app
    plan = _plan_for(app, "Sam Okafor")
    context = new_context()
    page = context.new_page()
    sign_in(page, ADVOCATE)
    _take_offline(page, plan["person"])
    _offline_reload(context, page)

    goal = page.locator(".app-entry").filter(has_text=plan["goal"]).last
    # The goal's own "Change the wording" comes first; its steps each have one of their own.
    goal.get_by_text("Change the wording").first.click()
    goal.get_by_label("What is the goal?").fill(f"Move near the school {plan['n']}")
    goal.get_by_role("button", name="Save").click()
    expect(page.locator("#offline-outbox")).to_contain_text("Changes waiting to send: 1")

    # Meanwhile Sam rewords the same goal on his phone.
    sams_phone = new_context().new_page()
    sign_in(sams_phone, INDIVIDUAL)
    sams_phone.goto(f"/people/{plan['person']}/plan/items/{plan['goal_id']}/edit")
    sams_phone.get_by_label("What is the goal?").fill(f"Move before summer {plan['n']}")
    sams_phone.get_by_role("button", name="Save").click()

    _back_online(context, page)
    expect(page.locator("#offline-outbox")).to_contain_text("Became a suggestion beside the person's own words")
    assert (
        _count(
            app,
            PlanItem,
            PlanItem.id == plan["goal_id"],
            PlanItem.text == f"Move before summer {plan['n']}",
            PlanItem.proposed_text == f"Move near the school {plan['n']}",
        )
        == 1
    )


def test_a_change_for_someone_moved_to_another_advocate_is_refused_with_the_reason(new_context, live_server):
    from advocate_app import db
    from advocate_app.accounts.models import Role, User
    from advocate_app.people import services as people
    from advocate_app.people.models import Assignment, Person
    from advocate_app.plans.models import PlanItem

    app = live_server.app
    name = f"Jordan Offline {next(_serial)}"
    _new_person(app, name)
    plan = _plan_for(app, name, sams_goal=False)
    sams = _plan_for(app, "Sam Okafor")
    context = new_context()
    page = context.new_page()
    sign_in(page, ADVOCATE)
    # Today's two visits, Jordan's and Sam's, both kept on the phone.
    _take_offline(page, sams["person"])
    _take_offline(page, plan["person"])
    _offline_reload(context, page)
    page.locator("li").filter(has_text=plan["step"]).get_by_role("button", name="Mark as done").click()
    expect(page.locator("#offline-outbox")).to_contain_text("Changes waiting to send: 1")
    # Still without a signal, on to Sam's plan.
    page.goto(f"/people/{sams['person']}/plan")
    page.locator("li").filter(has_text=sams["step"]).get_by_role("button", name="Mark as done").click()
    expect(page.locator("#offline-outbox")).to_contain_text("Changes waiting to send: 2")

    # While the advocate is offline, a coordinator moves Jordan to another advocate.
    with app.app_context():
        coordinator = db.session.scalar(select(User).where(User.role == Role.COORDINATOR).limit(1))
        other = db.session.scalar(select(User).where(User.role == Role.ADVOCATE, User.email != ADVOCATE).limit(1))
        person = db.session.get(Person, plan["person"])
        earlier = list(db.session.scalars(select(Assignment).where(Assignment.person_id == person.id)))
        people.assign_advocate(person, other, lead=True, by=coordinator)
        for assignment in earlier:
            people.end_assignment(assignment, by=coordinator)
        db.session.commit()

    _back_online(context, page)
    outbox = page.locator("#offline-outbox")
    expect(outbox).to_contain_text("Changes that need you: 1")
    expect(outbox).to_contain_text("This person is no longer on your caseload, so the change was not made.")
    assert _count(app, PlanItem, PlanItem.id == plan["step_id"], PlanItem.done_at.is_not(None)) == 0
    # Nothing else is lost: Sam's change arrived.
    expect(outbox).to_contain_text(f"Mark as done: {sams['step']} – Sent")
    assert _count(app, PlanItem, PlanItem.id == sams["step_id"], PlanItem.done_at.is_not(None)) == 1
    # Nothing is dropped silently: the advocate discards it themselves.
    outbox.get_by_role("button", name="Discard").click()
    expect(page.get_by_text("Changes that need you")).to_have_count(0)


def _referred_under_a_new_agreement(app, plan: dict) -> str:
    """Sam agrees to share his needs with an organisation new for this test, and the plan's step becomes a
    referral to it under that agreement; returns the organisation's name."""
    from advocate_app import db
    from advocate_app.accounts.models import User
    from advocate_app.clock import local_today
    from advocate_app.consent import services as consent
    from advocate_app.consent.models import Category, ConsentKind, GivenHow
    from advocate_app.directory.models import Organisation, OrganisationKind, Service
    from advocate_app.people.models import Person
    from advocate_app.plans import services as plans
    from advocate_app.referrals import services as referrals

    name = f"Riverside Tenancy Support {plan['n']}"
    with app.app_context():
        alex = db.session.scalar(select(User).where(User.email == ADVOCATE))
        sam = db.session.get(Person, plan["person"])
        organisation = Organisation(name=name, kind=OrganisationKind.VOLUNTARY)
        db.session.add(organisation)
        db.session.flush()
        service = Service(organisation_id=organisation.id, name="Tenancy help")
        db.session.add(service)
        db.session.flush()
        consent.give(
            sam,
            ConsentKind.SHARING,
            given_how=GivenHow.VERBAL,
            by=alex,
            language="en",
            organisation=organisation,
            purpose="help Sam keep his tenancy",
            categories=[Category.NEEDS],
        )
        referrals.make_referral(
            sam,
            service,
            categories=[Category.NEEDS],
            by=alex,
            today=local_today(),
            step=plans.load_item(plan["step_id"]),
        )
        db.session.commit()
    return name


def test_sam_withdraws_the_agreement_a_ticked_step_rests_on_and_only_that_change_is_refused(new_context, live_server):
    from advocate_app.plans.models import PlanItem

    app = live_server.app
    plan = _plan_for(app, "Sam Okafor")
    organisation = _referred_under_a_new_agreement(app, plan)
    context = new_context()
    page = context.new_page()
    sign_in(page, ADVOCATE)
    _take_offline(page, plan["person"])
    _offline_reload(context, page)
    # Without a signal: the referred step ticked off, and a new goal.
    page.locator("li").filter(has_text=plan["step"]).get_by_role("button", name="Mark as done").click()
    page.get_by_label("Which need is it for?").select_option(label=f"Housing: {plan['need']}")
    page.locator("#add-goal-text").fill(f"Find a quieter flat {plan['n']}")
    page.locator("#add-goal").get_by_role("button", name="Save").click()
    expect(page.locator("#offline-outbox")).to_contain_text("Changes waiting to send: 2")

    # Meanwhile, on his own phone, Sam withdraws the agreement the referral was made under.
    sams_phone = new_context().new_page()
    sign_in(sams_phone, INDIVIDUAL)
    sams_phone.get_by_role("link", name="Who can see my information").click()
    agreement = sams_phone.locator(".app-summary-box").filter(has_text=organisation)
    agreement.get_by_role("button", name=re.compile("^Withdraw")).click()
    sams_phone.get_by_role("button", name="Yes, withdraw").click()
    expect(sams_phone.get_by_role("heading", name="Agreement withdrawn")).to_be_visible()

    _back_online(context, page)
    outbox = page.locator("#offline-outbox")
    expect(outbox).to_contain_text("Changes that need you: 1")
    expect(outbox).to_contain_text("The consent this change depended on was withdrawn or has ended.")
    expect(outbox.locator(".app-outbox__item")).to_contain_text(f"Mark as done: {plan['step']}")
    assert _count(app, PlanItem, PlanItem.id == plan["step_id"], PlanItem.done_at.is_not(None)) == 0
    # Nothing else is lost: the new goal arrived.
    expect(outbox).to_contain_text(f"Add a goal: Find a quieter flat {plan['n']} – Sent")
    assert _count(app, PlanItem, PlanItem.text == f"Find a quieter flat {plan['n']}") == 1


def test_a_reply_lost_after_the_server_applied_a_change_does_not_apply_it_twice(new_context, live_server):
    from advocate_app.plans.models import PlanItem

    app = live_server.app
    plan = _plan_for(app, "Sam Okafor")
    context = new_context()
    page = context.new_page()
    sign_in(page, ADVOCATE)
    _take_offline(page, plan["person"])
    _offline_reload(context, page)
    page.get_by_label("Which need is it for?").select_option(label=f"Housing: {plan['need']}")
    page.locator("#add-goal-text").fill(f"Open a bank account {plan['n']}")
    page.locator("#add-goal").get_by_role("button", name="Save").click()

    # The server applies the change, then the connection drops before the reply arrives.
    def lose_the_reply(route):
        route.fetch()
        route.abort("connectionreset")

    page.route("**/offline/sync", lose_the_reply)
    context.set_offline(False)
    expect(page.locator("#offline-outbox")).to_contain_text("Not sent yet")
    assert _count(app, PlanItem, PlanItem.text == f"Open a bank account {plan['n']}") == 1
    expect(page.locator("#offline-outbox")).to_contain_text("Changes waiting to send: 1")

    page.unroute("**/offline/sync")
    page.get_by_role("button", name="Send now").click()
    expect(page.locator("#offline-outbox")).to_contain_text("What happened to your changes")
    expect(page.locator("#offline-outbox")).not_to_contain_text("Changes waiting to send: 1")
    assert _count(app, PlanItem, PlanItem.text == f"Open a bank account {plan['n']}") == 1


def test_signing_out_leaves_nothing_of_the_visit_on_the_phone(new_context, live_server):
    plan = _plan_for(live_server.app, "Sam Okafor")
    context = new_context()
    page = context.new_page()
    sign_in(page, ADVOCATE)
    _take_offline(page, plan["person"])
    held = page.evaluate(STORAGE)
    assert held["databases"] == ["advocate-offline"] and held["caches"] and held["workers"] == 1

    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/login"))
    assert page.evaluate(STORAGE) == {"databases": [], "caches": [], "workers": 0}


def test_sams_own_phone_keeps_no_worker_and_no_storage(new_context):
    context = new_context()
    page = context.new_page()
    sign_in(page, INDIVIDUAL)
    for path in ("/me", "/account"):
        page.goto(path)
    page.get_by_role("link", name=re.compile("What has changed")).first.click()
    assert page.evaluate(STORAGE) == {"databases": [], "caches": [], "workers": 0}
    assert context.service_workers == []
    assert page.locator("script[src*='offline']").count() == 0


def test_the_offline_plan_in_urdu_reads_right_to_left(new_context, live_server, translate, screenshot, screenshots_dir):
    plan = _plan_for(live_server.app, "Sam Okafor")
    with _language_of(live_server.app, ADVOCATE, "ur"):
        _read_offline_plan_in_urdu(new_context, plan, translate, screenshot, screenshots_dir)


@contextmanager
def _language_of(app, email: str, locale: str):
    """The user's own language setting (it wins over the browser's) for the test, put back afterwards: another
    test on the same server may have chosen one for them."""
    from advocate_app import db
    from advocate_app.accounts.models import User

    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        before, user.locale = user.locale, locale
        db.session.commit()
    try:
        yield
    finally:
        with app.app_context():
            db.session.scalar(select(User).where(User.email == email)).locale = before
            db.session.commit()


def _read_offline_plan_in_urdu(new_context, plan, translate, screenshot, screenshots_dir) -> None:
    context = new_context(locale="ur", bypass_csp=True)
    page = context.new_page()
    sign_in(
        page,
        ADVOCATE,
        labels={
            "identifier": translate("ur", "Email address or username"),
            "password": translate("ur", "Password or passphrase"),
            "submit": translate("ur", "Sign in"),
        },
    )
    take = translate("ur", "Keep this plan on this phone for the visit")
    page.goto(f"/people/{plan['person']}/plan")
    expect(page.get_by_role("button", name=take)).to_be_visible()
    _no_axe_violations(page)
    page.screenshot(path=str(screenshots_dir / "offline-visit-take-ur-screen.png"))
    _take_offline(page, plan["person"], take)
    # The words of the advocate's language are kept by the service worker, with the page it shows without a signal.
    words = page.get_attribute('meta[name="offline-words"]', "content")
    assert words.startswith("/offline/words/ur/")
    _until(page, WORKER_KEEPS, words)
    page.screenshot(path=str(screenshots_dir / "offline-visit-kept-ur-screen.png"))
    _no_axe_violations(page)
    _offline_reload(context, page)
    assert page.get_attribute("html", "dir") == "rtl"
    expect(page.locator("bdi", has_text=plan["goal"]).first).to_be_visible()
    page.locator("li").filter(has_text=plan["step"]).get_by_role("button", name=translate("ur", "Mark as done")).click()
    expect(page.locator("#offline-outbox")).to_contain_text(
        translate("ur", "Changes waiting to send: %(count)s", count="1")
    )
    assert_fits_the_screen(page)
    _no_axe_violations(page)
    screenshot(page, "offline-visit-outbox-ur")
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(screenshots_dir / "offline-visit-outbox-ur-screen.png"))
    context.set_offline(False)
    expect(page.locator("#offline-outbox")).to_contain_text(translate("ur", "What happened to your changes"))


def _end_sessions_of(app, email: str, reason: str) -> None:
    """The server ends the user's sessions (``idle_timeout``: they ran out while the phone had no signal)."""
    from advocate_app import db
    from advocate_app.accounts.models import User, UserSession
    from advocate_app.db import utcnow

    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        for record in db.session.scalars(
            select(UserSession).where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
        ):
            record.ended_at, record.end_reason = utcnow(), reason
        db.session.commit()


WORKER_KEEPS = """async (path) => {
  const kept = await (await caches.open('advocate-offline-v1')).keys()
  return kept.some((request) => new URL(request.url).pathname === path)
}"""

KEPT_RECORDS = """async () => {
  if (!(await indexedDB.databases()).some((d) => d.name === 'advocate-offline')) return 0
  const db = await new Promise((ok) => {
    const r = indexedDB.open('advocate-offline')
    r.onsuccess = () => ok(r.result)
  })
  const count = (s) => new Promise((ok) => {
    const r = db.transaction(s).objectStore(s).count()
    r.onsuccess = () => ok(r.result)
  })
  const n = (await count('visits')) + (await count('outbox'))
  db.close()
  return n
}"""


def _queue_a_goal(context, page, plan, text) -> None:
    _offline_reload(context, page)
    page.get_by_label("Which need is it for?").select_option(label=f"Housing: {plan['need']}")
    page.locator("#add-goal-text").fill(text)
    page.locator("#add-goal").get_by_role("button", name="Save").click()
    expect(page.locator("#offline-outbox")).to_contain_text("Changes waiting to send: 1")


def test_what_the_advocate_is_part_way_through_survives_the_plan_being_drawn_again(new_context, live_server):
    from advocate_app.plans.models import PlanItem

    app = live_server.app
    plan = _plan_for(app, "Sam Okafor")
    context = new_context()
    page = context.new_page()
    sign_in(page, ADVOCATE)
    _take_offline(page, plan["person"])
    _offline_reload(context, page)

    # Halfway through rewording the step and through a new step under this visit's goal ...
    step = page.locator("li.app-offline__step").filter(has_text=plan["step"])
    step.get_by_text("Change the wording").click()
    step.get_by_label("What is the step?").fill(f"Ring the landlord {plan['n']}")
    page.locator("#add-step-goal").select_option(label=plan["goal"])
    page.locator("#add-step-text").fill(f"Ring the GP {plan['n']}")
    # ... the advocate saves a check-in, and the plan is drawn again with it waiting to send.
    page.locator("#check-in-score").select_option("7")
    page.locator("#check-in").get_by_role("button", name="Save").click()
    expect(page.locator("#offline-outbox")).to_contain_text("Changes waiting to send: 1")

    expect(step.get_by_label("What is the step?")).to_have_value(f"Ring the landlord {plan['n']}")
    expect(page.locator("#add-step-goal")).to_have_value(str(plan["goal_id"]))
    expect(page.locator("#add-step-text")).to_have_value(f"Ring the GP {plan['n']}")
    expect(page.locator("#check-in-score")).to_have_value("1")  # the saved form starts afresh
    page.locator("#add-step").get_by_role("button", name="Save").click()
    expect(page.locator("#offline-outbox")).to_contain_text("Changes waiting to send: 2")

    _back_online(context, page)
    expect(page.locator("#offline-outbox")).to_contain_text(re.compile(rf"Ring the GP {plan['n']}\W+Sent"))
    new_step = PlanItem.text == f"Ring the GP {plan['n']}"
    assert _count(app, PlanItem, new_step, PlanItem.parent_id == plan["goal_id"]) == 1


def test_a_session_that_ran_out_without_signal_keeps_the_outbox_until_signing_in_again(new_context, live_server):
    from advocate_app.plans.models import PlanItem

    app = live_server.app
    plan = _plan_for(app, "Sam Okafor")
    context = new_context()
    page = context.new_page()
    sign_in(page, ADVOCATE)
    _take_offline(page, plan["person"])
    text = f"Register with a dentist {plan['n']}"
    _queue_a_goal(context, page, plan, text)

    # The session runs out while the phone has no signal; the signal returns, but nothing can be sent yet.
    _end_sessions_of(app, ADVOCATE, "idle_timeout")
    context.set_offline(False)
    page.get_by_role("button", name="Send now").click()
    expect(page.locator("#offline-outbox")).to_contain_text("Not sent yet")
    assert page.evaluate(KEPT_RECORDS) == 2
    assert _count(app, PlanItem, PlanItem.text == text) == 0

    # Signed in again with passphrase and code, the outbox sends by itself.
    page.goto("/login")
    sign_in(page, ADVOCATE)
    # The first page after signing in sends it.
    expect(page.locator("#offline-outbox")).to_contain_text("What happened to your changes")
    expect(page.locator("#offline-outbox")).to_contain_text(f"{text} – Sent")
    assert _count(app, PlanItem, PlanItem.text == text) == 1


def test_someone_else_signing_in_on_the_same_browser_never_sees_or_sends_the_queue(new_context, live_server):
    from advocate_app.plans.models import PlanItem

    app = live_server.app
    plan = _plan_for(app, "Sam Okafor")
    context = new_context()
    page = context.new_page()
    sign_in(page, ADVOCATE)
    _take_offline(page, plan["person"])
    text = f"Join the library {plan['n']}"
    _queue_a_goal(context, page, plan, text)
    _end_sessions_of(app, ADVOCATE, "idle_timeout")
    context.set_offline(False)
    # The attempt to send is over (its answer ends the session on this browser) before anyone signs in.
    page.get_by_role("button", name="Send now").click()
    expect(page.locator("#offline-outbox")).to_contain_text("Not sent yet")

    page.goto("/login")
    sign_in(page, "advocate2@example.org")
    expect(page).not_to_have_url(re.compile(r"/login"))
    expect(page.locator("#offline-outbox")).to_have_count(0)
    _until(page, f"({KEPT_RECORDS})().then((n) => n === 0)")
    assert _count(app, PlanItem, PlanItem.text == text) == 0


def test_past_its_expiry_the_visit_is_removed_from_the_phone(new_context, live_server):
    from advocate_app import db
    from advocate_app.offline.models import OfflineVisit

    app = live_server.app
    plan = _plan_for(app, "Sam Okafor")
    context = new_context()
    page = context.new_page()
    sign_in(page, ADVOCATE)
    _take_offline(page, plan["person"])
    assert page.evaluate(KEPT_RECORDS) == 1
    with app.app_context():
        for visit in db.session.scalars(select(OfflineVisit).where(OfflineVisit.ended_at.is_(None))):
            visit.expires_at = visit.created_at
        db.session.commit()

    page.reload()
    _until(page, f"({KEPT_RECORDS})().then((n) => n === 0)")
    expect(page.get_by_role("button", name="Keep this plan on this phone for the visit")).to_be_visible()


def test_without_javascript_the_plan_works_as_before_and_offers_nothing_offline(new_context, live_server):
    plan = _plan_for(live_server.app, "Sam Okafor")
    page = new_context(java_script_enabled=False).new_page()
    sign_in(page, ADVOCATE)
    page.goto(f"/people/{plan['person']}/plan")
    expect(page.get_by_role("heading", name="Plan for Sam Okafor")).to_be_visible()
    expect(page.get_by_text(plan["goal"], exact=True).last).to_be_visible()
    expect(page.get_by_role("button", name="Keep this plan on this phone for the visit")).to_have_count(0)


def test_where_the_browser_has_background_sync_it_asks_the_open_page_to_send(new_context, live_server):
    from advocate_app.plans.models import PlanItem

    app = live_server.app
    plan = _plan_for(app, "Sam Okafor")
    context = new_context(bypass_csp=True)
    page = context.new_page()
    sign_in(page, ADVOCATE)
    _take_offline(page, plan["person"])
    _queue_a_goal(context, page, plan, f"Library card {plan['n']}")
    assert "offline-outbox" in page.evaluate("async () => (await navigator.serviceWorker.ready).sync.getTags()")

    # The signal comes back but the first send does not get through: the change is still waiting.
    page.route("**/offline/sync", lambda route: route.abort())
    context.set_offline(False)
    expect(page.locator("#offline-outbox")).to_contain_text("Not sent yet")
    expect(page.locator("#offline-outbox")).to_contain_text("Changes waiting to send: 1")
    page.unroute("**/offline/sync")

    # The browser fires the sync event (as Chromium does when it sees the network back): the page sends.
    cdp = context.new_cdp_session(page)
    registrations = []
    cdp.on("ServiceWorker.workerRegistrationUpdated", lambda event: registrations.extend(event["registrations"]))
    cdp.send("ServiceWorker.enable")
    page.wait_for_timeout(200)
    registration = next(r for r in registrations if not r.get("isDeleted"))
    cdp.send(
        "ServiceWorker.dispatchSyncEvent",
        {
            "origin": live_server.url,
            "registrationId": registration["registrationId"],
            "tag": "offline-outbox",
            "lastChance": False,
        },
    )
    expect(page.locator("#offline-outbox")).to_contain_text(re.compile(rf"Library card {plan['n']}\W+Sent"))
    assert _count(app, PlanItem, PlanItem.text == f"Library card {plan['n']}") == 1
