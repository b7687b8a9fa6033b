"""Outcome check-ins (1–10 per need domain) and plan reviews."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from advocate_app import db, events
from advocate_app.accounts.models import User
from advocate_app.audit.services import record as audit
from advocate_app.clock import local_today
from advocate_app.needs import NEED_DOMAINS
from advocate_app.plans.models import CheckIn, Plan, PlanStatus, RatedBy, Review, Voice
from advocate_app.plans.services import PlanError, voice_of

SCORE_MIN, SCORE_MAX = 1, 10


def record_check_in(
    person_id: int, *, domain: str, score: int, rated_by: RatedBy, taken_on: date, note: str = "", by: User
) -> CheckIn:
    """Record how things are in one domain.

    :param rated_by: whose rating it is: the person's, the advocate's, or one agreed together.
    :raises PlanError: for an unknown domain or a score outside 1–10.
    """
    if domain not in NEED_DOMAINS:
        raise PlanError("domain")
    if not SCORE_MIN <= score <= SCORE_MAX:
        raise PlanError("score")
    if voice_of(by) is Voice.PERSON:
        # A person's own check-in is always their own rating.
        rated_by = RatedBy.PERSON
    check_in = CheckIn(
        person_id=person_id,
        domain=domain,
        score=score,
        rated_by=rated_by,
        taken_on=taken_on,
        note=note.strip(),
        recorded_by_id=by.id,
    )
    db.session.add(check_in)
    db.session.flush()
    audit("create", actor=by, person_id=person_id, object_type="check_in", object_id=check_in.id)
    return check_in


def check_ins(person_id: int) -> list[CheckIn]:
    """Every check-in of a person, oldest first."""
    return list(
        db.session.scalars(select(CheckIn).where(CheckIn.person_id == person_id).order_by(CheckIn.taken_on, CheckIn.id))
    )


def next_review_problem(day: date, *, today: date, held_on: date | None = None) -> str | None:
    """The one rule for the date of a next review, however it is set: after the review it follows, when there is
    one ("next_date"), and not in the past ("past"). None when the date is fine."""
    if held_on is not None and day <= held_on:
        return "next_date"
    if day < today:
        return "past"
    return None


def hold_review(
    plan: Plan,
    *,
    held_on: date,
    went_well: str,
    what_changed: str,
    next_review_date: date,
    by: User,
    today: date | None = None,
) -> Review:
    """Record a review held today (or on ``held_on``) and set the date of the next.

    :raises PlanError: when the plan is archived or the next date breaks ``next_review_problem``.
    """
    if plan.status is not PlanStatus.ACTIVE:
        raise PlanError("archived")
    problem = next_review_problem(next_review_date, today=today or local_today(), held_on=held_on)
    if problem:
        raise PlanError(problem)
    review = Review(
        plan_id=plan.id,
        due_date=plan.next_review_date,
        held_on=held_on,
        went_well=went_well.strip(),
        what_changed=what_changed.strip(),
        next_review_date=next_review_date,
        recorded_by_id=by.id,
    )
    # The review date is about the plan, not in it: agreeing the plan's content is not undone by it.
    plan.next_review_date = next_review_date
    db.session.add(review)
    db.session.flush()
    audit("create", actor=by, person_id=plan.person_id, object_type="plan_review", object_id=review.id)
    events.review_date_changed.send(plan, by=by)
    return review


def set_next_review(plan: Plan, next_review_date: date, *, by: User, today: date | None = None) -> None:
    """Set (or move) when the plan is next reviewed.

    :raises PlanError: when the plan is archived or the date is in the past.
    """
    if plan.status is not PlanStatus.ACTIVE:
        raise PlanError("archived")
    problem = next_review_problem(next_review_date, today=today or local_today())
    if problem:
        raise PlanError(problem)
    plan.next_review_date = next_review_date
    audit("update", actor=by, person_id=plan.person_id, object_type="plan", object_id=plan.id)
    events.review_date_changed.send(plan, by=by)


def reviews(plan_id: int) -> list[Review]:
    """Reviews of a plan, newest first."""
    return list(db.session.scalars(select(Review).where(Review.plan_id == plan_id).order_by(Review.held_on.desc())))
