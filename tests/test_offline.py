"""Offline visits: an advocate takes a plan onto the phone, and the changes made without a signal arrive once each,
through the same rules as the online forms, with a plain result for every one."""

from __future__ import annotations

import json
import re
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from advocate_app import db
from advocate_app.clock import local_today
from advocate_app.consent import services as consent
from advocate_app.consent.models import Category, GivenHow
from advocate_app.offline.models import OfflineChange, OfflineVisit
from advocate_app.people import services as people
from advocate_app.plans import services as plans
from advocate_app.plans.models import CheckIn, ItemKind, PlanComment, PlanItem, Voice
from tests import factories
from tests.conftest import csrf_from, form_post

JSON = {"Accept": "application/json"}


@pytest.fixture
def visit(app, sam_and_alex):
    """Sam's plan: a need, a goal in Sam's own words with a step, and Alex, his advocate."""
    alex, sam, sam_login = sam_and_alex
    plan = factories.plan(sam, by=alex)
    with app.app_context():
        plan = plans.active_plan(sam.id)
        fields = plans.ItemFields("A safe home", domain="housing", priority=1)
        need = plans.add_item(plan, ItemKind.NEED, fields, by=alex)
        goal = plans.add_item(plan, ItemKind.GOAL, plans.ItemFields("Move by spring"), by=sam_login, parent=need)
        step = plans.add_item(plan, ItemKind.STEP, plans.ItemFields("Call the council"), by=alex, parent=goal)
        db.session.commit()
        ids = {
            "need": need.id,
            "goal": goal.id,
            "step": step.id,
            "goal_version": goal.version,
            "step_version": step.version,
        }
    return alex, sam, sam_login, ids


def _take(client, person_id):
    page = client.get(f"/people/{person_id}/plan").get_data(as_text=True)
    return client.post(f"/people/{person_id}/offline", data={"csrf_token": csrf_from(page)}, headers=JSON)


def _send(client, changes, *, raw=None):
    token = client.get("/offline/keys").get_json()["csrf_token"]
    body = raw if raw is not None else json.dumps(changes)
    return client.post("/offline/sync", data={"csrf_token": token, "changes": body}, headers=JSON)


def _goals_called(text: str) -> int:
    return db.session.scalar(select(func.count()).select_from(PlanItem).where(PlanItem.text == text))


def _change(person_id, kind, **fields):
    return {"key": str(uuid.uuid4()), "kind": kind, "person": person_id, **fields}


def test_taking_a_plan_offline_gives_a_key_and_just_what_the_visit_needs(client, login, visit, in_app):
    alex, sam, _sam_login, ids = visit
    login(client, alex)
    response = _take(client, sam.id)

    assert response.status_code == 200
    got = response.get_json()
    assert len(got["key"]) == 44
    need = got["data"]["plan"]["needs"][0]
    assert need["text"] == "A safe home"
    assert need["goals"][0]["version"] == ids["goal_version"]
    assert need["goals"][0]["steps"][0]["text"] == "Call the council"
    assert got["data"]["words"]["domains"]["housing"] == "Housing"
    assert set(got["data"]) == {"visit", "person", "plan", "check_ins", "consents", "words", "taken_at"}
    with in_app():
        stored = db.session.get(OfflineVisit, got["visit"])
        assert stored.key == got["key"] and stored.user_id == alex.id
        assert stored.expires_at - stored.created_at == timedelta(hours=12)
    # The key is handed back on a signed-in request by the same advocate.
    keys = client.get(f"/offline/keys?visit={got['visit']}").get_json()
    assert keys["keys"][str(got["visit"])]["key"] == got["key"]


def test_a_person_never_gets_the_offline_code_or_its_worker(client, login, visit):
    _alex, sam, sam_login, _ids = visit
    login(client, sam_login)
    page = client.get("/me").get_data(as_text=True) if client.get("/me").status_code == 200 else ""
    assert "offline" not in page
    assert client.get("/offline-worker.js").status_code == 403
    assert client.get("/offline/keys").status_code == 403
    assert _take(client, sam.id).status_code == 403


OFFLINE_WORDS = re.compile(r'<meta name="offline-words" content="([^"]+)" data-user="(\d+)">')


def test_an_advocates_pages_carry_the_offline_code_and_the_worker_covers_the_plan_pages(client, login, visit):
    alex, sam, _sam_login, _ids = visit
    login(client, alex)
    page = client.get(f"/people/{sam.id}/plan").get_data(as_text=True)
    assert "/static/dist/offline." in page
    words, user = OFFLINE_WORDS.search(page).groups()
    assert int(user) == alex.id
    worker = client.get("/offline-worker.js")
    assert worker.status_code == 200 and worker.mimetype == "text/javascript"
    assert "const FILES" in worker.get_data(as_text=True) and json.dumps(words) in worker.get_data(as_text=True)


