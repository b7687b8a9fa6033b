"""The outcomes dashboard: every figure checked against values worked out by hand from known records."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from advocate_app import db
from advocate_app.accounts.models import Role, User
from advocate_app.directory.models import Service, ServiceNeedDomain
from advocate_app.evidence import disclosure, partnership, queries
from advocate_app.evidence.period import Period
from advocate_app.people.models import Person, PersonStatus
from advocate_app.plans import services as plans
from advocate_app.plans.models import (
    CheckIn,
    GoalStatus,
    ItemKind,
    PlanAgreement,
    PlanItem,
    RatedBy,
    Review,
    StepOwner,
    Voice,
)
from advocate_app.referrals.models import DeclineReason, Referral, ReferralEvent, ReferralStatus
from tests import factories
from tests.conftest import as_read, count_queries, sign_in

PERIOD = Period(date(2026, 1, 1), date(2026, 6, 1))
PERIOD_QUERY = "start=2026-01&end=2026-06"
TODAY = date(2026, 11, 26)


def at(year: int, month: int, day: int, hour: int = 9) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)


@dataclass
class World:
    coordinator: User
    north: User  # advocate at North Advocacy: Pat, Robin, Sky
    south: User  # advocate at South Advocacy: Lee
    people: dict
    north_org: int
    south_org: int


def _entry(
    plan,
    kind,
    voice,
    created,
    *,
    parent=None,
    domain=None,
    goal_status=None,
    due=None,
    done=None,
    text="Private words in the plan",
    role="advocate",
):
    item = PlanItem(
        plan_id=plan.id,
        kind=kind,
        parent_id=parent.id if parent else None,
        domain=domain,
        text=text,
        voice=voice,
        goal_status=goal_status,
        owner=StepOwner.ME if kind is ItemKind.STEP else None,
        due_date=due,
        done_at=done,
        author_role=role,
        changed_by_role=role,
        created_at=created,
        changed_at=created,
    )
    db.session.add(item)
    db.session.flush()
    return item


def _check_ins(person, domain, rated_by, readings):
    for day, score in readings:
        db.session.add(
            CheckIn(
                person_id=person.id,
                domain=domain,
                score=score,
                rated_by=rated_by,
                taken_on=day,
                note="Felt scared after the phone call",
            )
        )


def _referral(person, service, sent, respond_by, *, status, answered=None, reason=None, events=()):
    referral = Referral(
        person_id=person.id,
        service_id=service.id,
        organisation_id=service.organisation_id,
        categories="needs",
        note_for_organisation="Please call after 6pm, not at home",
        respond_by=respond_by,
        status=status,
        decline_reason=reason,
        decline_text="We are full until spring" if reason else "",
        created_at=sent,
        responded_at=answered,
        updated_at=sent,
    )
    db.session.add(referral)
    db.session.flush()
    for event_status, moment in events:
        db.session.add(ReferralEvent(referral_id=referral.id, status=event_status, at=moment, note="Spoke to them"))
    return referral


def build_world() -> World:
    """Four people open in January–June 2026 and one closed before it, with known check-ins, plans and referrals."""
    north_org = factories.organisation("North Advocacy")
    south_org = factories.organisation("South Advocacy")
    harbour = factories.organisation("Harbour Housing")
    coins = factories.organisation("Money Matters")
    north = factories.advocate(name="Nia North", organisation_id=north_org.id)
    south = factories.advocate(name="Sol South", organisation_id=south_org.id)
    coordinator = factories.coordinator()
    born = date(1990, 5, 1)
    people = {
        "pat": factories.person(
            north, name="Pat Quill", area="Northtown", phone_e164="+447700900111", date_of_birth=born
        ),
        "robin": factories.person(north, name="Robin Vale", area="Northtown", date_of_birth=born),
        "sky": factories.person(north, name="Sky Moor", date_of_birth=born),
        "lee": factories.person(south, name="Lee Ash", area="Southtown", date_of_birth=date(1950, 1, 1)),
        "old": factories.person(north, name="Old Case"),
    }
    with factories._app.app_context():
        for key in people:
            people[key] = db.session.get(Person, people[key].id)
            people[key].created_at = at(2025, 12, 1)
        old = people["old"]
        old.created_at, old.status, old.closed_at = at(2025, 6, 1), PersonStatus.CLOSED, at(2025, 12, 15)
        pat, robin, sky, lee = (people[k] for k in ("pat", "robin", "sky", "lee"))
        pat_login = factories.individual(pat, username="pat")
        north_user = db.session.get(User, north.id)

        # Check-ins: the person's own housing ratings, first → latest in the period: 3→7, 6→4, 5→5, 2→8.
        _check_ins(
            pat,
            "housing",
            RatedBy.PERSON,
            [
                (date(2025, 12, 20), 1),
                (date(2026, 1, 10), 3),
                (date(2026, 3, 1), 5),
                (date(2026, 5, 1), 7),
                (date(2026, 7, 2), 10),
            ],
        )
        _check_ins(robin, "housing", RatedBy.PERSON, [(date(2026, 2, 1), 6), (date(2026, 4, 1), 4)])
        _check_ins(sky, "housing", RatedBy.PERSON, [(date(2026, 1, 5), 5), (date(2026, 6, 30), 5)])
        _check_ins(lee, "housing", RatedBy.PERSON, [(date(2026, 1, 2), 2), (date(2026, 2, 2), 8)])
        _check_ins(pat, "housing", RatedBy.ADVOCATE, [(date(2026, 1, 10), 4), (date(2026, 6, 1), 6)])
        _check_ins(robin, "safety", RatedBy.PERSON, [(date(2026, 2, 1), 4)])  # one alone: no distance

        plan_of = {key: plans.start_plan(people[key].id, by=north_user) for key in ("pat", "robin", "sky", "lee")}
        # Pat: a need in their own words, an achieved and a stopped goal, three steps.
        need = _entry(
            plan_of["pat"],
            ItemKind.NEED,
            Voice.PERSON,
            at(2026, 1, 10),
            domain="housing",
            text="Somewhere safe to live",
            role="individual",
        )
        goal = _entry(
            plan_of["pat"],
            ItemKind.GOAL,
            Voice.PERSON,
            at(2026, 1, 10),
            parent=need,
            goal_status=GoalStatus.ACHIEVED,
            text="Find a flat away from him",
            role="individual",
        )
        _entry(
            plan_of["pat"],
            ItemKind.GOAL,
            Voice.ADVOCATE,
            at(2026, 2, 1),
            parent=need,
            goal_status=GoalStatus.STOPPED,
            text="Learn to drive",
        )
        _entry(
            plan_of["pat"],
            ItemKind.STEP,
            Voice.ADVOCATE,
            at(2026, 1, 11),
            parent=goal,
            due=date(2026, 2, 10),
            done=at(2026, 2, 9),
        )
        _entry(
            plan_of["pat"],
            ItemKind.STEP,
            Voice.ADVOCATE,
            at(2026, 1, 11),
            parent=goal,
            due=date(2026, 3, 1),
            done=at(2026, 3, 5),
        )
        _entry(
            plan_of["pat"],
            ItemKind.STEP,
            Voice.PERSON,
            at(2026, 1, 11),
            parent=goal,
            due=date(2026, 7, 1),
            role="individual",
        )
        # Robin: a need in the advocate's words, goals in progress and changed, a step never done.
        money = _entry(
            plan_of["robin"],
            ItemKind.NEED,
            Voice.ADVOCATE,
            at(2026, 2, 1),
            domain="money",
            text="Debts to the catalogue",
        )
        robin_goal = _entry(
            plan_of["robin"],
            ItemKind.GOAL,
            Voice.ADVOCATE,
            at(2026, 2, 1),
            parent=money,
            goal_status=GoalStatus.IN_PROGRESS,
        )
        _entry(
            plan_of["robin"],
            ItemKind.GOAL,
            Voice.PERSON,
            at(2026, 2, 2),
            parent=money,
            goal_status=GoalStatus.CHANGED,
            role="individual",
        )
        _entry(plan_of["robin"], ItemKind.STEP, Voice.ADVOCATE, at(2026, 2, 1), parent=robin_goal, due=date(2026, 4, 1))
        # Sky and Lee: a housing need each. A goal set before the period does not count.
        _entry(plan_of["sky"], ItemKind.NEED, Voice.PERSON, at(2026, 1, 5), domain="housing", role="individual")
        lee_need = _entry(plan_of["lee"], ItemKind.NEED, Voice.ADVOCATE, at(2025, 12, 2), domain="housing")
        _entry(
            plan_of["lee"],
            ItemKind.GOAL,
            Voice.ADVOCATE,
            at(2025, 12, 2),
            parent=lee_need,
            goal_status=GoalStatus.ACHIEVED,
        )

        # Agreements: Pat's plan by both sides, Robin's by the advocate alone.
        db.session.add_all(
            [
                PlanAgreement(plan_id=plan_of["pat"].id, user_id=pat_login.id, role="individual", version=1),
                PlanAgreement(plan_id=plan_of["pat"].id, user_id=north.id, role="advocate", version=1),
                PlanAgreement(plan_id=plan_of["robin"].id, user_id=north.id, role="advocate", version=1),
            ]
        )
        # Reviews: on time, late, and one without a due date.
        for key, due, held in (
            ("pat", date(2026, 3, 5), date(2026, 3, 1)),
            ("robin", date(2026, 4, 1), date(2026, 4, 10)),
            ("sky", None, date(2026, 5, 1)),
        ):
            db.session.add(
                Review(
                    plan_id=plan_of[key].id,
                    due_date=due,
                    held_on=held,
                    went_well="Talked about him",
                    what_changed="Moved flat",
                    next_review_date=date(2026, 9, 1),
                )
            )

        # Referrals to Harbour Housing (housing) and Money Matters (money).
        housing = Service(
            organisation_id=harbour.id,
            name="Tenancy help",
            response_target_days=5,
            need_domains=[ServiceNeedDomain(domain="housing")],
        )
        debt = Service(
            organisation_id=coins.id,
            name="Debt advice",
            response_target_days=5,
            need_domains=[ServiceNeedDomain(domain="money")],
        )
        db.session.add_all([housing, debt])
        db.session.flush()
        _referral(
            pat,
            housing,
            at(2026, 1, 10),
            date(2026, 1, 15),
            status=ReferralStatus.COMPLETED,
            answered=at(2026, 1, 12),
            events=[
                (ReferralStatus.ACCEPTED, at(2026, 1, 12)),
                (ReferralStatus.ENGAGED, at(2026, 1, 20)),
                (ReferralStatus.COMPLETED, at(2026, 3, 1)),
            ],
        )
        _referral(
            robin,
            housing,
            at(2026, 2, 1),
            date(2026, 2, 6),
            status=ReferralStatus.DECLINED,
            answered=at(2026, 2, 10),
            reason=DeclineReason.NO_CAPACITY,
        )
        _referral(sky, housing, at(2026, 3, 1), date(2026, 3, 6), status=ReferralStatus.SENT)
        _referral(
            lee,
            debt,
            at(2026, 4, 1),
            date(2026, 4, 6),
            status=ReferralStatus.CLOSED,
            answered=at(2026, 4, 2),
            events=[
                (ReferralStatus.ACCEPTED, at(2026, 4, 2)),
                (ReferralStatus.DID_NOT_ENGAGE, at(2026, 5, 1)),
                (ReferralStatus.CLOSED, at(2026, 5, 2)),
            ],
        )
        _referral(robin, debt, at(2026, 7, 5), date(2026, 7, 10), status=ReferralStatus.SENT)  # after the period
        _referral(pat, debt, at(2026, 5, 1), date(2026, 5, 6), status=ReferralStatus.WITHDRAWN)
        db.session.commit()
    return World(
        coordinator=coordinator, north=north, south=south, people=people, north_org=north_org.id, south_org=south_org.id
    )


@pytest.fixture
def world(app):
    return build_world()


def _scope(user, organisation_id=None):
    return queries.scope_for(user, PERIOD, today=TODAY, organisation_id=organisation_id)


# Distance travelled ------------------------------------------------------------------------------


def test_distance_travelled_compares_each_persons_first_and_latest_check_in_in_the_period(world, in_app):
    with in_app():
        spreads = {(s.domain, s.rated_by): s for s in queries.distance_travelled(_scope(world.coordinator))}
    assert set(spreads) == {("housing", RatedBy.PERSON), ("housing", RatedBy.ADVOCATE)}
    own = spreads[("housing", RatedBy.PERSON)]
    # Changes +4, −2, 0, +6; firsts 3, 6, 5, 2; latests 7, 4, 5, 8.
    assert (own.people, own.mean_first, own.mean_latest, own.mean_change) == (4, 4.0, 6.0, 2.0)
    assert (own.median_change, own.lower_quartile, own.upper_quartile) == (2.0, -0.5, 4.5)
    assert (own.lowest, own.highest, own.better, own.same, own.worse) == (-2, 6, 2, 1, 1)
    advocate = spreads[("housing", RatedBy.ADVOCATE)]
    assert (advocate.people, advocate.mean_first, advocate.mean_latest, advocate.median_change) == (1, 4.0, 6.0, 2.0)


def test_an_organisation_counts_only_the_people_its_advocates_work_with(world, in_app):
    with in_app():
        own = [
            s
            for s in queries.distance_travelled(_scope(world.coordinator, world.north_org))
            if s.rated_by is RatedBy.PERSON
        ][0]
    # Pat, Robin and Sky: +4, −2, 0.
    assert (own.people, own.mean_first, own.mean_latest, own.mean_change, own.median_change) == (3, 4.7, 5.3, 0.7, 0)


def test_an_advocate_sees_figures_for_their_own_caseload_only(world, in_app):
    with in_app():
        south = db.session.get(User, world.south.id)
        spreads = queries.distance_travelled(_scope(south))
        loop = partnership.referral_loop(_scope(south))
    assert [(s.people, s.mean_change) for s in spreads] == [(1, 6.0)]
    assert [(o.organisation, o.sent) for o in loop.organisations] == [("Money Matters", 1)]


def test_people_who_are_not_staff_get_no_figures(world, in_app):
    with in_app():
        pat_login = db.session.scalar(select(User).where(User.username == "pat"))
        with pytest.raises(queries.NotAllowed):
            _scope(pat_login)


# Goals, steps and engagement ---------------------------------------------------------------------


def test_goals_set_in_the_period_by_status_and_steps_done_on_time(world, in_app):
    with in_app():
        goals = queries.goals_and_steps(_scope(world.coordinator))
    assert goals.by_status == {
        GoalStatus.NOT_STARTED: 0,
        GoalStatus.IN_PROGRESS: 1,
        GoalStatus.ACHIEVED: 1,
        GoalStatus.CHANGED: 1,
        GoalStatus.STOPPED: 1,
    }
    assert goals.goals_set == 4
    assert (goals.steps_due, goals.steps_on_time, goals.steps_late, goals.steps_not_done) == (3, 1, 1, 1)
    assert goals.on_time_percent == 33


def test_engagement_own_words_check_ins_agreement_and_reviews(world, in_app):
    with in_app():
        e = queries.engagement(_scope(world.coordinator))
    # Entries written Jan–Jun: Pat 6 (3 in Pat's words), Robin 4 (1), Sky 1 (1); Lee's are from December.
    assert (e.entries, e.entries_in_own_words, e.own_words_percent) == (11, 5, 45)
    # 12 check-ins in the period, 4 people open, 6 months; the case closed in December is not counted.
    assert (e.check_ins, e.people_open, e.months, e.check_ins_per_person_month) == (12, 4, 6, 0.5)
    assert (e.active_plans, e.plans_agreed_by_person, e.plans_agreed_together, e.agreed_together_percent) == (
        4,
        1,
        1,
        25,
    )
    assert (e.reviews_held, e.reviews_with_due_date, e.reviews_on_time, e.reviews_on_time_percent) == (3, 2, 1, 50)


def test_an_agreement_taken_back_no_longer_counts_as_agreed(world, in_app):
    with in_app():
        for agreement in db.session.scalars(select(PlanAgreement).where(PlanAgreement.role == "individual")):
            agreement.withdrawn_at = agreement.agreed_at
        db.session.commit()
        e = queries.engagement(_scope(world.coordinator))
    assert (e.plans_agreed_by_person, e.plans_agreed_together) == (0, 0)


# Referral loop and unmet need --------------------------------------------------------------------


def test_referral_loop_per_organisation_and_service(world, in_app):
    with in_app():
        loop = partnership.referral_loop(_scope(world.coordinator))
    harbour, coins = loop.organisations
    assert harbour.organisation == "Harbour Housing"
    assert (harbour.sent, harbour.accepted, harbour.declined, harbour.waiting) == (3, 1, 1, 1)
    assert dict(harbour.declined_by_reason) == {DeclineReason.NO_CAPACITY: 1}
    # Answered after 2 and 9 days; answered in time 1 of 3 (the unanswered one is past its date).
    assert (harbour.median_days, harbour.due_for_answer, harbour.answered_in_time, harbour.in_time_percent) == (
        5.5,
        3,
        1,
        33,
    )
    assert dict(harbour.outcomes) == {ReferralStatus.ENGAGED: 1, ReferralStatus.COMPLETED: 1}
    assert coins.organisation == "Money Matters"
    assert (coins.sent, coins.accepted, coins.declined, coins.withdrawn_unanswered, coins.median_days) == (
        2,
        1,
        0,
        1,
        1.0,
    )
    assert (coins.in_time_percent, dict(coins.outcomes)) == (100, {ReferralStatus.DID_NOT_ENGAGE: 1})
    assert [(s.organisation, s.service, s.sent) for s in loop.services] == [
        ("Harbour Housing", "Tenancy help", 3),
        ("Money Matters", "Debt advice", 2),
    ]


def test_unmet_need_by_domain_and_area(world, in_app):
    with in_app():
        rows = partnership.unmet_need(_scope(world.coordinator))
    assert [(r.domain, r.area, r.needs, r.met, r.unmet) for r in rows] == [
        ("housing", "", 1, 0, 1),  # Sky: the referral is still unanswered
        ("housing", "Northtown", 1, 1, 0),  # Pat: accepted by a housing service
        ("housing", "Southtown", 1, 0, 1),  # Lee: accepted only by a money service
        ("money", "Northtown", 1, 0, 1),  # Robin: declined by a housing service
    ]
    assert [(r.domain, r.needs, r.unmet) for r in partnership.unmet_by_domain(rows)] == [
        ("housing", 3, 2),
        ("money", 1, 1),
    ]


# The page ----------------------------------------------------------------------------------------


def test_coordinator_dashboard_shows_every_figure_with_a_chart_and_a_table_and_no_names(
    world, client, login, monkeypatch
):
    # Every figure cell by cell, with the small-number rule set to show counts from 1 (see the test after).
    monkeypatch.setattr(disclosure, "MIN_CELL", 1)
    login(client, world.coordinator)
    html = as_read(client.get(f"/evidence?{PERIOD_QUERY}").get_data(as_text=True))
    for figure in (
        "4 → 6",  # distance travelled, the person's ratings
        "+2 (-0.5 to +4.5; -2 to +6)",
        "2 / 1 / 1",
        "4 goals set in the period.",
        "1 (33%)",  # steps on time
        "45% (5 of 11)",
        "0.5 (12 check-ins, 4 people, 6 months)",
        "25% (1 of 4)",
        "50% (1 of 2 with a due date; 3 held)",
        "No capacity: 1",
        "5.5",
        "Harbour Housing",
        "Tenancy help",
        "Northtown",
        "Area not recorded",
    ):
        assert figure in html, figure
    # The referral loop by organisation, cell by cell: sent, accepted, declined (reasons), waiting, median
    # days, answered by the reply date, engaged, completed, did not engage.
    assert (
        "<td>Harbour Housing</td><td>3</td><td>1</td><td>1 (No capacity: 1)</td><td>1</td><td>5.5</td>"
        "<td>33%</td><td>1</td><td>1</td><td>0</td>"
    ) in html
    assert (
        "<td>Money Matters</td><td>2</td><td>1</td><td>0</td><td>0</td><td>1</td><td>100%</td>"
        "<td>0</td><td>0</td><td>1</td>"
    ) in html
    assert "<td>Harbour Housing</td><td>Tenancy help</td><td>3</td>" in html
    # Unmet need by area.
    assert "<tr><td>Housing</td><td>Southtown</td><td>1</td><td>1</td></tr>" in html
    assert "<tr><td>Housing</td><td>Northtown</td><td>1</td><td>0</td></tr>" in html
    assert html.count('role="img"') == 5  # two distance charts, goals, answers in time, unmet need
    assert html.count("<title id=") == 5 and html.count("<desc id=") == 5
    assert html.count("<table") >= 5
    for private in ("Pat Quill", "Robin", "Lee Ash", "+447700900111", "Find a flat", "Felt scared", "full until"):
        assert private not in html


def test_the_dashboard_withholds_the_counts_the_export_suppresses(world, client, login):
    login(client, world.coordinator)
    html = client.get(f"/evidence?{PERIOD_QUERY}").get_data(as_text=True)
    assert "Counts from 1 to 4 are withheld" in html
    for small in ("4 goals set in the period.", "2 / 1 / 1", "(12 check-ins, 4 people, 6 months)", "No capacity: 1"):
        assert small not in html, small
    assert "Goals set in the period: withheld." in html
    assert "(12 check-ins, withheld people, 6 months)" in html  # 12 check-ins is enough; 4 people is not
    assert "<td>Harbour Housing</td><td>withheld</td><td>withheld</td><td>withheld (No capacity: withheld)</td>" in html
    # The averages of fewer than 5 people are not shown either.
    assert "4 → 6" not in html


def test_the_organisation_filter_lists_every_organisation_and_shows_its_figures(world, client, login, in_app):
    login(client, world.coordinator)
    html = client.get(f"/evidence?{PERIOD_QUERY}").get_data(as_text=True)
    for name in ("North Advocacy", "South Advocacy", "Harbour Housing", "Money Matters"):
        assert f">{name}</option>" in html, name
    with in_app():
        from advocate_app.directory.models import Organisation

        harbour = db.session.scalar(select(Organisation.id).where(Organisation.name == "Harbour Housing"))
    page = client.get(f"/evidence?{PERIOD_QUERY}&organisation={harbour}").get_data(as_text=True)
    assert "Choose an organisation from the list" not in page
    assert "Distance travelled" in page
    # Harbour's people are those referred to it: Pat, Robin and Sky, not Lee.
    with in_app():
        scope = _scope(world.coordinator, harbour)
        assert [o.organisation for o in partnership.referral_loop(scope).organisations] == [
            "Harbour Housing",
            "Money Matters",
        ]
        assert queries.engagement(scope).people_open == 3


def test_advocate_dashboard_is_their_own_caseload(world, client, login):
    login(client, world.south)
    html = as_read(client.get(f"/evidence?{PERIOD_QUERY}").get_data(as_text=True))
    assert "Outcomes on your caseload" in html
    assert "Money Matters" in html and "Harbour Housing" not in html
    assert "Download the anonymised export" not in html


def test_a_wrong_period_is_explained_next_to_the_field_and_in_the_summary(world, client, login):
    login(client, world.coordinator)
    response = client.get("/evidence?start=2026-13&end=2026-06&organisation=99999")
    html = as_read(response.get_data(as_text=True))
    assert response.status_code == 200
    assert "There is a problem" in html
    assert html.count("Choose a month from the list") == 2  # in the summary and beside the field
    assert html.count("Choose an organisation from the list") == 2
    reversed_ = as_read(client.get("/evidence?start=2026-06&end=2026-01").get_data(as_text=True))
    assert reversed_.count("The end of the period must not be before its start") == 2
    assert client.get("/evidence?start=%00&end=[]").status_code in (200, 400)


def test_people_and_organisation_workers_cannot_open_the_dashboard(world, client, login, new_client):
    worker = factories.org_worker()
    login(client, worker)
    assert client.get("/evidence").status_code == 403
    pat = new_client()
    assert sign_in(pat, "pat", factories.PASSWORD).status_code == 302
    assert pat.get("/evidence").status_code == 403


def _seed_people(count: int) -> User:
    """``count`` people on one advocate's caseload, each with check-ins, plan entries, a review and referrals."""
    advocate = factories.advocate()
    organisation = factories.organisation()
    with factories._app.app_context():
        service = Service(
            organisation_id=organisation.id, name="Help", need_domains=[ServiceNeedDomain(domain="housing")]
        )
        db.session.add(service)
        db.session.flush()
        user = db.session.get(User, advocate.id)
        for n in range(count):
            person = factories.person(user, name=f"Person {n}", area=f"Area {n % 3}")
            person.created_at = at(2025, 12, 1)
            plan = plans.start_plan(person.id, by=user)
            need = _entry(plan, ItemKind.NEED, Voice.PERSON, at(2026, 2, 1), domain="housing")
            goal = _entry(
                plan, ItemKind.GOAL, Voice.PERSON, at(2026, 2, 1), parent=need, goal_status=GoalStatus.IN_PROGRESS
            )
            _entry(plan, ItemKind.STEP, Voice.ADVOCATE, at(2026, 2, 1), parent=goal, due=date(2026, 3, 1))
            _check_ins(person, "housing", RatedBy.PERSON, [(date(2026, 2, 1), 3), (date(2026, 4, 1), 6)])
            db.session.add(
                Review(
                    plan_id=plan.id,
                    due_date=date(2026, 3, 1),
                    held_on=date(2026, 3, 2),
                    next_review_date=date(2026, 9, 1),
                )
            )
            _referral(
                person,
                service,
                at(2026, 2, 2),
                date(2026, 2, 7),
                status=ReferralStatus.ENGAGED,
                answered=at(2026, 2, 3),
                events=[(ReferralStatus.ENGAGED, at(2026, 2, 9))],
            )
        db.session.commit()
    return advocate


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.ADVOCATE])
def test_the_dashboard_costs_the_same_queries_for_3_people_as_for_30(app_factory, login, role):
    counts = []
    for people in (3, 30):
        app = app_factory()
        factories.use(app)
        advocate = _seed_people(people)
        client = app.test_client()
        login(client, factories.coordinator() if role is Role.COORDINATOR else advocate)
        counts.append(count_queries(app, client, f"/evidence?{PERIOD_QUERY}"))
    assert counts[0] == counts[1], counts
