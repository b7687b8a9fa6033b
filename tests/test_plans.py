"""Writing a plan together: both voices kept, suggestions beside the original, agreement, highlights, access."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from advocate_app import db
from advocate_app.plans import services
from advocate_app.plans.models import ItemKind, PlanComment, PlanItem, PlanItemRevision, Voice
from tests import factories
from tests.conftest import as_read, count_queries, csrf_from, entry_id_from, form_post, statements_run


def add_need(client, person_id, text="Somewhere safe to live", voice=None, plan_page="/me"):
    data = {"domain": "housing", "text": text, "priority": "1"}
    if voice:
        data["voice"] = voice
    response = form_post(client, f"/people/{person_id}/plan/needs/new", data)
    assert response.status_code == 302, response.get_data(as_text=True)[:400]
    return entry_id_from(response)


def test_person_and_advocate_write_a_plan_together_and_every_voice_is_kept(
    client, new_client, login, sam_and_alex, in_app
):
    alex, sam, sam_login = sam_and_alex
    phone, visit = client, new_client()
    login(phone, sam_login)
    login(visit, alex)

    need_id = add_need(phone, sam.id, "I need somewhere safe to live")
    goal = form_post(
        visit,
        f"/people/{sam.id}/plan/items/{need_id}/goals/new",
        {
            "text": "Move before winter",
            "voice": "advocate",
            "target_date-day": "1",
            "target_date-month": "11",
            "target_date-year": "2027",
        },
    )
    step = form_post(
        visit,
        f"/people/{sam.id}/plan/items/{entry_id_from(goal)}/steps/new",
        {"text": "Ring the housing team", "voice": "advocate", "owner": "advocate"},
    )
    assert step.status_code == 302

    # Alex rewords Sam's need: Sam's words stay, Alex's wording waits beside them.
    reword = form_post(
        visit,
        f"/people/{sam.id}/plan/items/{need_id}/edit",
        {"text": "A safe home away from the area", "priority": "1"},
    )
    assert reword.status_code == 302
    page = as_read(phone.get("/me").get_data(as_text=True))
    assert "I need somewhere safe to live" in page
    assert "A safe home away from the area" in page
    assert "Suggested new wording from Alex Morgan" in page
    assert "In my words" in page

    # Sam agrees to the new wording.
    form_post(phone, f"/people/{sam.id}/plan/items/{need_id}/decision", {"decision": "accept"}, token_from="/me")
    page = phone.get("/me").get_data(as_text=True)
    assert "A safe home away from the area" in page
    assert "I need somewhere safe to live" not in page

    with in_app():
        need = db.session.get(PlanItem, need_id)
        assert need.author_id == sam_login.id and need.author_role == "individual"
        actions = db.session.scalars(
            select(PlanItemRevision.action).where(PlanItemRevision.item_id == need_id).order_by(PlanItemRevision.id)
        ).all()
        texts = db.session.scalars(
            select(PlanItemRevision.text).where(PlanItemRevision.item_id == need_id).order_by(PlanItemRevision.id)
        ).all()
    assert actions == ["created", "proposed", "accepted"]
    assert texts[0] == "I need somewhere safe to live"
    history = phone.get(f"/people/{sam.id}/plan/items/{need_id}").get_data(as_text=True)
    assert "I need somewhere safe to live" in history and "New wording agreed" in history


def test_keeping_the_original_wording_discards_the_suggestion_but_history_remembers_it(
    client, new_client, login, sam_and_alex, in_app
):
    alex, sam, sam_login = sam_and_alex
    login(client, sam_login)
    visit = new_client()
    login(visit, alex)
    need_id = add_need(client, sam.id, "My words")
    form_post(visit, f"/people/{sam.id}/plan/items/{need_id}/edit", {"text": "Other words", "priority": "2"})
    form_post(client, f"/people/{sam.id}/plan/items/{need_id}/decision", {"decision": "keep"}, token_from="/me")
    page = client.get("/me").get_data(as_text=True)
    assert "My words" in page and "Other words" not in page
    with in_app():
        need = db.session.get(PlanItem, need_id)
        assert need.priority == 2  # the priority change was not a rewording
        assert need.proposed_text is None
        assert (
            db.session.scalar(
                select(func.count()).where(PlanItemRevision.item_id == need_id, PlanItemRevision.text == "Other words")
            )
            == 1
        )


def test_the_advocate_cannot_decide_on_words_of_a_person_who_has_their_own_login(
    client, new_client, login, sam_and_alex
):
    alex, sam, sam_login = sam_and_alex
    login(client, sam_login)
    visit = new_client()
    login(visit, alex)
    need_id = add_need(client, sam.id, "My words")
    form_post(visit, f"/people/{sam.id}/plan/items/{need_id}/edit", {"text": "Other words", "priority": "1"})
    response = form_post(
        visit, f"/people/{sam.id}/plan/items/{need_id}/decision", {"decision": "accept"}, token_from="/people"
    )
    assert response.status_code == 403
    assert "My words" in client.get("/me").get_data(as_text=True)


def test_without_a_login_the_advocate_records_a_decision_made_in_person(client, login, in_app):
    alex = factories.advocate()
    jo = factories.person(alex, name="Jo")
    login(client, alex)
    need_id = add_need(client, jo.id, "Jo said: I want my kids back", voice="person")
    form_post(
        client, f"/people/{jo.id}/plan/items/{need_id}/edit", {"text": "Contact with the children", "priority": "1"}
    )
    page = client.get(f"/people/{jo.id}/plan").get_data(as_text=True)
    assert "Use the new wording" in page
    form_post(client, f"/people/{jo.id}/plan/items/{need_id}/decision", {"decision": "accept"}, token_from="/people")
    with in_app():
        assert (
            db.session.scalar(
                select(PlanItemRevision.action)
                .where(PlanItemRevision.item_id == need_id)
                .order_by(PlanItemRevision.id.desc())
            )
            == "accepted_in_person"
        )


def test_both_agree_and_later_changes_by_the_other_are_highlighted(client, new_client, login, sam_and_alex):
    alex, sam, sam_login = sam_and_alex
    login(client, sam_login)
    visit = new_client()
    login(visit, alex)
    need_id = add_need(client, sam.id)
    goal = form_post(visit, f"/people/{sam.id}/plan/items/{need_id}/goals/new", {"text": "Move", "voice": "advocate"})
    step_id = entry_id_from(
        form_post(
            visit,
            f"/people/{sam.id}/plan/items/{entry_id_from(goal)}/steps/new",
            {"text": "Fill in the form", "voice": "advocate", "owner": "me"},
        )
    )
    form_post(client, f"/people/{sam.id}/plan/agree", {}, token_from="/me")
    form_post(visit, f"/people/{sam.id}/plan/agree", {}, token_from=f"/people/{sam.id}/plan")
    agreed = as_read(visit.get(f"/people/{sam.id}/plan").get_data(as_text=True))
    # Agreed by both, said plainly to each; nothing new to agree, so no button.
    assert re.search(r"You and Sam agreed version 3 on \d+ \w+\.", agreed)
    assert "I agree with this plan" not in agreed
    assert re.search(r"You and Alex Morgan agreed version 3 on", as_read(client.get("/me").get_data(as_text=True)))
    assert "Changed since you last looked" not in agreed

    form_post(client, f"/people/{sam.id}/plan/items/{step_id}/done", {"done": "1"}, token_from="/me")

    caseload = visit.get("/people").get_data(as_text=True)
    assert "1 change in the plan since you last looked" in caseload
    page = visit.get(f"/people/{sam.id}/plan").get_data(as_text=True)
    # The plan counts the changed step under its goal; the goal's page marks it.
    assert "1 entry has changed since you last looked" in page and "1 changed since you last looked" in page
    assert "It has changed since you agreed it." in page and "I agree with this plan" in page
    goal_link = re.search(r'href="(/people/\d+/plan/goals/\d+\?since=\d+)"', page).group(1)
    goal_page = visit.get(goal_link.replace("&amp;", "&")).get_data(as_text=True)
    marked = re.search(rf'id="item-{step_id}"', goal_page)
    assert marked and "app-highlight" in goal_page[marked.start() - 120 : marked.start()]
    assert "Changed since you last looked" in goal_page
    # Seen now: the next look is quiet.
    assert "since you last looked" not in visit.get(f"/people/{sam.id}/plan").get_data(as_text=True)
    assert "since you last looked" not in visit.get("/people").get_data(as_text=True)


def test_caseload_shows_overdue_reviews_and_steps(client, login, in_app):
    alex = factories.advocate()
    jo = factories.person(alex, name="Jo")
    with in_app():
        plan = services.start_plan(jo.id, by=alex)
        plan.next_review_date = date.today() - timedelta(days=3)
        need = services.add_item(plan, ItemKind.NEED, services.ItemFields("Money", domain="money", priority=1), by=alex)
        goal = services.add_item(plan, ItemKind.GOAL, services.ItemFields("Clear debts"), by=alex, parent=need)
        services.add_item(
            plan,
            ItemKind.STEP,
            services.ItemFields("Call the council", due_date=date.today() - timedelta(days=1)),
            by=alex,
            parent=goal,
        )
        db.session.commit()
    login(client, alex)
    page = client.get("/people").get_data(as_text=True)
    assert "Review overdue" in page
    assert "1 step overdue" in page


def test_earlier_plans_are_kept_read_only(client, login, sam_and_alex):
    alex, sam, _sam_login = sam_and_alex
    login(client, alex)
    need_id = add_need(client, sam.id, "Old need", voice="advocate")
    form_post(client, f"/people/{sam.id}/plan/new", {}, token_from=f"/people/{sam.id}/plan")
    assert "Old need" not in client.get(f"/people/{sam.id}/plan").get_data(as_text=True)
    listing = client.get(f"/people/{sam.id}/plans").get_data(as_text=True)
    old_url = re.search(rf'href="(/people/{sam.id}/plans/\d+)"', listing).group(1)
    old = client.get(old_url).get_data(as_text=True)
    assert "Old need" in old and "You can read it but not change it" in old
    assert client.get(f"/people/{sam.id}/plan/items/{need_id}/edit").status_code == 404


@pytest.mark.parametrize(
    "data, field_error",
    [
        ({"domain": "", "text": "x", "priority": "1"}, "Choose what the need is about"),
        ({"domain": "moon", "text": "x", "priority": "1"}, "Choose what the need is about"),
        ({"domain": "housing", "text": "", "priority": "1"}, "Describe the need"),
        ({"domain": "housing", "text": "x" * 5000, "priority": "1"}, "This is too long"),
        ({"domain": "housing", "text": "x", "priority": "7"}, "Choose how much it matters right now"),
        ({"domain": "housing", "text": "x", "priority": "1", "voice": "nobody"}, "Choose one of the options"),
    ],
)
def test_a_need_with_a_mistake_is_explained_and_nothing_is_saved(client, login, in_app, data, field_error):
    alex = factories.advocate()
    jo = factories.person(alex)
    login(client, alex)
    data.setdefault("voice", "person")
    response = form_post(client, f"/people/{jo.id}/plan/needs/new", data)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert field_error in page and "govuk-error-summary" in page
    with in_app():
        assert db.session.scalar(select(func.count(PlanItem.id))) == 0


PLAN_URLS = [
    ("get", "/people/{pid}/plan"),
    ("get", "/people/{pid}/plan/needs/new"),
    ("get", "/people/{pid}/plan/about/matters"),
    ("get", "/people/{pid}/plan/items/{iid}"),
    ("get", "/people/{pid}/plan/items/{iid}/edit"),
    ("get", "/people/{pid}/plan/items/{iid}/goals/new"),
    ("get", "/people/{pid}/plans"),
    ("post", "/people/{pid}/plan/agree"),
    ("post", "/people/{pid}/plan/items/{iid}/decision"),
    ("post", "/people/{pid}/plan/items/{iid}/comments"),
]


@pytest.mark.parametrize("method, url", PLAN_URLS)
def test_nobody_outside_the_case_can_reach_a_plan(app, client, new_client, login, in_app, method, url):
    alex = factories.advocate()
    sam = factories.person(alex, name="Sam")
    with in_app():
        plan = services.start_plan(sam.id, by=alex)
        need = services.add_item(
            plan, ItemKind.NEED, services.ItemFields("Private", domain="housing", priority=1), by=alex
        )
        db.session.commit()
    other_advocate = factories.advocate()
    someone_else = factories.individual(factories.person(other_advocate))
    path = url.format(pid=sam.id, iid=need.id)
    for user in (other_advocate, someone_else):
        visitor = new_client()
        login(visitor, user)
        home = "/people" if user is other_advocate else "/me"
        if method == "get":
            response = visitor.get(path)
        else:
            response = form_post(visitor, path, {"decision": "accept", "body": "hello"}, token_from=home)
        assert response.status_code == 404, (user.role, path)
        assert "Private" not in response.get_data(as_text=True)
    for role_user in (factories.coordinator(), factories.org_worker()):
        visitor = new_client()
        login(visitor, role_user)
        home = "/admin" if role_user.role.value == "coordinator" else "/referrals"
        if method == "get":
            response = visitor.get(path)
        else:
            response = form_post(visitor, path, {"decision": "accept", "body": "hello"}, token_from=home)
        # Refused by role (403), or, for a coordinator without break glass, as if it did not exist (404).
        assert response.status_code in (403, 404)
        assert "Private" not in response.get_data(as_text=True)


def _fill_plan(in_app, advocate, person_id, needs: int) -> None:
    with in_app():
        plan = services.active_plan(person_id) or services.start_plan(person_id, by=advocate)
        for n in range(needs):
            need = services.add_item(
                plan, ItemKind.NEED, services.ItemFields(f"Need {n}", domain="housing", priority=2), by=advocate
            )
            goal = services.add_item(plan, ItemKind.GOAL, services.ItemFields(f"Goal {n}"), by=advocate, parent=need)
            step = services.add_item(plan, ItemKind.STEP, services.ItemFields(f"Step {n}"), by=advocate, parent=goal)
            services.add_comment(step, "A comment", by=advocate)
            services.edit_item(
                need, services.ItemFields(f"Need {n}, reworded", voice=Voice.ADVOCATE, priority=1), by=advocate
            )
        db.session.commit()


def test_plan_page_queries_do_not_grow_with_the_number_of_entries(app, client, new_client, login, in_app, sam_and_alex):
    alex, sam, sam_login = sam_and_alex
    login(client, alex)
    person_phone = new_client()
    login(person_phone, sam_login)
    _fill_plan(in_app, alex, sam.id, 1)
    small = (
        count_queries(app, client, f"/people/{sam.id}/plan"),
        count_queries(app, person_phone, "/me"),
        count_queries(app, client, "/people"),
    )
    _fill_plan(in_app, alex, sam.id, 49)
    large = (
        count_queries(app, client, f"/people/{sam.id}/plan"),
        count_queries(app, person_phone, "/me"),
        count_queries(app, client, "/people"),
    )
    assert small == large


def test_a_person_opening_their_plan_reads_their_own_record_once(app, client, login, in_app, sam_and_alex):
    """Sam's record comes with Sam's session: the plan page does not ask for it again (it cost a statement)."""
    alex, sam, sam_login = sam_and_alex
    _fill_plan(in_app, alex, sam.id, 1)
    login(client, sam_login)
    with statements_run(app) as statements:
        page = client.get("/me")
    assert page.status_code == 200
    assert "Need 0, reworded" in page.get_data(as_text=True)
    reading_sam = [s for s in statements if " FROM person " in f"{s} " or "JOIN person ON" in s]
    assert len(reading_sam) == 1
    assert "FROM user_account" in reading_sam[0]


def test_an_advocate_opening_a_plan_reads_the_person_with_their_caseload(app, client, login, in_app, sam_and_alex):
    """Whether Sam is on Alex's caseload comes with Sam's record, in one statement (it was a statement of its
    own), and the rest of the page asks it again of no one; someone else's person is still not found."""
    alex, sam, _sam_login = sam_and_alex
    _fill_plan(in_app, alex, sam.id, 1)
    someone_elses = factories.person(factories.advocate(name="Blake"), name="Robin")
    login(client, alex)
    with statements_run(app) as statements:
        page = client.get(f"/people/{sam.id}/plan")
    assert page.status_code == 200
    assert "Need 0, reworded" in page.get_data(as_text=True)
    reading_sam = [s for s in statements if " FROM person " in f"{s} "]
    assert len(reading_sam) == 1
    assert "JOIN assignment" in reading_sam[0]
    assert not [s for s in statements if s.startswith("SELECT assignment")]
    assert client.get(f"/people/{someone_elses.id}/plan").status_code == 404


def test_a_comment_on_a_long_conversation_is_added_without_reading_the_conversation(app, client, login, in_app):
    """Each comment used to read every earlier comment of its entry, and their writers, before saving: the
    longer the conversation, the slower the next comment."""
    alex = factories.advocate()
    sam = factories.person(alex, name="Sam")
    with in_app():
        plan = services.start_plan(sam.id, by=alex)
        need = services.add_item(plan, ItemKind.NEED, services.ItemFields("Safe home", domain="housing"), by=alex)
        for n in range(3):
            services.add_comment(need, f"Earlier comment {n}", by=alex)
        db.session.commit()
        need_id = need.id
    login(client, alex)
    item = f"/people/{sam.id}/plan/items/{need_id}"
    page = client.get(item).get_data(as_text=True)
    with statements_run(app) as statements:
        response = client.post(
            f"{item}/comments",
            data={"csrf_token": csrf_from(page), "body": "Called the landlord", "contact_mode": "phone"},
        )
    assert response.status_code == 302
    assert not [s for s in statements if s.lstrip().upper().startswith("SELECT") and "FROM plan_comment" in s]
    with in_app():
        assert db.session.scalar(select(func.count()).select_from(PlanComment)) == 4
