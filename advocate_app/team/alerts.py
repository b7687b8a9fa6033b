"""What the advocate's caseload says about the team around their people: who had no direct contact lately, and
referrals that were waiting for another organisation to finish and can be made now."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from sqlalchemy import func, select

from advocate_app import db, policy
from advocate_app.accounts.models import User
from advocate_app.plans.models import PlanItem
from advocate_app.team.contact import count_without_direct_contact
from advocate_app.team.models import OverlapChoice, OverlapDecision


@dataclass(frozen=True)
class CaseloadAlerts:
    weeks: int
    no_contact: int
    ready: int


def ready_to_refer(advocate: User) -> int:
    """How many waits on the advocate's caseload are over (the leading organisation finished) with the step to refer
    not yet done, in one query."""
    return (
        db.session.scalar(
            select(func.count(OverlapDecision.id))
            .join(PlanItem, PlanItem.id == OverlapDecision.step_id)
            .where(
                OverlapDecision.person_id.in_(policy.caseload_person_ids(advocate)),
                OverlapDecision.choice == OverlapChoice.WAIT,
                OverlapDecision.released_at.is_not(None),
                PlanItem.done_at.is_(None),
            )
        )
        or 0
    )


def caseload_alerts(advocate: User) -> CaseloadAlerts:
    """The caseload's two team figures, in two queries whatever the size of the caseload."""
    weeks = current_app.config.get("NO_DIRECT_CONTACT_WEEKS", 4)
    return CaseloadAlerts(
        weeks=weeks, no_contact=count_without_direct_contact(advocate, weeks=weeks), ready=ready_to_refer(advocate)
    )
