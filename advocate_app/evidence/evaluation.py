"""Evaluation plans: written as a draft, locked with a SHA-256 digest of their exact text, amended only with a
reason (each amendment its own dated, digested version). Never a silent edit.

The text that is digested is written out here, in English, from the plan's fields (``plan_text``), one fact
per line, so an evaluator can check a digest with ``sha256sum`` on the ``evaluation_plan.txt`` of the export.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from advocate_app import db, policy
from advocate_app.accounts.models import User
from advocate_app.audit.services import record as audit
from advocate_app.db import utcnow
from advocate_app.directory.models import Organisation
from advocate_app.evidence.models import EvaluationPlan, EvaluationPlanVersion
from advocate_app.evidence.period import add_months, month_key

# The outcome measures a plan may choose, from what the app records: code → (name, how it is counted).
MEASURES: dict[str, tuple[str, str]] = {
    "distance_travelled": (
        "Distance travelled per need domain",
        "for each need domain, the person's own or agreed rating (1-10) nearest the plan's start (within the"
        " window either side) against their latest rating within the window either side of the follow-up point",
    ),
    "goals_achieved": (
        "Goals achieved",
        "people with at least one goal in their plan by the follow-up point, and of them those with a goal"
        " marked achieved by then",
    ),
    "referral_engaged": (
        "Referrals engaged",
        "people referred by the follow-up point, and of them those an organisation recorded as engaged by then",
    ),
    "referral_completed": (
        "Referrals completed",
        "people referred by the follow-up point, and of them those with help recorded as completed by then",
    ),
    "actions_with_person": (
        "Actions done with the person",
        "steps in the plan by the follow-up point, and of them those the person does themselves",
    ),
}
MEASURE_LABELS = {
    "distance_travelled": _l("Distance travelled per need domain"),
    "goals_achieved": _l("Goals achieved"),
    "referral_engaged": _l("Referrals engaged"),
    "referral_completed": _l("Referrals completed"),
    "actions_with_person": _l("Actions done with the person"),
}


class NotAllowed(Exception):
    """Only coordinators write, lock and amend evaluation plans."""


class AlreadyLocked(Exception):
    """A locked plan changes only by an amendment with a reason."""


class NotLocked(Exception):
    """A draft has nothing to amend, and no report yet."""


class NothingChanged(Exception):
    """An amendment must change the plan's text."""


@dataclass
class PlanFields:
    """What a coordinator writes in a plan."""

    title: str
    question: str
    measures: list[str]
    organisation_id: int | None
    cohort_from: date
    cohort_to: date
    follow_up_months: list[int]
    window_days: int
    min_cell: int
    baseline_months: int = 0


def measures_of(plan: EvaluationPlan) -> list[str]:
    return [code for code in plan.measures.split(",") if code]


def points_of(plan: EvaluationPlan) -> list[int]:
    return [int(months) for months in plan.follow_up_months.split(",") if months]


def plan_text(plan: EvaluationPlan, organisation_name: str | None) -> str:
    """The exact text a digest is made of: every choice in the plan, one per line, ending with a newline."""
    lines = [
        f"Evaluation plan: {plan.title}",
        f"Question: {plan.question}",
        "Outcome measures:",
        *(f"- {code}: {MEASURES[code][0]} ({MEASURES[code][1]})" for code in measures_of(plan)),
        "People covered: everyone whose first plan started from "
        f"{month_key(plan.cohort_from)} to {month_key(plan.cohort_to)} (UK time), "
        + (f"of the organisation {organisation_name}" if organisation_name else "across the whole partnership")
        + " (an organisation's people: those its advocates work with and those referred to it)",
        "Follow-up points: "
        + ", ".join(f"{months} months" for months in points_of(plan))
        + f" after each person's plan started; a measure counts when recorded within {plan.window_days} days"
        " either side of the point; a person is due at a point once its window has closed",
        f"Smallest number reported: {plan.min_cell} (counts from 1 to {plan.min_cell - 1} withheld, and enough"
        " others that none can be worked out from the totals shown)",
    ]
    if plan.baseline_months:
        start = add_months(plan.cohort_from, -plan.baseline_months)
        lines.append(
            f"Baseline: the same measures at the same points for everyone whose first plan started in the"
            f" {plan.baseline_months} months before ({month_key(start)} to"
            f" {month_key(add_months(plan.cohort_from, -1))})"
        )
    else:
        lines.append("Baseline: none")
    return "\n".join(lines) + "\n"


