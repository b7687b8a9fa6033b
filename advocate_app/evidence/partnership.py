"""What the partnership offers and lacks: the referral loop per organisation and service, and unmet need.

Like ``queries``, every figure comes from a fixed number of queries over a ``Scope``, whatever the
number of people or referrals.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC

from sqlalchemy import DateTime, and_, case, func, select, type_coerce

from advocate_app.directory.models import Organisation, Service, ServiceNeedDomain
from advocate_app.evidence.queries import Scope, _Deadlines, _in_period, _percent, _run
from advocate_app.people.models import Person
from advocate_app.plans.models import ItemKind, Plan, PlanItem, PlanStatus
from advocate_app.referrals.models import DeclineReason, Referral, ReferralEvent, ReferralStatus

# What happened after a referral was accepted, as the organisation recorded it.
OUTCOME_STATUSES = (ReferralStatus.ENGAGED, ReferralStatus.COMPLETED, ReferralStatus.DID_NOT_ENGAGE)


@dataclass
class LoopFigures:
    """One organisation's (or one service's) answers to referrals sent in the period."""

    organisation: str
    service: str | None
    sent: int = 0
    accepted: int = 0
    declined: int = 0
    declined_by_reason: Counter = field(default_factory=Counter)
    withdrawn_unanswered: int = 0
    waiting: int = 0
    due_for_answer: int = 0  # answered, or unanswered past the reply date
    answered_in_time: int = 0
    days_to_respond: list[float] = field(default_factory=list)
    outcomes: Counter = field(default_factory=Counter)

    @property
    def median_days(self) -> float | None:
        return round(statistics.median(self.days_to_respond), 1) if self.days_to_respond else None

    @property
    def in_time_percent(self) -> int | None:
        return _percent(self.answered_in_time, self.due_for_answer)

    @property
    def answered(self) -> int:
        return len(self.days_to_respond)


@dataclass
class Loop:
    organisations: list[LoopFigures]
    services: list[LoopFigures]


def referral_rows(scope: Scope) -> list[tuple]:
    """(referral id, person id, organisation, service, status, decline reason, sent, answered, reply-by date,
    urgency) for referrals sent in the period. One query."""
    return list(
        _run(
            select(
                Referral.id,
                Referral.person_id,
                Organisation.name,
                Service.name,
                Referral.status,
                Referral.decline_reason,
                Referral.created_at,
                Referral.responded_at,
                Referral.respond_by,
                Referral.urgency,
            )
            .join(Organisation, Organisation.id == Referral.organisation_id)
            .join(Service, Service.id == Referral.service_id)
            .where(scope.covers(Referral.person_id), _in_period(Referral.created_at, scope.period, moments=True))
            .order_by(Organisation.name, Service.name, Referral.id)
        )
    )


def referral_outcomes(scope: Scope) -> dict[int, frozenset[ReferralStatus]]:
    """For each referral sent in the period, the outcomes it ever reached (engaged, completed, did not engage)."""
    rows = _run(
        select(ReferralEvent.referral_id, ReferralEvent.status)
        .join(Referral, Referral.id == ReferralEvent.referral_id)
        .where(
            scope.covers(Referral.person_id),
            _in_period(Referral.created_at, scope.period, moments=True),
            ReferralEvent.status.in_(OUTCOME_STATUSES),
        )
        .distinct()
    )
    reached: dict[int, set] = defaultdict(set)
    for referral_id, status in rows:
        reached[referral_id].add(ReferralStatus(status))
    return {key: frozenset(value) for key, value in reached.items()}


def _merge(into: LoopFigures, other: LoopFigures) -> None:
    for name in (
        "sent",
        "accepted",
        "declined",
        "withdrawn_unanswered",
        "waiting",
        "due_for_answer",
        "answered_in_time",
    ):
        setattr(into, name, getattr(into, name) + getattr(other, name))
    into.declined_by_reason.update(other.declined_by_reason)
    into.days_to_respond.extend(other.days_to_respond)
    into.outcomes.update(other.outcomes)


def referral_loop(scope: Scope) -> Loop:
    """Per organisation and per service: sent, accepted, declined by reason, days to answer, outcomes.

    Four queries: the referrals counted by service, status and reason; how long each answer took
    (numbers only); the outcomes counted per service; the names of the services.
    """
    sent_in_scope = and_(scope.covers(Referral.person_id), _in_period(Referral.created_at, scope.period, moments=True))
    unanswered = case((Referral.responded_at.is_(None), 1), else_=0)
    overdue = case((Referral.respond_by < scope.today, 1), else_=0)
    counts = _run(
        select(Referral.service_id, Referral.status, Referral.decline_reason, unanswered, overdue, func.count())
        .where(sent_in_scope)
        .group_by(Referral.service_id, Referral.status, Referral.decline_reason, unanswered, overdue)
    )
    by_service: dict[int, LoopFigures] = {}
    for service_id, status, reason, is_unanswered, is_overdue, count in counts:
        figures = by_service.get(service_id)
        if figures is None:
            figures = by_service[service_id] = LoopFigures("", None)
        figures.sent += count
        if not is_unanswered:
            figures.due_for_answer += count
            if reason is not None:
                figures.declined += count
                figures.declined_by_reason[DeclineReason(reason)] += count
            else:
                figures.accepted += count
        elif status == ReferralStatus.WITHDRAWN:
            figures.withdrawn_unanswered += count
        else:
            figures.waiting += count
            if is_overdue:
                figures.due_for_answer += count
    # How long each answer took: plain timestamps (stored in UTC), without converting every one.
    answers = _run(
        select(
            Referral.service_id,
            type_coerce(Referral.created_at, DateTime()),
            type_coerce(Referral.responded_at, DateTime()),
            Referral.respond_by,
        ).where(sent_in_scope, Referral.responded_at.is_not(None))
    )
    deadline = _Deadlines()
    for service_id, sent_at, answered_at, respond_by in answers:
        figures = by_service[service_id]
        figures.days_to_respond.append((answered_at - sent_at).total_seconds() / 86400)
        if answered_at.tzinfo is None:  # SQLite keeps UTC without saying so
            answered_at = answered_at.replace(tzinfo=UTC)
        if answered_at < deadline(respond_by):
            figures.answered_in_time += 1
    outcomes = _run(
        select(Referral.service_id, ReferralEvent.status, func.count(func.distinct(ReferralEvent.referral_id)))
        .join(Referral, Referral.id == ReferralEvent.referral_id)
        .where(sent_in_scope, ReferralEvent.status.in_(OUTCOME_STATUSES))
        .group_by(Referral.service_id, ReferralEvent.status)
    )
    for service_id, status, count in outcomes:
        by_service[service_id].outcomes[ReferralStatus(status)] += count
    names = _run(
        select(Service.id, Organisation.name, Service.name)
        .join(Organisation, Organisation.id == Service.organisation_id)
        .where(Service.id.in_(by_service))
        .order_by(Organisation.name, Service.name, Service.id)
    )
    services, organisations = [], {}
    for service_id, organisation, service in names:
        figures = by_service[service_id]
        figures.organisation, figures.service = organisation, service
        services.append(figures)
        if organisation not in organisations:
            organisations[organisation] = LoopFigures(organisation, None)
        _merge(organisations[organisation], figures)
    return Loop(organisations=list(organisations.values()), services=services)


# Unmet need --------------------------------------------------------------------------------------


@dataclass
class UnmetNeed:
    domain: str
    area: str
    needs: int
    met: int

    @property
    def unmet(self) -> int:
        return self.needs - self.met


def unmet_need(scope: Scope) -> list[UnmetNeed]:
    """Needs in current plans at the end of the period, by domain and the person's area, and how many have
    an accepted referral to a service for that domain (accepted before the period ended). One query."""
    period = scope.period
    # Each person and domain with a referral accepted, before the period ended, by a service for that domain.
    accepted = (
        select(Referral.person_id, ServiceNeedDomain.domain)
        .join(ServiceNeedDomain, ServiceNeedDomain.service_id == Referral.service_id)
        .where(
            scope.covers(Referral.person_id),
            Referral.responded_at.is_not(None),
            Referral.responded_at < period.ends_at,
            Referral.decline_reason.is_(None),
        )
        .distinct()
        .subquery()
    )
    rows = _run(
        select(PlanItem.domain, Person.area, func.count(PlanItem.id), func.count(accepted.c.person_id))
        .join(Plan, Plan.id == PlanItem.plan_id)
        .join(Person, Person.id == Plan.person_id)
        .outerjoin(accepted, and_(accepted.c.person_id == Plan.person_id, accepted.c.domain == PlanItem.domain))
        .where(
            scope.covers(Plan.person_id),
            Plan.status == PlanStatus.ACTIVE,
            PlanItem.kind == ItemKind.NEED,
            PlanItem.created_at < period.ends_at,
        )
        .group_by(PlanItem.domain, Person.area)
    )
    table: dict[tuple[str, str], UnmetNeed] = {}
    for domain, area, needs, met in rows:
        key = (domain or "", (area or "").strip())
        entry = table.setdefault(key, UnmetNeed(domain=key[0], area=key[1], needs=0, met=0))
        entry.needs += needs
        entry.met += met
    return sorted(table.values(), key=lambda e: (e.domain, e.area))


def unmet_by_domain(rows: list[UnmetNeed]) -> list[UnmetNeed]:
    """The same figures added up over areas."""
    totals: dict[str, UnmetNeed] = {}
    for row in rows:
        entry = totals.setdefault(row.domain, UnmetNeed(domain=row.domain, area="", needs=0, met=0))
        entry.needs += row.needs
        entry.met += row.met
    return list(totals.values())
