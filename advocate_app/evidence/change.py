"""One person's view of change: where each part of life started and where it is now, and goals reached."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import func, select

from advocate_app import db
from advocate_app.needs import NEED_DOMAINS
from advocate_app.plans import outcomes
from advocate_app.plans.models import CheckIn, GoalStatus, ItemKind, Plan, PlanItem, RatedBy

# Whose ratings tell a person's own story best: their own, then those agreed together, then the advocate's.
PREFERRED_RATERS = (RatedBy.PERSON, RatedBy.TOGETHER, RatedBy.ADVOCATE)


@dataclass
class DomainChange:
    domain: str
    label: str
    first: CheckIn
    latest: CheckIn
    check_ins: int

    @property
    def difference(self) -> int:
        return self.latest.score - self.first.score


@dataclass
class PersonChange:
    domains: list[DomainChange] = field(default_factory=list)
    goals_achieved: list[PlanItem] = field(default_factory=list)
    goals_by_status: Counter = field(default_factory=Counter)
    steps_done: int = 0
    steps: int = 0


def _story(readings: list[CheckIn]) -> list[CheckIn]:
    """The readings of the most personal rater who has given any."""
    for rater in PREFERRED_RATERS:
        chosen = [r for r in readings if r.rated_by is rater]
        if chosen:
            return chosen
    return []


def person_change(person_id: int) -> PersonChange:
    """Everything the page needs, in three queries whatever the length of the plan."""
    change = PersonChange()
    by_domain: dict[str, list[CheckIn]] = {}
    for check_in in outcomes.check_ins(person_id):
        by_domain.setdefault(check_in.domain, []).append(check_in)
    order = [d for d in NEED_DOMAINS if d in by_domain] + sorted(d for d in by_domain if d not in NEED_DOMAINS)
    for domain in order:
        readings = _story(by_domain[domain])
        change.domains.append(
            DomainChange(
                domain=domain,
                label=str(NEED_DOMAINS.get(domain, domain)),
                first=readings[0],
                latest=readings[-1],
                check_ins=len(readings),
            )
        )
    goals = db.session.scalars(
        select(PlanItem)
        .join(Plan, Plan.id == PlanItem.plan_id)
        .where(Plan.person_id == person_id, PlanItem.kind == ItemKind.GOAL)
        .order_by(PlanItem.changed_at.desc(), PlanItem.id.desc())
    )
    for goal in goals:
        status = goal.goal_status or GoalStatus.NOT_STARTED
        change.goals_by_status[status] += 1
        if status is GoalStatus.ACHIEVED:
            change.goals_achieved.append(goal)
    change.steps, change.steps_done = db.session.execute(
        select(func.count(PlanItem.id), func.count(PlanItem.done_at))
        .join(Plan, Plan.id == PlanItem.plan_id)
        .where(Plan.person_id == person_id, PlanItem.kind == ItemKind.STEP)
    ).one()
    return change
