"""The person's own view of their record: who has seen it, a copy of everything held, and retention."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from advocate_app import db
from advocate_app.accounts import sessions
from advocate_app.accounts.models import Role, User, UserSession
from advocate_app.audit.models import AuditEvent
from advocate_app.audit.services import record
from advocate_app.consent import services as consent
from advocate_app.consent.models import Category, Consent, GivenHow, SharingOverride
from advocate_app.people.models import Person, PersonStatus, SafeWindow
from advocate_app.plans import outcomes
from advocate_app.plans import services as plans
from advocate_app.plans.models import (
    CheckIn,
    GoalStatus,
    ItemKind,
    Plan,
    PlanComment,
    PlanItem,
    PlanItemRevision,
    RatedBy,
    Review,
)
from advocate_app.records import access_log, retention
from advocate_app.records.access_log import OTHER_ACTIVITY, describe
from advocate_app.records.retention import ANONYMISED_NAME, apply_retention
from advocate_app.referrals.models import ReferralStatus
from tests import factories
from tests.conftest import as_read, count_queries

# Strings that belong to other people: none may ever show in Sam's record.
OTHER_PEOPLES_STRINGS = (
    "Zebedee Quartermaine",
    "ZEBEDEE-PRIVATE-NOTE",
    "+447700900999",
    "Zebedee wants a new flat",
    "Xanthe Wallflower",
    "XANTHE-PRIVATE-NOTE",
    "Xanthe hidden need",
    "LINK-DESCRIPTION-SECRET",
    "Otto Onlyzeb",
    "zebedee.login",
    "xanthe.login",
)
# A safeguarding share Sam was deliberately not told about.
NOT_TOLD_STRINGS = ("NOT-TOLD-REASONS-TEXT long enough", "NOT-TOLD-WHY-NOT")
BREAK_GLASS_REASON = "Police asked for an urgent welfare check on Sam today"


@dataclass
class World:
    sam_id: int
    sam_login: User
    alex: User
    worker: User
    coordinator: User
    zebedee_id: int
    xanthe_id: int
    plan_texts: tuple[str, ...]
    consent_text: str


def _write_plan(person_id: int, advocate: User, person_login: User | None, prefix: str) -> list[str]:
    """A plan with a need, goal, step, comment, agreement, review and check-in; returns the texts written."""
    plan = plans.start_plan(person_id, by=advocate)
    need = plans.add_item(
        plan, ItemKind.NEED, plans.ItemFields(f"{prefix} need", domain="housing", priority=1), by=advocate
    )
    goal = plans.add_item(
        plan,
        ItemKind.GOAL,
        plans.ItemFields(f"{prefix} goal", goal_status=GoalStatus.IN_PROGRESS),
        by=advocate,
        parent=need,
    )
    step = plans.add_item(plan, ItemKind.STEP, plans.ItemFields(f"{prefix} step"), by=advocate, parent=goal)
    writer = person_login or advocate
    plans.add_comment(step, f"{prefix} comment", by=writer)
    plans.agree(plan, by=writer)
    outcomes.record_check_in(
        person_id,
        domain="housing",
        score=4,
        rated_by=RatedBy.TOGETHER,
        taken_on=date(2025, 3, 1),
        note=f"{prefix} check-in note",
        by=advocate,
    )
    outcomes.hold_review(
        plan,
        held_on=date(2025, 4, 1),
        went_well=f"{prefix} went well",
        what_changed=f"{prefix} what changed",
        next_review_date=date(2025, 7, 1),
        by=advocate,
        today=date(2025, 4, 1),
    )
    return [f"{prefix} {part}" for part in ("need", "goal", "step", "comment", "check-in note", "went well")]


@pytest.fixture
def world(app, in_app) -> World:
    """Sam, on Alex's caseload with Zebedee; Xanthe, behind an information wall from Sam; staff around them."""
    with in_app():
        refuge, advocacy = factories.organisation("Riverside Refuge"), factories.organisation("Harbour Advocacy")
        db.session.commit()
    alex = factories.advocate(name="Alex Morgan", organisation_id=advocacy.id)
    worker = factories.org_worker(name="Wren Worker", organisation_id=refuge.id)
    otto = factories.org_worker(name="Otto Onlyzeb")
    coordinator = factories.coordinator(name="Casey Coordinator")
    other_advocate = factories.advocate(name="Bea Other")
    sam = factories.person(
        alex,
        name="Sam",
        phone_e164="+447700900123",
        contact_notes="Ring after six",
        safe_windows={0: (time(17), time(20))},
        code_word="bluebird",
    )
    sam_login = factories.individual(sam, username="sam")
    zebedee = factories.person(
        alex, name="Zebedee Quartermaine", phone_e164="+447700900999", contact_notes="ZEBEDEE-PRIVATE-NOTE"
    )
    factories.individual(zebedee, username="zebedee.login")
    xanthe = factories.person(other_advocate, name="Xanthe Wallflower", contact_notes="XANTHE-PRIVATE-NOTE")
    factories.individual(xanthe, username="xanthe.login")
    with in_app():
        sam_record, zeb_record, xanthe_record = (db.session.get(Person, i) for i in (sam.id, zebedee.id, xanthe.id))
        texts = _write_plan(sam.id, alex, sam_login, "Sam")
        plans.add_item(
            plans.active_plan(zebedee.id) or plans.start_plan(zebedee.id, by=alex),
            ItemKind.NEED,
            plans.ItemFields("Zebedee wants a new flat", domain="housing", priority=1),
            by=alex,
        )
        plans.add_item(
            plans.start_plan(xanthe.id, by=other_advocate),
            ItemKind.NEED,
            plans.ItemFields("Xanthe hidden need", domain="safety", priority=1),
            by=other_advocate,
        )
        consent.record_link(sam_record, xanthe_record, description="LINK-DESCRIPTION-SECRET", by=coordinator)
        given = factories.sharing(
            sam_record, refuge, [Category.NEEDS, Category.CONTACT], by=alex, purpose="Help with a safe place to stay"
        )
        told = consent.request_override(
            sam_record,
            organisation=refuge,
            categories=[Category.CONTACT],
            lawful_basis="vital_interests",
            dpa_condition="para_18",
            reasons="Sam is at serious risk tonight and cannot be reached",
            what_shared="Mobile number",
            person_told=True,
            not_told_reason="",
            by=alex,
        )
        consent.decide_override(told, approve=True, note="Agreed", by=coordinator)
        consent.request_override(
            sam_record,
            organisation=refuge,
            categories=[Category.NEEDS],
            lawful_basis="vital_interests",
            dpa_condition="para_18",
            reasons=NOT_TOLD_STRINGS[0],
            what_shared="Needs",
            person_told=False,
            not_told_reason=NOT_TOLD_STRINGS[1],
            by=alex,
        )
        consent.open_break_glass(coordinator, sam_record, BREAK_GLASS_REASON)
        # The org worker's view of what is shared is built elsewhere; its audit event looks like this.
        record("view", actor=worker, person_id=sam.id, object_type="person", object_id=sam.id)
        record("view", actor=otto, person_id=zeb_record.id, object_type="person", object_id=zeb_record.id)
        record("view", actor=alex, person_id=zeb_record.id, object_type="plan")
        db.session.commit()
        consent_text = given.statement_text
    return World(sam.id, sam_login, alex, worker, coordinator, zebedee.id, xanthe.id, tuple(texts), consent_text)


