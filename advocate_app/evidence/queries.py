"""The evidence figures about people's plans, each from live data in a fixed number of queries whatever
the number of people (the referral loop and unmet need are in ``partnership``).

Every function takes a ``Scope``: which people count (a coordinator's organisation or the whole
partnership, or an advocate's own caseload, as ``scope_for`` decides through the policy) and the
period. Queries return small aggregates, or compact rows of numbers and codes when a median or a
spread is needed; nothing here loops over people with a query each.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import DateTime, Select, and_, case, exists, func, select, text, true, type_coerce

from advocate_app import db, policy
from advocate_app.accounts.models import Role, User
from advocate_app.clock import LOCAL_ZONE
from advocate_app.directory.models import Organisation
from advocate_app.evidence.period import Period
from advocate_app.people.models import Assignment, Person
from advocate_app.plans.models import (
    CheckIn,
    GoalStatus,
    ItemKind,
    Plan,
    PlanAgreement,
    PlanItem,
    PlanStatus,
    RatedBy,
    Review,
    Voice,
)
from advocate_app.referrals.models import Referral


@dataclass(frozen=True)
class Scope:
    """Whose records count, and over which months."""

    people: Select | None  # SELECT person.id … (used as a subquery), or None for everyone
    period: Period
    today: date

    def covers(self, person_id_column):
        """A condition: the row is about someone in scope (nothing to check when it is everyone)."""
        return true() if self.people is None else person_id_column.in_(self.people)


class NotAllowed(Exception):
    """The user may not see evidence figures (or not for that organisation)."""


def scope_for(user: User, period: Period, *, today: date, organisation_id: int | None = None) -> Scope:
    """The people whose records count for ``user``: a coordinator's choice of organisation (or everyone),
    an advocate's own current caseload.

    An organisation's people are those any of its advocates has ever worked with, so closed cases count.

    :raises NotAllowed: for anyone else.
    """
    if not policy.can(user, policy.Action.EVIDENCE_VIEW):
        raise NotAllowed
    if not policy.can(user, policy.Action.EVIDENCE_PARTNERSHIP):
        people = policy.visible_people(user).with_only_columns(Person.id)
    else:
        people = partnership_people(organisation_id)
    return Scope(people=people, period=period, today=today)


def partnership_people(organisation_id: int | None = None) -> Select | None:
    """Everyone (None: for the partnership's coordinators and the evaluators' export), or an organisation's
    people: those its advocates have ever worked with and those ever referred to it, closed cases included."""
    if organisation_id is None:
        return None
    worked_with = (
        select(Assignment.person_id)
        .join(User, User.id == Assignment.advocate_id)
        .where(User.organisation_id == organisation_id)
    )
    return worked_with.union(select(Referral.person_id).where(Referral.organisation_id == organisation_id))


def without_jit() -> None:
    """On PostgreSQL, no JIT compilation for the rest of this transaction.

    The evidence queries scan whole tables, so their estimated cost passes PostgreSQL's JIT threshold;
    compiling them takes seconds while running them takes milliseconds. ``SET LOCAL`` ends with the
    transaction, so pooled connections are left as they were.
    """
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SET LOCAL jit = off"))


def _run(statement):
    """Run a query of plain columns on the session's connection: the rows come back without the ORM's
    per-row bookkeeping, which costs more than the query itself when tens of thousands of rows come back."""
    return db.session.connection().execute(statement)


def _in_period(column, period: Period, *, moments: bool):
    if moments:
        return and_(column >= period.starts_at, column < period.ends_at)
    return and_(column >= period.first, column < period.end)


# Distance travelled ------------------------------------------------------------------------------


@dataclass
class Spread:
    """How far scores moved between each person's first and latest check-in in one domain."""

    domain: str
    rated_by: RatedBy
    people: int
    mean_first: float
    mean_latest: float
    mean_change: float
    median_change: float
    lower_quartile: float
    upper_quartile: float
    lowest: int
    highest: int
    better: int
    same: int
    worse: int


def _spread(domain: str, rated_by: RatedBy, pairs: list[tuple[int, int]]) -> Spread:
    changes = sorted(latest - first for first, latest in pairs)
    if len(changes) > 1:
        lower, _median, upper = statistics.quantiles(changes, n=4, method="inclusive")
    else:
        lower = upper = changes[0]
    return Spread(
        domain=domain,
        rated_by=rated_by,
        people=len(pairs),
        mean_first=round(statistics.fmean(f for f, _ in pairs), 1),
        mean_latest=round(statistics.fmean(latest for _, latest in pairs), 1),
        mean_change=round(statistics.fmean(changes), 1),
        median_change=round(statistics.median(changes), 1),
        lower_quartile=round(lower, 1),
        upper_quartile=round(upper, 1),
        lowest=changes[0],
        highest=changes[-1],
        better=sum(1 for c in changes if c > 0),
        same=sum(1 for c in changes if c == 0),
        worse=sum(1 for c in changes if c < 0),
    )


