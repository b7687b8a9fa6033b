"""What the advocate's caseload says about the team around their people: who had no direct contact lately, and
referrals that were waiting for another organisation to finish and can be made now."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from flask import current_app
from sqlalchemy import Integer, Select, bindparam, func, select

from advocate_app import db, policy
from advocate_app.accounts.models import User
from advocate_app.db import UTCDateTime, utcnow
from advocate_app.plans.models import PlanItem
from advocate_app.team.contact import no_direct_contact_count
from advocate_app.team.models import OverlapChoice, OverlapDecision


@dataclass(frozen=True)
class CaseloadAlerts:
    weeks: int
    no_contact: int
    ready: int


def ready_to_refer_count(advocate) -> Select:
    """A query counting the waits on the advocate's caseload that are over (the leading organisation finished) with
    the step to refer not yet done. ``advocate`` may be a bound parameter of their id."""
    return (
        select(func.count(OverlapDecision.id))
        .join(PlanItem, PlanItem.id == OverlapDecision.step_id)
        .where(
            OverlapDecision.person_id.in_(policy.caseload_person_ids(advocate)),
            OverlapDecision.choice == OverlapChoice.WAIT,
            OverlapDecision.released_at.is_not(None),
            PlanItem.done_at.is_(None),
        )
    )


def caseload_alerts(advocate: User, now: datetime | None = None) -> CaseloadAlerts:
    """The caseload's two team figures, in one query whatever the size of the caseload."""
    weeks = current_app.config.get("NO_DIRECT_CONTACT_WEEKS", 4)
    values = {"alerts_advocate": advocate.id, "alerts_since": (now or utcnow()) - timedelta(weeks=weeks)}
    no_contact, ready = db.session.execute(_alerts_statement(), values).one()
    return CaseloadAlerts(weeks=weeks, no_contact=no_contact or 0, ready=ready or 0)


@cache
def _alerts_statement() -> Select:
    # Every caseload asks: built once (building it, the caseload's wall twice over, cost more than running it) and
    # run with the advocate's id and the moment the weeks without contact began.
    advocate = bindparam("alerts_advocate", type_=Integer())
    since = bindparam("alerts_since", type_=UTCDateTime())
    return select(
        no_direct_contact_count(advocate, since).scalar_subquery(), ready_to_refer_count(advocate).scalar_subquery()
    )