def _assert_nothing_about_anyone_else(text: str) -> None:
    for secret in (*OTHER_PEOPLES_STRINGS, *NOT_TOLD_STRINGS):
        assert secret not in text, secret


# Who has seen my record -------------------------------------------------------------------------


def test_the_person_sees_which_staff_looked_at_their_record_with_name_and_organisation(client, login, world):
    login(client, world.sam_login)
    response = client.get(f"/people/{world.sam_id}/access")
    assert response.status_code == 200
    page = as_read(response.get_data(as_text=True))
    assert "Who has seen my record" in page
    assert "Wren Worker" in page and "Riverside Refuge" in page and "Organisation worker" in page
    assert "Looked at personal details" in page
    assert "Alex Morgan" in page and "Harbour Advocacy" in page
    assert "Recorded a consent" in page
    # Only staff are listed: Sam's own agreement and comment are not.
    assert "Agreed the plan" not in page
    assert response.headers["Cache-Control"] == "no-store"


def test_an_org_workers_look_at_what_is_shared_shows_on_the_persons_list(client, new_client, login, world):
    worker = new_client()
    login(worker, world.worker)
    assert worker.get(f"/shared/{world.sam_id}").status_code == 200
    login(client, world.sam_login)
    page = as_read(client.get(f"/people/{world.sam_id}/access").get_data(as_text=True))
    assert "Looked at what is shared with their organisation" in page
    assert "Wren Worker (Organisation worker, Riverside Refuge)" in page