def first_and_latest(scope: Scope) -> list[tuple[str, RatedBy, int, int, int]]:
    """(domain, whose rating, first score, latest score, how many people) over every person, domain and
    rater with at least two check-ins in the period: each person's first and latest, counted together.

    One query, and at most 100 rows per domain and rater however many people there are.
    """
    partition = (CheckIn.person_id, CheckIn.domain, CheckIn.rated_by)
    order = (CheckIn.taken_on, CheckIn.id)
    whole = {"partition_by": partition, "order_by": order, "rows": (None, None)}
    ranked = (
        select(
            CheckIn.domain,
            CheckIn.rated_by,
            func.first_value(CheckIn.score).over(**whole).label("first"),
            func.last_value(CheckIn.score).over(**whole).label("latest"),
            # One window for all four, so the database sorts the check-ins once.
            func.count(CheckIn.id).over(**whole).label("readings"),
            func.row_number().over(**whole).label("position"),
        )
        .where(scope.covers(CheckIn.person_id), _in_period(CheckIn.taken_on, scope.period, moments=False))
        .subquery()
    )
    query = (
        select(ranked.c.domain, ranked.c.rated_by, ranked.c.first, ranked.c.latest, func.count())
        .where(ranked.c.readings >= 2, ranked.c.position == 1)
        .group_by(ranked.c.domain, ranked.c.rated_by, ranked.c.first, ranked.c.latest)
    )
    return [
        (domain, RatedBy(rated_by), first, latest, people) for domain, rated_by, first, latest, people in _run(query)
    ]


def distance_travelled(scope: Scope) -> list[Spread]:
    """Per need domain and whose rating: first against latest check-in in the period, with the spread."""
    pairs: dict[tuple[str, RatedBy], list[tuple[int, int]]] = defaultdict(list)
    for domain, rated_by, first, latest, people in first_and_latest(scope):
        pairs[(domain, rated_by)].extend([(first, latest)] * people)
    return [_spread(domain, rated_by, values) for (domain, rated_by), values in sorted(pairs.items())]


# Goals and steps ---------------------------------------------------------------------------------


@dataclass
class GoalFigures:
    """Goals set in the period by where they stand now, and steps due in the period by when they were done."""

    by_status: dict[GoalStatus, int] = field(default_factory=dict)
    steps_due: int = 0  # due in the period, on or before today
    steps_on_time: int = 0
    steps_late: int = 0
    steps_not_done: int = 0
    steps_not_yet_due: int = 0

    @property
    def goals_set(self) -> int:
        return sum(self.by_status.values())

    @property
    def on_time_percent(self) -> int | None:
        return _percent(self.steps_on_time, self.steps_due)


def _percent(part: int, whole: int) -> int | None:
    return round(100 * part / whole) if whole else None


class _Deadlines:
    """The first moment (UTC) after a UK day, remembered per day: "on or before the day" without converting
    every timestamp to UK time."""

    def __init__(self):
        self._known: dict[date, datetime] = {}

    def __call__(self, day: date) -> datetime:
        moment = self._known.get(day)
        if moment is None:
            moment = self._known[day] = datetime.combine(day + timedelta(days=1), time(), LOCAL_ZONE).astimezone(UTC)
        return moment


def _of_plans_in(plan_id_column, scope: Scope):
    """A condition: the row belongs to a plan of someone in scope."""
    if scope.people is None:
        return true()
    return plan_id_column.in_(select(Plan.id).where(scope.covers(Plan.person_id)))


def entries_written(scope: Scope) -> list[tuple[ItemKind, GoalStatus | None, Voice, int]]:
    """Plan entries written in the period, counted by kind, goal status and voice. One query, which both
    the goals and the engagement figures read."""
    return [
        (ItemKind(kind), GoalStatus(status) if status else None, Voice(voice), count)
        for kind, status, voice, count in _run(
            select(PlanItem.kind, PlanItem.goal_status, PlanItem.voice, func.count(PlanItem.id))
            .where(_of_plans_in(PlanItem.plan_id, scope), _in_period(PlanItem.created_at, scope.period, moments=True))
            .group_by(PlanItem.kind, PlanItem.goal_status, PlanItem.voice)
        )
    ]


