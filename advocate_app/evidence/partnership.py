"""What the partnership offers and lacks: the referral loop per organisation and service, and unmet need.

Like ``queries``, every figure comes from a fixed number of queries over a ``Scope``, whatever the
number of people or referrals.
"""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import String, and_, case, cast, func, or_, select, tuple_

from advocate_app.directory.models import Organisation, Service, ServiceNeedDomain
from advocate_app.evidence import sql_time
from advocate_app.evidence.queries import Scope, _in_period, _percent, _run
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


def reached(status: ReferralStatus):
    """A condition: the referral ever reached ``status`` (an outcome). The database answers it from one table of
    the referrals that did, built once per query."""
    return Referral.id.in_(select(ReferralEvent.referral_id).where(ReferralEvent.status == status))


# The counts a service's row of ``referral_loop`` gives as they are.
_COUNTED = ("sent", "accepted", "declined", "withdrawn_unanswered", "waiting", "due_for_answer", "answered_in_time")


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

    One query: each service's referrals counted in the database (answered or not, declined by reason, answered by
    the reply date as a UK day, past it unanswered, the outcomes reached), with its name and how long each answer
    took as one line of numbers.
    """
    answered = Referral.responded_at.is_not(None)
    withdrawn = Referral.status == ReferralStatus.WITHDRAWN

    def counted(condition):
        return func.sum(case((condition, 1), else_=0))

    counts = (
        select(
            Referral.service_id,
            func.count().label("sent"),
            counted(and_(answered, Referral.decline_reason.is_(None))).label("accepted"),
            counted(and_(answered, Referral.decline_reason.is_not(None))).label("declined"),
            counted(and_(~answered, withdrawn)).label("withdrawn_unanswered"),
            counted(and_(~answered, ~withdrawn)).label("waiting"),
            # Answered, or unanswered past the reply date (a referral withdrawn unanswered is neither).
            counted(or_(answered, and_(~withdrawn, Referral.respond_by < scope.today))).label("due_for_answer"),
            counted(and_(answered, sql_time.uk_date(Referral.responded_at) <= Referral.respond_by)).label(
                "answered_in_time"
            ),
            *(
                counted(and_(answered, Referral.decline_reason == reason)).label(f"declined_{reason.value}")
                for reason in DeclineReason
            ),
            *(counted(reached(status)).label(status.value) for status in OUTCOME_STATUSES),
            # Whole microseconds from sending to each answer (none for the unanswered).
            func.aggregate_strings(
                cast(sql_time.microseconds_between(Referral.created_at, Referral.responded_at), String), ","
            ).label("waits"),
        )
        .where(scope.covers(Referral.person_id), _in_period(Referral.created_at, scope.period, moments=True))
        .group_by(Referral.service_id)
        .subquery()
    )
    rows = _run(
        select(Organisation.name, Service.name, counts)
        .join(Service, Service.id == counts.c.service_id)
        .join(Organisation, Organisation.id == Service.organisation_id)
        .order_by(Organisation.name, Service.name, Service.id)
    ).all()
    services, organisations = [], {}
    for row in rows:
        figures = LoopFigures(row[0], row[1])
        for name in _COUNTED:
            setattr(figures, name, int(getattr(row, name)))
        for reason in DeclineReason:
            if declined := int(getattr(row, f"declined_{reason.value}")):
                figures.declined_by_reason[reason] = declined
        for status in OUTCOME_STATUSES:
            if count := int(getattr(row, status.value)):
                figures.outcomes[status] = count
        if row.waits:
            # Divided as timedelta.total_seconds() would divide them, then into days.
            figures.days_to_respond = [m / 10**6 / 86400 for m in map(int, row.waits.split(","))]
        services.append(figures)
        if figures.organisation not in organisations:
            organisations[figures.organisation] = LoopFigures(figures.organisation, None)
        _merge(organisations[figures.organisation], figures)
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
    # Each person and domain with a referral accepted, before the period ended, by a service for that domain: the
    # database looks each need up in one table of them, built once.
    accepted = (
        select(Referral.person_id, ServiceNeedDomain.domain)
        .join(ServiceNeedDomain, ServiceNeedDomain.service_id == Referral.service_id)
        .where(
            scope.covers(Referral.person_id),
            Referral.responded_at.is_not(None),
            Referral.responded_at < period.ends_at,
            Referral.decline_reason.is_(None),
        )
    )
    met = func.sum(case((tuple_(Plan.person_id, PlanItem.domain).in_(accepted), 1), else_=0))
    rows = _run(
        select(PlanItem.domain, Person.area, func.count(PlanItem.id), met)
        .join(Plan, Plan.id == PlanItem.plan_id)
        .join(Person, Person.id == Plan.person_id)
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