def test_the_plan_links_to_both_pages_for_the_person_and_their_advocate(client, new_client, login, world):
    login(client, world.sam_login)
    visit = new_client()
    login(visit, world.alex)
    for page in (client.get("/me"), visit.get(f"/people/{world.sam_id}/plan")):
        html = as_read(page.get_data(as_text=True))
        assert f'href="/people/{world.sam_id}/access"' in html
        assert f'href="/people/{world.sam_id}/export"' in html


def test_the_access_list_never_shows_events_about_another_person(client, login, world):
    login(client, world.sam_login)
    page = as_read(client.get(f"/people/{world.sam_id}/access").get_data(as_text=True))
    _assert_nothing_about_anyone_else(page)
    # The harm link to Xanthe is not listed at all, not even as an unnamed event.
    assert "Other activity on the record" not in page


def test_break_glass_and_sharing_without_consent_are_shown_first_with_the_reason(client, login, world):
    login(client, world.sam_login)
    page = as_read(client.get(f"/people/{world.sam_id}/access").get_data(as_text=True))
    banner = page.index("access-alerts-title")
    listing = page.index("Newest first")
    reason = page.index(BREAK_GLASS_REASON)
    assert banner < reason < listing
    assert "Your record was opened in an emergency" in page
    assert page.index("Information was shared without consent") < listing
    assert "Casey Coordinator" in page[banner:listing]


def test_the_advocate_sees_the_same_list_and_their_look_is_recorded(client, login, world, in_app):
    login(client, world.alex)
    page = as_read(client.get(f"/people/{world.sam_id}/access").get_data(as_text=True))
    assert "Who has seen Sam" in page and "Who has seen my record" not in page and "Wren Worker" in page
    with in_app():
        assert db.session.scalar(
            select(func.count()).where(AuditEvent.object_type == "access_log", AuditEvent.person_id == world.sam_id)
        )


def test_the_access_list_pages_newest_first(app, client, login, world, in_app):
    with in_app():
        for _ in range(3):
            record("view", actor=world.worker, person_id=world.sam_id, object_type="plan")
        db.session.commit()
    login(client, world.sam_login)
    with in_app():
        first = access_log.access_log(world.sam_id, page=1, per_page=2)
        second = access_log.access_log(world.sam_id, page=2, per_page=2)
    assert first.has_next and len(first.entries) == 2
    assert first.entries[0].occurred_at >= first.entries[1].occurred_at >= second.entries[0].occurred_at
    assert client.get(f"/people/{world.sam_id}/access?page=2").status_code == 200
    assert client.get(f"/people/{world.sam_id}/access?page=nonsense").status_code == 200


# Who may see what -------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/people/{id}/access", "/people/{id}/export", "/people/{id}/export.json"])
def test_an_advocate_outside_the_caseload_gets_not_found(client, login, world, path):
    login(client, factories.advocate(name="Someone Else"))
    assert client.get(path.format(id=world.sam_id)).status_code == 404


@pytest.mark.parametrize("path", ["/people/{id}/access", "/people/{id}/export", "/people/{id}/export.json"])
def test_an_individual_cannot_see_or_export_someone_elses_record(client, login, world, path):
    login(client, world.sam_login)
    assert client.get(path.format(id=world.zebedee_id)).status_code == 404