def test_the_offline_words_are_a_file_a_language_that_the_phone_keeps(client, new_client, login, visit):
    """The words used to be written into every advocate's page (about 4 KB each); now each page names the file of
    its language, which holds no one's data and is kept until the words change."""
    alex, sam, _sam_login, _ids = visit
    login(client, alex)
    english = OFFLINE_WORDS.search(client.get(f"/people/{sam.id}/plan").get_data(as_text=True)).group(1)
    assert english.startswith("/offline/words/en/")
    client.post(
        "/language", data={"locale": "ur", "csrf_token": csrf_from(client.get("/people").get_data(as_text=True))}
    )
    urdu = OFFLINE_WORDS.search(client.get(f"/people/{sam.id}/plan").get_data(as_text=True)).group(1)
    assert urdu.startswith("/offline/words/ur/") and urdu != english

    anyone = new_client()
    kept = anyone.get(english)
    assert kept.status_code == 200 and kept.mimetype == "application/json"
    assert kept.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert kept.get_json()["take"] == "Keep this plan on this phone for the visit"
    assert kept.get_json()["urls"]["sync"] == "/offline/sync"
    assert anyone.get(urdu).get_json()["take"] != kept.get_json()["take"]
    # Words that have since changed: today's are given, for no one to keep; a language the app does not have: none.
    old = anyone.get("/offline/words/en/000000000000.json")
    assert old.get_json() == kept.get_json() and old.headers["Cache-Control"] == "no-cache"
    assert anyone.get("/offline/words/xx/000000000000.json").status_code == 404


def test_changes_made_offline_arrive_once_each_through_the_same_services(client, login, visit, in_app):
    alex, sam, _sam_login, ids = visit
    login(client, alex)
    changes = [
        _change(sam.id, "goal.add", need=ids["need"], text="Get a bus pass"),
        _change(sam.id, "step.done", item=ids["step"], done=True, base_version=ids["step_version"]),
        _change(
            sam.id,
            "check_in",
            domain="housing",
            score=6,
            rated_by="together",
            taken_on=local_today().isoformat(),
            note="Better since the move",
        ),
        _change(sam.id, "note", item=ids["goal"], text="Talked through the bidding."),
    ]
    first = _send(client, changes).get_json()["results"]
    again = _send(client, changes).get_json()["results"]

    assert [r["outcome"] for r in first] == ["sent"] * 4
    assert [r["words"] for r in first] == ["Sent"] * 4
    assert all(r.get("repeat") for r in again)
    assert [r["outcome"] for r in again] == ["sent"] * 4
    with in_app():
        assert _goals_called("Get a bus pass") == 1
        assert db.session.get(PlanItem, ids["step"]).done_at is not None
        assert db.session.scalar(select(func.count()).select_from(CheckIn)) == 1
        assert db.session.scalar(select(func.count()).select_from(PlanComment)) == 1
        assert db.session.scalar(select(func.count()).select_from(OfflineChange)) == 4


def test_rewording_sams_goal_offline_becomes_a_suggestion_beside_his_words(client, new_client, login, visit, in_app):
    alex, sam, sam_login, ids = visit
    login(client, alex)
    phone = new_client()
    login(phone, sam_login)
    # While Alex has no signal, Sam rewords his goal on his phone.
    edit = f"/people/{sam.id}/plan/items/{ids['goal']}/edit"
    page = phone.get(edit).get_data(as_text=True)
    version = page.split('name="entry_version" type="hidden" value="')[1].split('"')[0]
    phone.post(
        edit,
        data={
            "csrf_token": csrf_from(page),
            "entry_version": version,
            "text": "Move before summer",
            "goal_status": "not_started",
        },
    )

    result = _send(
        client,
        [
            _change(
                sam.id,
                "entry.edit",
                item=ids["goal"],
                base_version=ids["goal_version"],
                text="Move somewhere near the school",
                goal_status="not_started",
            )
        ],
    )
    (only,) = result.get_json()["results"]
    assert only["outcome"] == "suggested"
    assert only["words"] == "Became a suggestion beside the person's own words"
    with in_app():
        goal = db.session.get(PlanItem, ids["goal"])
        assert goal.text == "Move before summer" and goal.voice is Voice.PERSON
        assert goal.proposed_text == "Move somewhere near the school"