def digest(text: str) -> str:
    """SHA-256 of the text as UTF-8, in hex."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _organisation_name(organisation_id: int | None) -> str | None:
    if organisation_id is None:
        return None
    return db.session.scalar(select(Organisation.name).where(Organisation.id == organisation_id))


def current_text(plan: EvaluationPlan) -> str:
    return plan_text(plan, _organisation_name(plan.organisation_id))


def _check(by: User) -> None:
    if not policy.can(by, policy.Action.EVALUATION_PLAN_WRITE):
        raise NotAllowed


def _apply(plan: EvaluationPlan, fields: PlanFields) -> None:
    plan.title = fields.title.strip()
    plan.question = fields.question.strip()
    plan.measures = ",".join(fields.measures)
    plan.organisation_id = fields.organisation_id
    plan.cohort_from = fields.cohort_from.replace(day=1)
    plan.cohort_to = fields.cohort_to.replace(day=1)
    plan.follow_up_months = ",".join(str(m) for m in sorted(set(fields.follow_up_months)))
    plan.window_days = fields.window_days
    plan.min_cell = fields.min_cell
    plan.baseline_months = fields.baseline_months


def _hold(plan: EvaluationPlan) -> None:
    """Hold the plan's row and read it again: two coordinators locking, amending or saving it at the same moment
    take turns, and the second sees what the first did (a lock already made, the version number used)."""
    db.lock(EvaluationPlan, plan.id)
    db.session.refresh(plan)


def write_draft(plan: EvaluationPlan | None, fields: PlanFields, *, by: User, now: datetime | None = None):
    """Create a draft plan, or change a draft. Audited.

    :raises AlreadyLocked: for a locked plan (use ``amend``).
    """
    _check(by)
    if plan is None:
        plan = EvaluationPlan(created_by_id=by.id, created_at=now or utcnow())
        _apply(plan, fields)
        db.session.add(plan)
        db.session.flush()
        audit("create", actor=by, object_type="evaluation_plan", object_id=plan.id)
        return plan
    _hold(plan)
    if plan.locked_at is not None:
        raise AlreadyLocked
    _apply(plan, fields)
    db.session.flush()
    audit("update", actor=by, object_type="evaluation_plan", object_id=plan.id)
    return plan


def lock(plan: EvaluationPlan, *, by: User, now: datetime | None = None) -> EvaluationPlanVersion:
    """Fix the plan: record the time and the SHA-256 digest of its exact text. Audited.

    :raises AlreadyLocked: when it is locked already.
    """
    _check(by)
    _hold(plan)
    if plan.locked_at is not None:
        raise AlreadyLocked
    moment = now or utcnow()
    text = current_text(plan)
    plan.locked_at = moment
    version = EvaluationPlanVersion(
        plan_id=plan.id, number=1, text=text, digest=digest(text), reason="", recorded_at=moment, recorded_by_id=by.id
    )
    db.session.add(version)
    db.session.flush()
    audit("lock", actor=by, object_type="evaluation_plan", object_id=plan.id)
    return version


def amend(
    plan: EvaluationPlan, fields: PlanFields, reason: str, *, by: User, now: datetime | None = None
) -> EvaluationPlanVersion:
    """Change a locked plan, as a new version with its date, reason and digest. Audited.

    :raises NotLocked: for a draft (edit it instead).
    :raises NothingChanged: when the text would stay the same.
    """
    _check(by)
    _hold(plan)
    if plan.locked_at is None:
        raise NotLocked
    before = current_text(plan)
    _apply(plan, fields)
    text = current_text(plan)
    if text == before:
        raise NothingChanged
    number = 1 + (
        db.session.scalar(
            select(func.max(EvaluationPlanVersion.number)).where(EvaluationPlanVersion.plan_id == plan.id)
        )
        or 0
    )
    version = EvaluationPlanVersion(
        plan_id=plan.id,
        number=number,
        text=text,
        digest=digest(text),
        reason=reason.strip(),
        recorded_at=now or utcnow(),
        recorded_by_id=by.id,
    )
    db.session.add(version)
    db.session.flush()
    audit("amend", actor=by, object_type="evaluation_plan", object_id=plan.id)
    return version


def plans() -> list[EvaluationPlan]:
    """Every evaluation plan, newest first, with its versions."""
    return list(
        db.session.scalars(
            select(EvaluationPlan).options(selectinload(EvaluationPlan.versions)).order_by(EvaluationPlan.id.desc())
        )
    )


def plan_or_none(plan_id: int) -> EvaluationPlan | None:
    return db.session.scalar(
        select(EvaluationPlan).options(selectinload(EvaluationPlan.versions)).where(EvaluationPlan.id == plan_id)
    )


def intact(plan: EvaluationPlan) -> bool:
    """Whether the plan as it stands is exactly its latest locked text (no change made outside an amendment)."""
    return bool(plan.versions) and plan.versions[-1].text == current_text(plan)