@pytest.mark.parametrize("role", [Role.ORG_WORKER, Role.COORDINATOR])
def test_other_staff_cannot_open_the_access_list_or_the_export(client, login, world, role):
    login(client, world.worker if role is Role.ORG_WORKER else world.coordinator)
    for path in ("access", "export", "export.json"):
        assert client.get(f"/people/{world.sam_id}/{path}").status_code == 403


def test_signed_out_visitors_are_sent_to_sign_in(client, world):
    response = client.get(f"/people/{world.sam_id}/export.json")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


# Subject access ---------------------------------------------------------------------------------


def test_the_json_copy_holds_the_plan_consents_and_access_and_nothing_about_anyone_else(client, login, world, in_app):
    login(client, world.sam_login)
    response = client.get(f"/people/{world.sam_id}/export.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="my-record-')
    assert response.headers["Content-Disposition"].endswith('.json"')
    assert response.headers["Cache-Control"] == "no-store"
    text = as_read(response.get_data(as_text=True))
    data = json.loads(text)

    assert data["person"]["preferred_name"] == "Sam"
    assert data["person"]["safe_contact"]["code_word"] == "A code word is set"
    assert data["person"]["safe_contact"]["safe_windows"] == [{"weekday": 0, "from": "17:00", "until": "20:00"}]
    assert data["login"]["username"] == "sam"
    for text_written in world.plan_texts:
        assert text_written in text
    [plan] = data["plans"]
    assert {item["kind"] for item in plan["items"]} == {"need", "goal", "step"}
    assert plan["agreements"][0]["by"]["is_you"] is True
    # The statement is stored as agreed, its inserted values isolated (FSI…PDI); the copy is read without them.
    assert data["consents"][0]["statement_text"] == as_read(world.consent_text)
    assert data["consents"][0]["organisation"] == "Riverside Refuge"
    [told] = data["sharing_without_consent"]
    assert told["status"] == "approved" and told["what_shared"] == "Mobile number"
    assert data["referrals"] == []
    views = [e for e in data["access_log"] if e["action"] == "view"]
    assert {"name": "Wren Worker", "role": "org_worker", "organisation": "Riverside Refuge"} in [e["by"] for e in views]
    assert any(e["action"] == "break_glass" and e["reason"] == BREAK_GLASS_REASON for e in data["access_log"])
    assert any(e["action"] == "export" for e in data["access_log"]), "the copy shows its own export"
    assert not {e["action"] for e in data["access_log"]} & {"link_recorded", "lead_justified"}
    # Dates are ISO 8601.
    datetime.fromisoformat(data["generated_at"])
    date.fromisoformat(data["check_ins"][0]["taken_on"])

    _assert_nothing_about_anyone_else(text)
    for never in ("password_hash", "code_word_hash", "$argon2", "bluebird", "@example.org"):
        assert never not in text, never
    with in_app():
        exports = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "export", AuditEvent.person_id == world.sam_id)
        ).all()
    assert [(e.actor_id, e.object_type) for e in exports] == [(world.sam_login.id, "subject_access")]


def test_the_printable_copy_shows_the_same_record_and_nothing_about_anyone_else(client, login, world, in_app):
    login(client, world.alex)
    response = client.get(f"/people/{world.sam_id}/export")
    assert response.status_code == 200
    page = as_read(response.get_data(as_text=True))
    assert "Everything held about Sam" in page
    for text_written in world.plan_texts:
        assert text_written in page
    assert "Riverside Refuge" in page and "Wren Worker" in page and BREAK_GLASS_REASON in page
    assert "A code word is set" in page and "bluebird" not in page
    assert "Referrals to organisations" in page
    _assert_nothing_about_anyone_else(page)
    with in_app():
        assert db.session.scalar(
            select(func.count()).where(AuditEvent.action == "export", AuditEvent.actor_id == world.alex.id)
        )