def goals_and_steps(scope: Scope, entries: list | None = None) -> GoalFigures:
    """Goals set (and what became of them), and steps done on time. Two queries (one when ``entries``,
    from ``entries_written``, is given)."""
    figures = GoalFigures(by_status={status: 0 for status in GoalStatus})
    for kind, status, _voice, count in entries_written(scope) if entries is None else entries:
        if kind is ItemKind.GOAL:
            figures.by_status[status or GoalStatus.NOT_STARTED] += count
    steps = _run(
        select(PlanItem.due_date, type_coerce(PlanItem.done_at, DateTime())).where(
            _of_plans_in(PlanItem.plan_id, scope),
            PlanItem.kind == ItemKind.STEP,
            _in_period(PlanItem.due_date, scope.period, moments=False),
        )
    )
    deadline = _Deadlines()
    for due, done_at in steps:
        if done_at is not None and done_at.tzinfo is None:  # SQLite keeps UTC without saying so
            done_at = done_at.replace(tzinfo=UTC)
        if done_at is not None and done_at < deadline(due):
            figures.steps_on_time += 1
        elif due >= scope.today:
            # Not yet due (or due today and not done yet): neither on time nor late so far.
            figures.steps_not_yet_due += 1
            continue
        elif done_at is not None:
            figures.steps_late += 1
        else:
            figures.steps_not_done += 1
        figures.steps_due += 1
    return figures


# Engagement --------------------------------------------------------------------------------------


@dataclass
class Engagement:
    """How far the plans are the person's own, and how often people check in, agree and review."""

    entries: int = 0
    entries_in_own_words: int = 0
    check_ins: int = 0
    people_open: int = 0
    months: int = 1
    active_plans: int = 0
    plans_agreed_by_person: int = 0
    plans_agreed_together: int = 0
    reviews_held: int = 0
    reviews_with_due_date: int = 0
    reviews_on_time: int = 0

    @property
    def own_words_percent(self) -> int | None:
        return _percent(self.entries_in_own_words, self.entries)

    @property
    def check_ins_per_person_month(self) -> float | None:
        if not self.people_open:
            return None
        return round(self.check_ins / self.people_open / self.months, 2)

    @property
    def agreed_together_percent(self) -> int | None:
        return _percent(self.plans_agreed_together, self.active_plans)

    @property
    def reviews_on_time_percent(self) -> int | None:
        return _percent(self.reviews_on_time, self.reviews_with_due_date)


def _count(flag) -> object:
    return func.coalesce(func.sum(case((flag, 1), else_=0)), 0)


def engagement(scope: Scope, entries: list | None = None) -> Engagement:
    """Five queries (four when ``entries`` is given): entries by voice, check-ins, people open, plans
    agreed, reviews on time."""
    period = scope.period
    figures = Engagement(months=period.months)
    for _kind, _status, voice, count in entries_written(scope) if entries is None else entries:
        figures.entries += count
        if voice is Voice.PERSON:
            figures.entries_in_own_words += count
    figures.check_ins = db.session.scalar(
        select(func.count(CheckIn.id)).where(
            scope.covers(CheckIn.person_id), _in_period(CheckIn.taken_on, period, moments=False)
        )
    )
    figures.people_open = db.session.scalar(
        select(func.count(Person.id)).where(
            scope.covers(Person.id),
            Person.created_at < period.ends_at,
            (Person.closed_at.is_(None)) | (Person.closed_at >= period.starts_at),
        )
    )

    def agreed_by(role: Role):
        # An agreement taken back no longer counts.
        return exists().where(
            PlanAgreement.plan_id == Plan.id, PlanAgreement.role == role.value, PlanAgreement.withdrawn_at.is_(None)
        )

    plans, by_person, together = _run(
        select(
            func.count(Plan.id),
            _count(agreed_by(Role.INDIVIDUAL)),
            _count(and_(agreed_by(Role.INDIVIDUAL), agreed_by(Role.ADVOCATE))),
        ).where(scope.covers(Plan.person_id), Plan.status == PlanStatus.ACTIVE)
    ).one()
    figures.active_plans, figures.plans_agreed_by_person, figures.plans_agreed_together = plans, by_person, together
    held, with_due, on_time = _run(
        select(
            func.count(Review.id),
            _count(Review.due_date.is_not(None)),
            _count(and_(Review.due_date.is_not(None), Review.held_on <= Review.due_date)),
        ).where(_of_plans_in(Review.plan_id, scope), _in_period(Review.held_on, period, moments=False))
    ).one()
    figures.reviews_held, figures.reviews_with_due_date, figures.reviews_on_time = held, with_due, on_time
    return figures


def organisations() -> list[tuple[int, str]]:
    """The organisations a coordinator may choose between: every one in the directory (an advocacy service's
    people are those its advocates work with; a service provider's, those referred to it)."""
    return list(_run(select(Organisation.id, Organisation.name).order_by(Organisation.name, Organisation.id)))