def test_a_field_both_changed_needs_a_look_with_both_versions(client, new_client, login, visit, in_app):
    alex, sam, _sam_login, ids = visit
    login(client, alex)
    other_tab = new_client()
    login(other_tab, alex)
    edit = f"/people/{sam.id}/plan/items/{ids['goal']}/edit"
    page = other_tab.get(edit).get_data(as_text=True)
    version = page.split('name="entry_version" type="hidden" value="')[1].split('"')[0]
    other_tab.post(
        edit,
        data={
            "csrf_token": csrf_from(page),
            "entry_version": version,
            "text": "Move by spring",
            "goal_status": "achieved",
        },
    )

    (only,) = _send(
        client,
        [
            _change(
                sam.id,
                "entry.edit",
                item=ids["goal"],
                base_version=ids["goal_version"],
                text="Move by spring",
                goal_status="stopped",
            )
        ],
    ).get_json()["results"]
    assert only["outcome"] == "collision"
    assert only["collisions"] == [{"field": "goal_status", "yours": "stopped", "saved": "achieved"}]
    with in_app():
        assert db.session.get(PlanItem, ids["goal"]).goal_status.value == "achieved"


def test_a_step_added_and_a_step_reworded_offline_arrive_once_each(client, login, visit, in_app):
    alex, sam, _sam_login, ids = visit
    login(client, alex)
    changes = [
        _change(sam.id, "step.add", goal=ids["goal"], text="Ask the school for a letter", owner="advocate"),
        _change(sam.id, "entry.edit", item=ids["step"], base_version=ids["step_version"], text="Ring the council"),
    ]
    first = _send(client, changes).get_json()["results"]
    again = _send(client, changes).get_json()["results"]

    assert [r["outcome"] for r in first] == ["sent", "sent"]
    assert [r["words"] for r in first] == ["Sent", "Sent"]
    assert all(r.get("repeat") for r in again) and again[0]["item"] == first[0]["item"]
    with in_app():
        (added,) = db.session.scalars(select(PlanItem).where(PlanItem.text == "Ask the school for a letter"))
        assert added.kind is ItemKind.STEP and added.parent_id == ids["goal"] and added.owner.value == "advocate"
        assert added.voice is Voice.ADVOCATE and added.author_id == alex.id
        assert db.session.get(PlanItem, ids["step"]).text == "Ring the council"


def test_rewording_a_step_in_sams_own_words_offline_becomes_a_suggestion(client, login, visit, in_app):
    alex, sam, sam_login, ids = visit
    login(client, alex)
    with in_app():
        goal = plans.load_item(ids["goal"])
        sams = plans.add_item(goal.plan, ItemKind.STEP, plans.ItemFields("Pack the kitchen"), by=sam_login, parent=goal)
        db.session.commit()
        step_id, version = sams.id, sams.version

    (only,) = _send(
        client, [_change(sam.id, "entry.edit", item=step_id, base_version=version, text="Pack the kitchen first")]
    ).get_json()["results"]
    assert only["outcome"] == "suggested"
    with in_app():
        step = db.session.get(PlanItem, step_id)
        assert step.text == "Pack the kitchen" and step.voice is Voice.PERSON
        assert step.proposed_text == "Pack the kitchen first"


def test_a_step_reworded_in_two_places_needs_a_look_with_both_wordings(client, new_client, login, visit, in_app):
    alex, sam, _sam_login, ids = visit
    login(client, alex)
    other_tab = new_client()
    login(other_tab, alex)
    edit = f"/people/{sam.id}/plan/items/{ids['step']}/edit"
    page = other_tab.get(edit).get_data(as_text=True)
    version = page.split('name="entry_version" type="hidden" value="')[1].split('"')[0]
    other_tab.post(
        edit,
        data={"csrf_token": csrf_from(page), "entry_version": version, "text": "Email the council", "owner": "me"},
    )

    (only,) = _send(
        client,
        [_change(sam.id, "entry.edit", item=ids["step"], base_version=ids["step_version"], text="Visit the council")],
    ).get_json()["results"]
    assert only["outcome"] == "collision"
    assert only["collisions"] == [{"field": "text", "yours": "Visit the council", "saved": "Email the council"}]
    with in_app():
        assert db.session.get(PlanItem, ids["step"]).text == "Email the council"


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"goal": "need", "text": "Pack"}, "gone"),
        ({"goal": "goal", "text": "   "}, "invalid"),
        ({"goal": "goal", "text": "Pack", "owner": "someone"}, "invalid"),
    ],
)
def test_a_step_that_cannot_be_added_is_refused_with_the_reason(client, login, visit, in_app, fields, reason):
    alex, sam, _sam_login, ids = visit
    login(client, alex)
    change = _change(sam.id, "step.add", **{**fields, "goal": ids[fields["goal"]]})
    (only,) = _send(client, [change]).get_json()["results"]
    assert only["outcome"] == "refused" and only["reason"] == reason
    with in_app():
        assert db.session.scalar(select(func.count()).select_from(PlanItem).where(PlanItem.text == "Pack")) == 0