def test_archived_plans_are_in_the_copy_too(client, login, world, in_app):
    with in_app():
        plans.start_plan(world.sam_id, by=world.alex)
        db.session.commit()
    login(client, world.sam_login)
    data = client.get(f"/people/{world.sam_id}/export.json").get_json()
    assert sorted(plan["status"] for plan in data["plans"]) == ["active", "archived"]
    assert "Sam need" in json.dumps(data)


def test_queries_do_not_grow_with_the_size_of_the_record(app, client, login, world, in_app):
    login(client, world.sam_login)
    paths = [f"/people/{world.sam_id}/{p}" for p in ("access", "export", "export.json")]
    small = [count_queries(app, client, path) for path in paths]
    with in_app():
        for n in range(10):
            _write_plan(world.sam_id, world.alex, world.sam_login, f"More {n}")
            record("view", actor=factories.org_worker(), person_id=world.sam_id, object_type="person")
        db.session.commit()
    large = [count_queries(app, client, path) for path in paths]
    assert small == large


# Retention --------------------------------------------------------------------------------------

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def _closed_person(in_app, advocate: User, name: str, closed_at: datetime | None) -> tuple[int, int]:
    """A person with a login, a plan, a consent and an override; closed at ``closed_at`` (or open)."""
    person = factories.person(
        advocate,
        name=name,
        phone_e164="+447700900555",
        date_of_birth=date(1990, 5, 17),
        area="Northside",
        contact_notes=f"{name} contact notes",
        safe_windows={2: (time(9), time(12))},
        code_word="heron",
    )
    login = factories.individual(person, username=f"{name.lower()}.login")
    with in_app():
        record_ = db.session.get(Person, person.id)
        _write_plan(person.id, advocate, login, name)
        organisation = factories.organisation()
        factories.texts(record_, by=login, given_how=GivenHow.IN_APP)
        consent.request_override(
            record_,
            organisation=organisation,
            categories=[Category.NEEDS],
            lawful_basis="vital_interests",
            dpa_condition="para_18",
            reasons=f"{name} override reasons in full",
            what_shared=f"{name} what shared",
            person_told=False,
            not_told_reason=f"{name} not told reason",
            by=advocate,
        )
        sessions.start(db.session.get(User, login.id))
        if closed_at is not None:
            record_.status, record_.closed_at = PersonStatus.CLOSED, closed_at
        db.session.commit()
    return person.id, login.id


def _snapshot(person_id: int) -> dict:
    """What the record holds: content that must go, and figures that must stay."""
    person = db.session.get(Person, person_id)
    plan_ids = select(Plan.id).where(Plan.person_id == person_id)
    items = db.session.scalars(select(PlanItem).where(PlanItem.plan_id.in_(plan_ids)).order_by(PlanItem.id)).all()
    item_ids = [i.id for i in items]
    return {
        "name": person.preferred_name,
        "phone": person.phone_e164,
        "date_of_birth": person.date_of_birth,
        "area": person.area,
        "code_word": person.code_word_hash is not None,
        "contact_notes": person.contact_notes,
        "windows": db.session.scalar(select(func.count()).where(SafeWindow.person_id == person_id)),
        "item_texts": [i.text for i in items],
        "needs_by_domain": sorted((i.domain, i.priority) for i in items if i.kind is ItemKind.NEED),
        "goal_statuses": [i.goal_status for i in items if i.kind is ItemKind.GOAL],
        "comments": db.session.scalars(select(PlanComment.body).where(PlanComment.item_id.in_(item_ids))).all(),
        "reviews": db.session.execute(
            select(Review.went_well, Review.what_changed, Review.held_on).where(Review.plan_id.in_(plan_ids))
        ).all(),
        "check_ins": db.session.execute(
            select(CheckIn.domain, CheckIn.score, CheckIn.taken_on, CheckIn.note).where(CheckIn.person_id == person_id)
        ).all(),
        "consents": db.session.execute(
            select(Consent.kind, Consent.given_at, Consent.statement_text).where(Consent.person_id == person_id)
        ).all(),
        "overrides": db.session.execute(
            select(SharingOverride.reasons, SharingOverride.what_shared, SharingOverride.not_told_reason).where(
                SharingOverride.person_id == person_id
            )
        ).all(),
        "logins": db.session.scalar(select(func.count()).where(User.person_id == person_id)),
        "audit": db.session.scalar(
            select(func.count()).where(AuditEvent.person_id == person_id, AuditEvent.action != "anonymised")
        ),
    }


