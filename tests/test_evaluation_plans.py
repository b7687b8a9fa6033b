"""Evaluation plans: a coordinator writes a plan before the work, locks it, amends it once, and the report made
against it gives exactly its measures at its follow-up points, with completeness, checked by hand."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import zipfile
from datetime import UTC, date, datetime

import pytest
from frictionless import Package, system
from sqlalchemy import select

from advocate_app import db
from advocate_app.audit.models import AuditEvent
from advocate_app.evidence import disclosure, evaluation, followup, plan_routes
from advocate_app.evidence.models import EvaluationPlan
from advocate_app.plans.models import CheckIn, GoalStatus, ItemKind, Plan, PlanItem, RatedBy, Voice
from advocate_app.referrals.models import Referral, ReferralEvent, ReferralStatus
from tests import factories
from tests.conftest import count_queries, form_post
from tests.test_evidence import _seed_people

TODAY = date(2026, 11, 26)


def at(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, 10, tzinfo=UTC)


def _plan_for(person, started: datetime) -> Plan:
    plan = Plan(person_id=person.id, created_at=started)
    db.session.add(plan)
    db.session.flush()
    return plan


def _goal(plan: Plan, created: datetime, achieved: datetime | None) -> None:
    db.session.add(
        PlanItem(
            plan_id=plan.id,
            kind=ItemKind.GOAL,
            text="A private goal",
            voice=Voice.PERSON,
            goal_status=GoalStatus.ACHIEVED if achieved else GoalStatus.IN_PROGRESS,
            author_role="advocate",
            changed_by_role="advocate",
            created_at=created,
            changed_at=achieved or created,
        )
    )


def _rating(person, day: date, score: int) -> None:
    db.session.add(
        CheckIn(person_id=person.id, domain="housing", score=score, rated_by=RatedBy.PERSON, taken_on=day, note="")
    )


@pytest.fixture
def seeded(app):
    """Twenty people whose plans started on 15 January 2026, six whose plans started on 10 November 2025 (the
    baseline), and one who started in May (outside the plan).

    Housing ratings: people 0-6 go 3 → 6 by April and 7 by July; 7-11 stay at 5 in April; 12-19 have none.
    Goals: people 0-11 set one in January; 0-5 achieve it by March, 6 and 7 in June. Referrals: 0-4 are referred
    in February and engage in March. Baseline: a goal each in November, none achieved; nothing else.
    """
    advocate = factories.advocate(name="Nia North")
    coordinator = factories.coordinator()
    with factories._app.app_context():
        service_org = factories.organisation("Harbour Housing")
        from advocate_app.directory.models import Service

        service = Service(organisation_id=service_org.id, name="Tenancy help", response_target_days=5)
        db.session.add(service)
        db.session.flush()
        cohort = [factories.person(advocate, name=f"Cohort {k}") for k in range(20)]
        for k, person in enumerate(cohort):
            plan = _plan_for(person, at(2026, 1, 15))
            if k <= 6:
                _rating(person, date(2026, 1, 15), 3)
                _rating(person, date(2026, 4, 10), 6)
                _rating(person, date(2026, 7, 10), 7)
            elif k <= 11:
                _rating(person, date(2026, 1, 20), 5)
                _rating(person, date(2026, 4, 20), 5)
            if k <= 11:
                achieved = at(2026, 3, 1) if k <= 5 else at(2026, 6, 1) if k <= 7 else None
                _goal(plan, at(2026, 1, 20), achieved)
            if k <= 4:
                referral = Referral(
                    person_id=person.id,
                    service_id=service.id,
                    organisation_id=service_org.id,
                    categories="needs",
                    note_for_organisation="",
                    respond_by=date(2026, 2, 6),
                    status=ReferralStatus.ENGAGED,
                    created_at=at(2026, 2, 1),
                    responded_at=at(2026, 2, 2),
                    updated_at=at(2026, 3, 1),
                )
                db.session.add(referral)
                db.session.flush()
                db.session.add(ReferralEvent(referral_id=referral.id, status=ReferralStatus.ENGAGED, at=at(2026, 3, 1)))
        for k in range(6):
            plan = _plan_for(factories.person(advocate, name=f"Baseline {k}"), at(2025, 11, 10))
            _goal(plan, at(2025, 11, 15), None)
        late = factories.person(advocate, name="Later Person")
        _plan_for(late, at(2026, 5, 2))
        _rating(late, date(2026, 5, 2), 1)
        db.session.commit()
    return coordinator


PLAN_FORM = {
    "title": "Safer at home",
    "question": "Do people feel better about their housing after their plan starts?",
    "measures": ["distance_travelled", "goals_achieved", "referral_engaged"],
    "organisation": "",
    "cohort_from": "2026-01",
    "cohort_to": "2026-03",
    "follow_up": "3, 6",
    "window_days": "30",
    "min_cell": "5",
    "baseline_months": "3",
}


def _cells(html: str, caption_fragment: str, cohort_heading: str, measure_id: str) -> list[list[str]]:
    """The rows of one table of the report: by measure section, cohort heading and caption."""
    section = html.split(f'id="measure-{measure_id}"', 1)[1].split("</section>", 1)[0]
    part = section.split(f">{cohort_heading}</h4>", 1)[1]
    table = part.split(caption_fragment, 1)[1].split("</table>", 1)[0]
    rows = re.findall(r"<tr>(.*?)</tr>", table.split("<tbody>", 1)[1], re.S)
    return [re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row) for row in rows]


PLAN = "People the plan covers"
BASELINE = "Baseline: people whose plans started in the months before"


def test_a_coordinator_writes_locks_and_amends_a_plan_and_the_report_lists_both_digests(
    seeded, client, login, in_app, monkeypatch
):
    monkeypatch.setattr(plan_routes, "local_today", lambda: TODAY)
    login(client, seeded)
    response = form_post(client, "/evidence/plans/new", PLAN_FORM)
    assert response.status_code == 302
    plan_page = response.headers["Location"]
    assert "Lock the plan" in client.get(plan_page).get_data(as_text=True)
    with in_app():
        plan_id = db.session.scalar(select(EvaluationPlan.id))
    # Drafts can be changed freely; the report waits for the lock.
    assert (
        form_post(
            client, f"/evidence/plans/{plan_id}/edit", {**PLAN_FORM, "title": "Safer at home (draft)"}
        ).status_code
        == 302
    )
    assert form_post(client, f"/evidence/plans/{plan_id}/lock", {}, token_from=plan_page).status_code == 302
    # Once locked, "edit" leads to an amendment, which needs a reason.
    assert (
        client.get(f"/evidence/plans/{plan_id}/edit").headers["Location"].endswith(f"/evidence/plans/{plan_id}/amend")
    )
    no_reason = form_post(client, f"/evidence/plans/{plan_id}/amend", {**PLAN_FORM, "follow_up": "3, 6, 12"})
    assert no_reason.status_code == 200 and no_reason.get_data(as_text=True).count("Say why the plan is changing") == 2
    unchanged = form_post(
        client, f"/evidence/plans/{plan_id}/amend", {**PLAN_FORM, "title": "Safer at home (draft)", "reason": "x"}
    )
    assert "Nothing in the plan has changed" in unchanged.get_data(as_text=True)
    amended = form_post(
        client,
        f"/evidence/plans/{plan_id}/amend",
        {
            **PLAN_FORM,
            "title": "Safer at home (draft)",
            "follow_up": "3, 6, 12",
            "reason": "The funder asked for a year.",
        },
    )
    assert amended.status_code == 302
    html = client.get(plan_page).get_data(as_text=True)
    with in_app():
        plan = evaluation.plan_or_none(plan_id)
        versions = [(v.number, v.text, v.digest, v.reason) for v in plan.versions]
        actions = list(db.session.scalars(select(AuditEvent.action).where(AuditEvent.object_type.like("evaluation_%"))))
    assert [v[0] for v in versions] == [1, 2]
    for _number, text, digest, _reason in versions:
        assert hashlib.sha256(text.encode("utf-8")).hexdigest() == digest
        assert digest in html
    assert versions[0][2] != versions[1][2]
    assert "Follow-up points: 3 months, 6 months after" in versions[0][1]
    assert "Follow-up points: 3 months, 6 months, 12 months after" in versions[1][1]
    assert "The funder asked for a year." in html
    assert actions == ["create", "update", "lock", "amend", "view"]

    # Distance travelled, hand-computed: at 3 months 12 of 20 recorded (7 better, 5 same; average +1.8); at 6
    # months 7 of 20 (all better, +4); at 12 months nobody is due yet (the window closes in February 2027).
    assert _cells(html, "Follow-up completeness", PLAN, "distance_travelled") == [
        ["3 months", "20", "12", "8", "60%", "0"],
        ["6 months", "20", "7", "13", "35%", "0"],
        ["12 months", "0", "0", "0", "not shown", "20"],
    ]
    assert _cells(html, "Change in the person", PLAN, "distance_travelled") == [
        ["3 months", "Housing", "12", "+1.8", "7 / 5 / 0"],
        ["6 months", "Housing", "7", "+4", "7 / 0 / 0"],
    ]
    # Goals: 12 of 20 have one; 6 achieved by April (50%); 8 by July, so 4 not: both withheld, as is the share.
    assert _cells(html, "Follow-up completeness", PLAN, "goals_achieved")[:2] == [
        ["3 months", "20", "12", "8", "60%", "0"],
        ["6 months", "20", "12", "8", "60%", "0"],
    ]
    assert _cells(html, "Goals achieved</caption>", PLAN, "goals_achieved")[:2] == [
        ["3 months", "12", "6", "50%"],
        ["6 months", "12", "withheld", "not shown"],
    ]
    # Referrals: 5 referred by April, all engaged; the baseline has none, so nobody's measure is recorded.
    assert _cells(html, "Referrals engaged</caption>", PLAN, "referral_engaged")[0] == ["3 months", "5", "5", "100%"]
    assert _cells(html, "Follow-up completeness", BASELINE, "referral_engaged")[0] == [
        "3 months",
        "6",
        "0",
        "6",
        "0%",
        "0",
    ]
    assert _cells(html, "Goals achieved</caption>", BASELINE, "goals_achieved")[0] == ["3 months", "6", "0", "0%"]


def test_the_report_figures_are_made_again_from_the_export(seeded, client, login, in_app, monkeypatch, tmp_path):
    monkeypatch.setattr(plan_routes, "local_today", lambda: TODAY)
    login(client, seeded)
    form_post(client, "/evidence/plans/new", PLAN_FORM)
    with in_app():
        plan_id = db.session.scalar(select(EvaluationPlan.id))
    page = f"/evidence/plans/{plan_id}"
    form_post(client, f"{page}/lock", {}, token_from=page)
    response = form_post(client, f"{page}/export", {}, token_from=page)
    assert response.status_code == 200 and response.headers["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    files = {name.split("/", 1)[1]: archive.read(name).decode("utf-8") for name in archive.namelist()}
    rows = list(csv.DictReader(io.StringIO(files["follow_up.csv"])))
    with in_app():
        plan = evaluation.plan_or_none(plan_id)
        report = followup.report(plan, TODAY)
        assert hashlib.sha256(files["evaluation_plan.txt"].encode()).hexdigest() == plan.versions[-1].digest
    assert followup.summarise(rows) == report.figures
    # A Frictionless Data Package with the plan's digest, valid for the library's validator.
    for name, text in files.items():
        (tmp_path / name).write_bytes(text.encode("utf-8"))
    descriptor = json.loads(files["datapackage.json"])
    assert descriptor["evaluationPlan"]["digest"] == hashlib.sha256(files["evaluation_plan.txt"].encode()).hexdigest()
    with system.use_context(trusted=True):
        validation = Package(str(tmp_path / "datapackage.json")).validate()
    assert validation.valid, validation.flatten(["rowNumber", "fieldName", "type", "note"])
    for word in ("Cohort 1", "A private goal", "Nia North"):
        assert word not in "".join(files.values())


def test_only_coordinators_write_plans_and_a_locked_plan_cannot_be_edited_as_a_draft(seeded, in_app):
    with in_app():
        coordinator = db.session.get(type(seeded), seeded.id)
        advocate = factories.advocate()
        fields = evaluation.PlanFields(
            title="T",
            question="Q",
            measures=["goals_achieved"],
            organisation_id=None,
            cohort_from=date(2026, 1, 1),
            cohort_to=date(2026, 3, 1),
            follow_up_months=[3],
            window_days=30,
            min_cell=5,
        )
        with pytest.raises(evaluation.NotAllowed):
            evaluation.write_draft(None, fields, by=advocate)
        plan = evaluation.write_draft(None, fields, by=coordinator)
        evaluation.lock(plan, by=coordinator)
        with pytest.raises(evaluation.AlreadyLocked):
            evaluation.write_draft(plan, fields, by=coordinator)
        with pytest.raises(evaluation.AlreadyLocked):
            evaluation.lock(plan, by=coordinator)


def test_a_plan_changed_behind_the_amendments_back_is_flagged_on_the_report(seeded, in_app):
    with in_app():
        coordinator = db.session.get(type(seeded), seeded.id)
        fields = evaluation.PlanFields(
            title="T",
            question="Q",
            measures=["goals_achieved"],
            organisation_id=None,
            cohort_from=date(2026, 1, 1),
            cohort_to=date(2026, 3, 1),
            follow_up_months=[3],
            window_days=30,
            min_cell=5,
        )
        plan = evaluation.write_draft(None, fields, by=coordinator)
        evaluation.lock(plan, by=coordinator)
        db.session.commit()
        plan = evaluation.plan_or_none(plan.id)
        assert followup.report(plan, TODAY).intact
        plan.window_days = 60  # a silent edit, straight into the database
        assert not followup.report(plan, TODAY).intact


def test_a_wrong_plan_is_explained_next_to_each_field(seeded, client, login):
    login(client, seeded)
    bad = {**PLAN_FORM, "title": "", "measures": [], "follow_up": "3, soon", "min_cell": "2", "cohort_to": "2025-01"}
    html = form_post(client, "/evidence/plans/new", bad).get_data(as_text=True)
    for message in (
        "Enter a name for the evaluation",
        "Choose at least one outcome measure",
        "Enter whole months from 1 to 60",
        "Enter a number from 5 to 100",
        "The end must not be before the start",
    ):
        assert html.count(message) == 2, message


def test_the_report_withholds_nothing_that_subtraction_could_recover(seeded, in_app):
    with in_app():
        coordinator = db.session.get(type(seeded), seeded.id)
        fields = evaluation.PlanFields(
            title="T",
            question="Q",
            measures=list(evaluation.MEASURES),
            organisation_id=None,
            cohort_from=date(2026, 1, 1),
            cohort_to=date(2026, 3, 1),
            follow_up_months=[3, 6, 12],
            window_days=30,
            min_cell=5,
            baseline_months=3,
        )
        plan = evaluation.write_draft(None, fields, by=coordinator)
        evaluation.lock(plan, by=coordinator)
        db.session.commit()
        report = followup.report(evaluation.plan_or_none(plan.id), TODAY)
    assert report.cells.withheld, "the seeded data should need some cells withheld"
    assert report.cells.withheld > report.cells.primary, "and some complementary ones"
    assert disclosure.recoverable(report.table, report.cells) == set()


def test_the_report_costs_the_same_queries_for_3_people_as_for_30(app_factory, login):
    counts = []
    for people in (3, 30):
        app = app_factory()
        factories.use(app)
        _seed_people(people)
        coordinator = factories.coordinator()
        with app.app_context():
            this_month = date.today().replace(day=1)
            fields = evaluation.PlanFields(
                title="T",
                question="Q",
                measures=list(evaluation.MEASURES),
                organisation_id=None,
                cohort_from=this_month,
                cohort_to=this_month,
                follow_up_months=[3, 6],
                window_days=30,
                min_cell=5,
                baseline_months=3,
            )
            plan = evaluation.write_draft(None, fields, by=db.session.get(type(coordinator), coordinator.id))
            evaluation.lock(plan, by=db.session.get(type(coordinator), coordinator.id))
            db.session.commit()
            plan_id = plan.id
        client = app.test_client()
        login(client, coordinator)
        counts.append(count_queries(app, client, f"/evidence/plans/{plan_id}"))
    assert counts[0] == counts[1], counts
