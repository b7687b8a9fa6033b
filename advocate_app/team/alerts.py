"""What the advocate's caseload says about the team around their people: who had no direct contact lately, and
referrals that were waiting for another organisation to finish and can be made now."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from flask import current_app
from sqlalchemy import Integer, Select, bindparam, func, select

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
    return db.session.scalar(_ready_to_refer_statement(), {"ready_advocate": advocate.id}) or 0


@cache
def _ready_to_refer_statement() -> Select:
    # Every caseload asks: built once and run with the advocate's id.
    return (
        select(func.count(OverlapDecision.id))
        .join(PlanItem, PlanItem.id == OverlapDecision.step_id)
        .where(
            OverlapDecision.person_id.in_(policy.caseload_person_ids(bindparam("ready_advocate", type_=Integer()))),
            OverlapDecision.choice == OverlapChoice.WAIT,
            OverlapDecision.released_at.is_not(None),
            PlanItem.done_at.is_(None),
        )
    )


def caseload_alerts(advocate: User) -> CaseloadAlerts:
    """The caseload's two team figures, in two queries whatever the size of the caseload."""
    weeks = current_app.config.get("NO_DIRECT_CONTACT_WEEKS", 4)
    return CaseloadAlerts(
        weeks=weeks, no_contact=count_without_direct_contact(advocate, weeks=weeks), ready=ready_to_refer(advocate)
    )