@pytest.fixture
def closed_cases(app, in_app):
    alex = factories.advocate(name="Alex Morgan")
    long_ago = _closed_person(in_app, alex, "Longago", NOW - timedelta(days=365 * 6 + 30))
    recent = _closed_person(in_app, alex, "Recent", NOW - timedelta(days=365 * 5))
    still_open = _closed_person(in_app, alex, "Stillopen", None)
    return long_ago, recent, still_open


def test_retention_anonymises_only_people_closed_more_than_six_years_ago(closed_cases, in_app):
    (old_id, old_login), (recent_id, _), (open_id, _) = closed_cases
    with in_app():
        before = {pid: _snapshot(pid) for pid in (old_id, recent_id, open_id)}
        sessions_before = db.session.scalar(select(func.count()).where(UserSession.user_id == old_login))
        assert apply_retention(NOW, 6) == 1
        db.session.commit()
    assert sessions_before == 1
    with in_app():
        after = {pid: _snapshot(pid) for pid in (old_id, recent_id, open_id)}
        assert db.session.get(User, old_login) is None
        assert db.session.scalar(select(func.count()).where(UserSession.user_id == old_login)) == 0
        anonymised_events = db.session.scalar(
            select(func.count()).where(AuditEvent.person_id == old_id, AuditEvent.action == "anonymised")
        )
    assert after[recent_id] == before[recent_id] and after[open_id] == before[open_id]
    old, was = after[old_id], before[old_id]
    assert old["name"] == ANONYMISED_NAME
    assert old["phone"] is None and old["date_of_birth"] is None and old["code_word"] is False
    assert old["contact_notes"] == "" and old["windows"] == 0
    assert set(old["item_texts"]) == {""} and set(old["comments"]) == {""}
    assert {(r[0], r[1]) for r in old["reviews"]} == {("", "")}
    assert {c[3] for c in old["check_ins"]} == {""}
    assert {c[2] for c in old["consents"]} == {""}
    assert set(old["overrides"]) == {("", "", "")}
    assert old["logins"] == 0
    # The figures stay: area, needs by domain and priority, goal statuses, check-in scores and dates, consent dates.
    assert old["area"] == "Northside"
    assert old["needs_by_domain"] == was["needs_by_domain"]
    assert old["goal_statuses"] == was["goal_statuses"] == [GoalStatus.IN_PROGRESS]
    assert [c[:3] for c in old["check_ins"]] == [c[:3] for c in was["check_ins"]]
    assert [c[:2] for c in old["consents"]] == [c[:2] for c in was["consents"]]
    assert len(old["item_texts"]) == len(was["item_texts"])
    assert old["audit"] == was["audit"] and anonymised_events == 1


def test_retention_removes_free_text_from_the_history_too(closed_cases, in_app):
    (old_id, _), _, _ = closed_cases
    with in_app():
        apply_retention(NOW, 6)
        db.session.commit()
    with in_app():
        texts = db.session.scalars(
            select(PlanItemRevision.text)
            .join(PlanItem, PlanItem.id == PlanItemRevision.item_id)
            .join(Plan, Plan.id == PlanItem.plan_id)
            .where(Plan.person_id == old_id)
        ).all()
    assert texts and set(texts) == {""}


def test_a_dry_run_changes_nothing(closed_cases, in_app):
    ids = [pid for pid, _ in closed_cases]
    with in_app():
        before = [_snapshot(pid) for pid in ids]
        assert apply_retention(NOW, 6, dry_run=True) == 1
        db.session.commit()
    with in_app():
        assert [_snapshot(pid) for pid in ids] == before