def test_a_step_added_to_a_plan_closed_meanwhile_is_refused(client, login, visit, in_app):
    alex, sam, _sam_login, ids = visit
    login(client, alex)
    with in_app():
        plans.start_plan(sam.id, by=db.session.get(type(alex), alex.id))
        db.session.commit()
    (only,) = _send(client, [_change(sam.id, "step.add", goal=ids["goal"], text="Pack")]).get_json()["results"]
    assert only["outcome"] == "refused" and only["reason"] == "plan_closed"
    assert only["reason_words"] == "The plan was closed (or the case was closed) before this change arrived."


def test_a_change_for_someone_moved_to_another_advocate_is_refused_and_the_rest_still_arrive(
    client, login, visit, in_app
):
    alex, sam, _sam_login, ids = visit
    login(client, alex)
    bea = factories.advocate(name="Bea")
    jo = factories.person(alex, name="Jo")
    with in_app():
        _move(sam.id, bea.id)
        db.session.commit()
    results = _send(
        client,
        [
            _change(sam.id, "goal.add", need=ids["need"], text="Get a bus pass"),
            _change(sam.id, "step.add", goal=ids["goal"], text="Pack the kitchen"),
            _change(
                jo.id, "check_in", domain="money", score=4, rated_by="together", taken_on=local_today().isoformat()
            ),
        ],
    ).get_json()["results"]

    assert results[0]["outcome"] == "refused" and results[0]["reason"] == "moved"
    assert results[0]["reason_words"] == "This person is no longer on your caseload, so the change was not made."
    assert results[1] == {**results[1], "outcome": "refused", "reason": "moved"}
    assert results[2]["outcome"] == "sent"
    with in_app():
        assert _goals_called("Get a bus pass") == 0
        assert _goals_called("Pack the kitchen") == 0


def _move(person_id: int, advocate_id: int) -> None:
    """A coordinator moves the person to another advocate (and ends the first one's part)."""
    from advocate_app.accounts.models import User
    from advocate_app.people.models import Assignment, Person

    coordinator = db.session.get(User, factories.coordinator().id)
    person = db.session.get(Person, person_id)
    earlier = list(db.session.scalars(select(Assignment).where(Assignment.person_id == person_id)))
    people.assign_advocate(person, db.session.get(User, advocate_id), lead=True, by=coordinator)
    for assignment in earlier:
        people.end_assignment(assignment, by=coordinator)


def test_a_change_to_a_closed_plan_is_refused_with_the_reason(client, login, visit, in_app):
    alex, sam, _sam_login, ids = visit
    login(client, alex)
    with in_app():
        plans.start_plan(sam.id, by=db.session.get(type(alex), alex.id))
        db.session.commit()
    (only,) = _send(client, [_change(sam.id, "step.done", item=ids["step"], done=True)]).get_json()["results"]
    assert only["outcome"] == "refused" and only["reason"] == "plan_closed"


def test_ticking_a_referral_step_after_its_consent_was_withdrawn_is_refused(client, login, visit, in_app):
    alex, sam, _sam_login, ids = visit
    login(client, alex)
    org = factories.organisation("Housing Trust")
    shared = factories.sharing(sam, org, [Category.NEEDS], by=alex)
    with in_app():
        consent.withdraw(db.session.get(type(shared), shared.id), how=GivenHow.VERBAL, by=None)
        db.session.commit()
    (only,) = _send(client, [_change(sam.id, "step.done", item=ids["step"], done=True, consent=shared.id)]).get_json()[
        "results"
    ]
    assert only["outcome"] == "refused" and only["reason"] == "consent_withdrawn"
    with in_app():
        assert db.session.get(PlanItem, ids["step"]).done_at is None


# A well-formed key, the same in every run (test ids must not change between pytest's worker processes).
A_KEY = str(uuid.UUID(int=1))


