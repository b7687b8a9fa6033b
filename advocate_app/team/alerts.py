"""What the advocate's caseload says about the team around their people: who had no direct contact lately, and
referrals that were waiting for another organisation to finish and can be made now."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from flask import current_app
from sqlalchemy import Integer, ScalarSelect, Select, bindparam, func, select

from advocate_app import policy
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


@cache
def figure_columns() -> tuple[ScalarSelect, ScalarSelect]:
    """The two figures as columns of a statement (the caseload counts them with its own figures, in one round trip),
    run with ``figure_values``. Built once: building them, the caseload's wall twice over, cost more than running
    them."""
    advocate = bindparam("alerts_advocate", type_=Integer())
    since = bindparam("alerts_since", type_=UTCDateTime())
    return no_direct_contact_count(advocate, since).scalar_subquery(), ready_to_refer_count(advocate).scalar_subquery()


def figure_values(advocate: User, now: datetime | None = None) -> dict:
    """The values ``figure_columns`` are run with: the advocate, and the moment the weeks without contact began."""
    return {"alerts_advocate": advocate.id, "alerts_since": (now or utcnow()) - timedelta(weeks=_weeks())}


def alerts_from(no_contact: int | None, ready: int | None) -> CaseloadAlerts:
    """The figures as the caseload shows them, from the values of ``figure_columns``."""
    return CaseloadAlerts(weeks=_weeks(), no_contact=no_contact or 0, ready=ready or 0)


def _weeks() -> int:
    """How long without direct contact before the caseload says so."""
    return current_app.config.get("NO_DIRECT_CONTACT_WEEKS", 4)