def test_running_retention_twice_is_harmless(closed_cases, in_app):
    ids = [pid for pid, _ in closed_cases]
    with in_app():
        assert apply_retention(NOW, 6) == 1
        db.session.commit()
    with in_app():
        once = [_snapshot(pid) for pid in ids]
        assert apply_retention(NOW, 6) == 0
        db.session.commit()
    with in_app():
        assert [_snapshot(pid) for pid in ids] == once
        assert db.session.scalar(select(func.count()).where(AuditEvent.action == "anonymised")) == 1


def test_the_retention_command_reports_and_honours_dry_run(app, closed_cases, in_app):
    runner = app.test_cli_runner()
    dry = runner.invoke(args=["retention", "apply", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "Dry run: 1 person" in dry.output and "Nothing changed" in dry.output
    with in_app():
        assert db.session.scalar(select(func.count()).where(Person.preferred_name == ANONYMISED_NAME)) == 0
    done = runner.invoke(args=["retention", "apply"])
    assert done.exit_code == 0, done.output
    assert "Anonymised 1 person" in done.output
    again = runner.invoke(args=["retention", "apply"])
    assert "Anonymised 0 people" in again.output
    with in_app():
        assert db.session.scalar(select(func.count()).where(Person.preferred_name == ANONYMISED_NAME)) == 1


def test_retention_years_come_from_the_config(app_factory):
    app = app_factory(RETENTION_YEARS=4)
    factories.use(app)
    alex = factories.advocate()
    _closed_person(app.app_context, alex, "Fiveyears", datetime.now(UTC) - timedelta(days=365 * 5))
    result = app.test_cli_runner().invoke(args=["retention", "apply"])
    assert "Anonymised 1 person" in result.output


def test_retention_works_through_many_people_in_batches(app, in_app, monkeypatch):
    monkeypatch.setattr(retention, "RETENTION_BATCH", 2)
    alex = factories.advocate()
    ids = [_closed_person(in_app, alex, f"Batch{n}", NOW - timedelta(days=365 * 7))[0] for n in range(3)]
    with in_app():
        assert apply_retention(NOW, 6) == 3
        db.session.commit()
    with in_app():
        assert [db.session.get(Person, pid).preferred_name for pid in ids] == [ANONYMISED_NAME] * 3
        assert db.session.scalar(select(func.count()).where(User.person_id.in_(ids))) == 0


def test_the_export_holds_the_persons_referrals_and_their_history_but_no_notes(client, login, in_app):
    from advocate_app.clock import local_today
    from advocate_app.consent.models import Category
    from advocate_app.directory.models import Service
    from advocate_app.referrals import services as referrals

    alex = factories.advocate()
    sam = factories.person(alex, name="Sam")
    harbour = factories.organisation("Harbour Housing Advice")
    with in_app():
        factories.sharing(sam, harbour, [Category.NEEDS], by=alex, purpose="housing")
        service = Service(organisation_id=harbour.id, name="Housing advice", response_target_days=3)
        db.session.add(service)
        db.session.flush()
        referrals.make_referral(
            sam,
            service,
            categories=[Category.NEEDS],
            by=alex,
            today=local_today(),
            note="Private note for the organisation only",
        )
        db.session.commit()
    login(client, alex)
    data = client.get(f"/people/{sam.id}/export.json").get_json()
    (referral,) = data["referrals"]
    assert referral["service"] == "Housing advice" and referral["organisation"] == "Harbour Housing Advice"
    assert referral["status"] == "sent" and [step["status"] for step in referral["history"]] == ["sent"]
    assert "Private note" not in str(data)
    page = as_read(client.get(f"/people/{sam.id}/export").get_data(as_text=True))
    assert "Housing advice (Harbour Housing Advice)" in page and "Private note" not in page


@pytest.mark.parametrize("status", list(ReferralStatus))
def test_every_referral_action_is_named_in_the_access_log(status):
    assert describe(f"referral_{status.value}", "referral") is not OTHER_ACTIVITY


@pytest.mark.parametrize("object_type", ["referral", "referrals"])
def test_looking_at_referrals_is_named_in_the_access_log(object_type):
    assert describe("view", object_type) is not describe("view", None)