@pytest.mark.parametrize(
    "body",
    [
        "not json",
        "{}",
        json.dumps([1, "x", None, [], {}]),
        json.dumps([{"key": "nope"}]),
        json.dumps([{"key": A_KEY, "kind": "goal.add", "person": "1"}]),
        json.dumps([{"key": A_KEY, "kind": "check_in", "person": 1, "score": 99}]),
        json.dumps([{"key": A_KEY, "kind": "entry.edit", "person": 1, "item": True, "text": ["x"]}]),
        json.dumps([{"key": A_KEY, "kind": "step.done", "person": 2**40}]),
        json.dumps([{"key": "0" * 36, "kind": "goal.add", "person": 1, "need": 1, "text": "x" * 5000}]),
    ],
    ids=[
        "not JSON",
        "an object, not a list",
        "a list of things that are not changes",
        "a change with no kind",
        "a person's id as text",
        "a score out of range",
        "wording that is not text",
        "a step that does not exist",
        "a goal's words too long",
    ],
)
def test_malformed_changes_are_refused_never_a_server_error(client, login, visit, body):
    alex, _sam, _sam_login, _ids = visit
    login(client, alex)
    response = _send(client, None, raw=body)
    assert response.status_code in (200, 400)
    if response.status_code == 200:
        assert all(r["outcome"] == "refused" for r in response.get_json()["results"])


def test_someone_elses_idempotency_key_gets_nothing_of_theirs(client, new_client, login, visit, in_app):
    alex, sam, _sam_login, ids = visit
    login(client, alex)
    change = _change(sam.id, "goal.add", need=ids["need"], text="Get a bus pass")
    assert _send(client, [change]).get_json()["results"][0]["outcome"] == "sent"
    bea = factories.advocate(name="Bea")
    other = new_client()
    login(other, bea)
    (only,) = _send(other, [change]).get_json()["results"]
    assert only == {**only, "outcome": "refused", "reason": "not_yours"}
    assert "item" not in only


def test_only_advocates_send_offline_changes(client, login, visit, in_app):
    _alex, sam, sam_login, ids = visit
    login(client, sam_login)
    page = client.get("/me").get_data(as_text=True)
    response = client.post("/offline/sync", data={"csrf_token": csrf_from(page), "changes": "[]"})
    assert response.status_code == 403


def test_signing_out_destroys_the_key_but_a_session_that_ran_out_keeps_it(client, login, visit, in_app, app):
    alex, sam, _sam_login, _ids = visit
    login(client, alex)
    visit_id = _take(client, sam.id).get_json()["visit"]
    form_post(client, "/logout", {}, token_from="/account")
    with in_app():
        stored = db.session.get(OfflineVisit, visit_id)
        assert stored.key is None and stored.end_reason == "signed_out"

    login(client, alex)
    second = _take(client, sam.id).get_json()["visit"]
    with in_app():
        from advocate_app.accounts.models import UserSession

        for record in db.session.scalars(select(UserSession).where(UserSession.ended_at.is_(None))):
            record.ended_at, record.end_reason = record.last_seen_at, "idle_timeout"
        db.session.commit()
    login(client, alex)
    assert str(second) in client.get(f"/offline/keys?visit={second}").get_json()["keys"]


def test_a_visit_past_its_expiry_hands_out_no_key(client, login, visit, in_app):
    alex, sam, _sam_login, _ids = visit
    login(client, alex)
    visit_id = _take(client, sam.id).get_json()["visit"]
    with in_app():
        stored = db.session.get(OfflineVisit, visit_id)
        stored.expires_at = stored.created_at - timedelta(seconds=1)
        db.session.commit()
    assert client.get(f"/offline/keys?visit={visit_id}").get_json()["keys"] == {}
    with in_app():
        assert db.session.get(OfflineVisit, visit_id).key is None


def test_remove_offline_data_ends_every_visit(client, login, visit, in_app):
    alex, sam, _sam_login, _ids = visit
    login(client, alex)
    visit_id = _take(client, sam.id).get_json()["visit"]
    token = client.get("/offline/keys").get_json()["csrf_token"]
    assert client.post("/offline/remove", data={"csrf_token": token}, headers=JSON).get_json() == {"removed": True}
    with in_app():
        assert db.session.get(OfflineVisit, visit_id).key is None


def test_sam_can_see_that_his_plan_was_kept_on_his_advocates_phone(client, new_client, login, visit):
    alex, sam, sam_login, _ids = visit
    login(client, alex)
    assert _take(client, sam.id).status_code == 200
    phone = new_client()
    login(phone, sam_login)
    page = phone.get(f"/people/{sam.id}/access").get_data(as_text=True)
    assert "Kept the plan on their phone for a visit, encrypted" in page
