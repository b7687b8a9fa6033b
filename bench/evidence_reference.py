"""The evaluation report's rows as they were made before the speed work (issue 19), kept here only so that
``bench.evidence`` can time the previous code beside today's on the same data in the same run, and check
that both give the same rows. Not part of the app.

Copied from ``advocate_app/evidence/followup.py`` as it was: every person's id sent as a list of bound
parameters in each of the four queries, rows fetched one at a time, the follow-up day and the start
month worked out again for every row.
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date, datetime

from sqlalchemy import func, select

from advocate_app.evidence import evaluation, followup, queries
from advocate_app.evidence.followup import (
    OWN_RATINGS,
    _aware,
    _day,
    _starts_at,
    cohorts,
    months_after,
)
from advocate_app.evidence.models import EvaluationPlan
from advocate_app.evidence.period import add_months, month_key, uk_day
from advocate_app.plans.models import CheckIn, GoalStatus, ItemKind, Plan, PlanItem, StepOwner
from advocate_app.referrals.models import Referral, ReferralEvent, ReferralStatus


class _Person(followup._Person):
    """Today's person record, with the follow-up day worked out afresh each time, as before."""

    def point(self, months: int) -> date:
        return months_after(self.start, months)


def _cohort(plan: EvaluationPlan, first_month: date, last_month: date) -> dict[int, _Person]:
    """The people whose first plan started in the months given, in the plan's organisation (one query)."""
    people = queries.partnership_people(plan.organisation_id)
    first_plan = select(Plan.person_id, func.min(Plan.created_at).label("started")).group_by(Plan.person_id)
    if people is not None:
        first_plan = first_plan.where(Plan.person_id.in_(people))
    first_plan = first_plan.subquery()
    rows = queries._run(
        select(first_plan.c.person_id, first_plan.c.started).where(
            first_plan.c.started >= _starts_at(first_month),
            first_plan.c.started < _starts_at(add_months(last_month, 1)),
        )
    )
    return {person_id: _Person(start=uk_day(_aware(started))) for person_id, started in rows}


def _load(people: dict[int, _Person]) -> None:
    """Check-ins, goals, referrals and steps of ``people`` (four queries)."""
    if not people:
        return
    ids = list(people)
    for person_id, domain, taken_on, score, check_in_id in queries._run(
        select(CheckIn.person_id, CheckIn.domain, CheckIn.taken_on, CheckIn.score, CheckIn.id).where(
            CheckIn.person_id.in_(ids), CheckIn.rated_by.in_(OWN_RATINGS)
        )
    ):
        people[person_id].check_ins[domain].append((taken_on, check_in_id, score))
    for person_id, kind, created, status, changed, owner in queries._run(
        select(
            Plan.person_id,
            PlanItem.kind,
            PlanItem.created_at,
            PlanItem.goal_status,
            PlanItem.changed_at,
            PlanItem.owner,
        )
        .join(Plan, Plan.id == PlanItem.plan_id)
        .where(Plan.person_id.in_(ids), PlanItem.kind.in_((ItemKind.GOAL, ItemKind.STEP)))
    ):
        if ItemKind(kind) is ItemKind.GOAL:
            achieved = _day(changed) if status and GoalStatus(status) is GoalStatus.ACHIEVED else None
            people[person_id].goals.append((_day(created), achieved))
        else:
            people[person_id].steps.append((_day(created), bool(owner) and StepOwner(owner) is StepOwner.ME))
    reached: dict[tuple[int, ReferralStatus], datetime] = {}
    for referral_id, status, at in queries._run(
        select(ReferralEvent.referral_id, ReferralEvent.status, func.min(ReferralEvent.at))
        .join(Referral, Referral.id == ReferralEvent.referral_id)
        .where(
            Referral.person_id.in_(ids),
            ReferralEvent.status.in_((ReferralStatus.ENGAGED, ReferralStatus.COMPLETED)),
        )
        .group_by(ReferralEvent.referral_id, ReferralEvent.status)
    ):
        reached[(referral_id, ReferralStatus(status))] = at
    for referral_id, person_id, sent in queries._run(
        select(Referral.id, Referral.person_id, Referral.created_at).where(Referral.person_id.in_(ids))
    ):
        engaged = reached.get((referral_id, ReferralStatus.ENGAGED))
        completed = reached.get((referral_id, ReferralStatus.COMPLETED))
        people[person_id].referrals.append((_day(sent), _day(engaged), _day(completed)))


def follow_up_rows(plan: EvaluationPlan, today: date) -> list[dict]:
    """One row per person, cohort, follow-up point and measure (and domain), with the person's record id in
    ``person`` (the export puts a pseudonym in its place)."""
    rows = []
    for cohort, first, last in cohorts(plan):
        people = _cohort(plan, first, last)
        _load(people)
        for person_id in sorted(people):
            person = people[person_id]
            for measure in evaluation.measures_of(plan):
                for months in evaluation.points_of(plan):
                    for row in followup._person_rows(person, measure, months, plan.window_days, today):
                        rows.append(
                            {"person": person_id, "cohort": cohort, "plan_started": month_key(person.start), **row}
                        )
    return rows


@contextmanager
def previous_code():
    """Within the block, reports are made by the previous code."""
    today = followup.follow_up_rows
    followup.follow_up_rows = follow_up_rows
    try:
        yield
    finally:
        followup.follow_up_rows = today
