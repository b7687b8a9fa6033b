"""The evidence figures about people's plans, each from live data in a fixed number of queries whatever
the number of people (the referral loop and unmet need are in ``partnership``).

Every function takes a ``Scope``: which people count (a coordinator's organisation or the whole
partnership, or an advocate's own caseload, as ``scope_for`` decides through the policy) and the
period. Queries return small aggregates, or compact rows of numbers and codes when a median or a
spread is needed; nothing here loops over people with a query each.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import BigInteger, Select, and_, case, cast, func, or_, select, text, true

from advocate_app import db, policy
from advocate_app.accounts.models import Role, User
from advocate_app.directory.models import Organisation
from advocate_app.evidence import side_by_side, sql_time
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


def prepare() -> None:
    """Ready the session for the evidence queries, for the rest of the transaction (on PostgreSQL).

    No JIT (see ``without_jit``), and a plan made for each run's own values: the driver prepares a statement once
    it has run a few times, and PostgreSQL may then keep one generic plan for any values. For these queries,
    whose conditions on the period and today decide how the rows are counted, such plans measured up to two and
    a half times slower, while planning afresh takes under a millisecond.
    """
    connection = side_by_side.connection()
    if connection.dialect.name == "postgresql":
        connection.execute(text(side_by_side.EVIDENCE_SETTINGS))


def _run(statement):
    """Run a query of plain columns on the session's connection: the rows come back without the ORM's
    per-row bookkeeping, which costs more than the query itself when tens of thousands of rows come back.
    In ``side_by_side.run`` it is the thread's own connection. On SQLite the connection is first given the date
    functions of ``sql_time``."""
    connection = side_by_side.connection()
    sql_time.register(connection)
    return connection.execute(statement)


def _rows(statement, size: int = 100):
    """The rows of a query of plain columns (``_run``), fetched ``size`` at a time: quicker than one by one, and
    few held at once. Rows are objects the garbage collector follows: holding a thousand at a time set off its
    sweeps about three times as often as a hundred, and cost the export a fifth more time in them."""
    for partition in _run(statement).partitions(size):
        yield from partition


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


@dataclass
class _Changes:
    """The people of one domain and rater, counted by how far their score moved (latest minus first)."""

    people: dict[int, int] = field(default_factory=dict)  # change → people
    first_total: int = 0
    latest_total: int = 0


def _spread(domain: str, rated_by: RatedBy, moved: _Changes) -> Spread:
    changes = [change for change, people in sorted(moved.people.items()) for change in [change] * people]
    if len(changes) > 1:
        lower, _median, upper = statistics.quantiles(changes, n=4, method="inclusive")
    else:
        lower = upper = changes[0]
    people = len(changes)
    # The totals are whole numbers, so these are the very means statistics.fmean gives of the scores themselves.
    return Spread(
        domain=domain,
        rated_by=rated_by,
        people=people,
        mean_first=round(moved.first_total / people, 1),
        mean_latest=round(moved.latest_total / people, 1),
        mean_change=round((moved.latest_total - moved.first_total) / people, 1),
        median_change=round(statistics.median(changes), 1),
        lower_quartile=round(lower, 1),
        upper_quartile=round(upper, 1),
        lowest=changes[0],
        highest=changes[-1],
        better=sum(n for change, n in moved.people.items() if change > 0),
        same=moved.people.get(0, 0),
        worse=sum(n for change, n in moved.people.items() if change < 0),
    )


# A check-in's place in a person's journey as one number: its day, then its id (as the journey orders check-ins),
# then its score in the last two digits. The smallest of a person's is their first check-in, the largest their
# latest, and the remainder by 100 is that check-in's score: plain aggregates, no window to sort and number.
_ID_ROOM = 2**31  # above any id
_SCORE_ROOM = 100  # above any score (1 to 10)


def _journey_key():
    day = cast(sql_time.day_number(CheckIn.taken_on), BigInteger)
    return (day * _ID_ROOM + CheckIn.id) * _SCORE_ROOM + CheckIn.score


def first_and_latest(scope: Scope) -> list[tuple[str, RatedBy, int, int, int, int]]:
    """(domain, whose rating, change from first to latest score, how many people, the total of their first scores,
    the total of their latest) over every person, domain and rater with at least two check-ins in the period.

    One query, and at most 19 rows per domain and rater (changes from -9 to +9) however many people there are.
    """
    key = _journey_key()
    journeys = (
        select(
            CheckIn.domain,
            CheckIn.rated_by,
            (func.min(key) % _SCORE_ROOM).label("first"),
            (func.max(key) % _SCORE_ROOM).label("latest"),
        )
        .where(scope.covers(CheckIn.person_id), _in_period(CheckIn.taken_on, scope.period, moments=False))
        .group_by(CheckIn.person_id, CheckIn.domain, CheckIn.rated_by)
        .having(func.count(CheckIn.id) >= 2)
        .subquery()
    )
    change = (journeys.c.latest - journeys.c.first).label("change")
    query = select(
        journeys.c.domain,
        journeys.c.rated_by,
        change,
        func.count(),
        func.sum(journeys.c.first),
        func.sum(journeys.c.latest),
    ).group_by(journeys.c.domain, journeys.c.rated_by, change)
    return [
        (domain, RatedBy(rated_by), moved, people, int(firsts), int(latests))
        for domain, rated_by, moved, people, firsts, latests in _run(query).all()
    ]


def distance_travelled(scope: Scope) -> list[Spread]:
    """Per need domain and whose rating: first against latest check-in in the period, with the spread."""
    moved: dict[tuple[str, RatedBy], _Changes] = defaultdict(_Changes)
    for domain, rated_by, change, people, firsts, latests in first_and_latest(scope):
        entry = moved[(domain, rated_by)]
        entry.people[change] = people
        entry.first_total += firsts
        entry.latest_total += latests
    return [_spread(domain, rated_by, values) for (domain, rated_by), values in sorted(moved.items())]


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


def _of_plans_in(plan_id_column, scope: Scope):
    """A condition: the row belongs to a plan of someone in scope."""
    if scope.people is None:
        return true()
    return plan_id_column.in_(select(Plan.id).where(scope.covers(Plan.person_id)))


STEP_STANDINGS = ("on_time", "late", "not_done", "not_yet_due")


@dataclass
class EntryCounts:
    """Plan entries written in the period by kind, goal status and voice, and steps due in the period by where
    they stand (``STEP_STANDINGS``): what both the goals and the engagement figures read."""

    written: list[tuple[ItemKind, GoalStatus | None, Voice, int]]
    steps: Counter


def entry_counts(scope: Scope) -> EntryCounts:
    """Plan entries written in the period, and steps due in it by where they stand today. One query, one pass over
    the plan entries: a step is done on time when it was done on or before its day in the UK (the database
    works the day out), not yet due when its day is today or later and it is not done, and otherwise late or
    not done."""
    period = scope.period
    written = _in_period(PlanItem.created_at, period, moments=True)
    due = and_(PlanItem.kind == ItemKind.STEP, _in_period(PlanItem.due_date, period, moments=False))
    done = PlanItem.done_at.is_not(None)
    standing = case(
        (
            due,
            case(
                (and_(done, sql_time.uk_date(PlanItem.done_at) <= PlanItem.due_date), "on_time"),
                (PlanItem.due_date >= scope.today, "not_yet_due"),
                (done, "late"),
                else_="not_done",
            ),
        )
    )
    entries = (
        select(
            PlanItem.kind,
            PlanItem.goal_status,
            PlanItem.voice,
            case((written, 1), else_=0).label("written"),
            standing.label("standing"),
        )
        .where(_of_plans_in(PlanItem.plan_id, scope), or_(written, due))
        .subquery()
    )
    columns = (entries.c.kind, entries.c.goal_status, entries.c.voice, entries.c.written, entries.c.standing)
    counts = EntryCounts(written=[], steps=Counter())
    for kind, status, voice, is_written, step, count in _run(select(*columns, func.count()).group_by(*columns)).all():
        if is_written:
            counts.written.append((ItemKind(kind), GoalStatus(status) if status else None, Voice(voice), count))
        if step is not None:
            counts.steps[step] += count
    return counts


def goals_and_steps(scope: Scope, counts: EntryCounts | None = None) -> GoalFigures:
    """Goals set (and what became of them), and steps done on time. One query (none when ``counts``, from
    ``entry_counts``, is given)."""
    counts = entry_counts(scope) if counts is None else counts
    figures = GoalFigures(by_status={status: 0 for status in GoalStatus})
    for kind, status, _voice, count in counts.written:
        if kind is ItemKind.GOAL:
            figures.by_status[status or GoalStatus.NOT_STARTED] += count
    figures.steps_on_time = counts.steps["on_time"]
    figures.steps_late = counts.steps["late"]
    figures.steps_not_done = counts.steps["not_done"]
    figures.steps_not_yet_due = counts.steps["not_yet_due"]
    figures.steps_due = figures.steps_on_time + figures.steps_late + figures.steps_not_done
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


def engagement(scope: Scope, counts: EntryCounts | None = None) -> Engagement:
    """Entries by voice (from ``counts``, or one query of ``entry_counts``), and in one more query: check-ins,
    people open, plans agreed, reviews on time."""
    return with_entries(engagement_apart_from_entries(scope), entry_counts(scope) if counts is None else counts)


def with_entries(figures: Engagement, counts: EntryCounts) -> Engagement:
    """``figures`` with the entries written in the period, and those in the person's own words, from ``counts``."""
    for _kind, _status, voice, count in counts.written:
        figures.entries += count
        if voice is Voice.PERSON:
            figures.entries_in_own_words += count
    return figures


def engagement_apart_from_entries(scope: Scope) -> Engagement:
    """In one query: check-ins, people open, plans agreed, reviews on time (the entries are 0 until
    ``with_entries`` adds them)."""
    period = scope.period
    figures = Engagement(months=period.months)
    check_ins = (
        select(func.count(CheckIn.id).label("check_ins"))
        .where(scope.covers(CheckIn.person_id), _in_period(CheckIn.taken_on, period, moments=False))
        .subquery()
    )
    people = (
        select(func.count(Person.id).label("people"))
        .where(
            scope.covers(Person.id),
            Person.created_at < period.ends_at,
            (Person.closed_at.is_(None)) | (Person.closed_at >= period.starts_at),
        )
        .subquery()
    )
    # Who has agreed each plan; an agreement taken back no longer counts.
    agreed = (
        select(
            PlanAgreement.plan_id,
            func.max(case((PlanAgreement.role == Role.INDIVIDUAL.value, 1), else_=0)).label("by_person"),
            func.max(case((PlanAgreement.role == Role.ADVOCATE.value, 1), else_=0)).label("by_advocate"),
        )
        .where(PlanAgreement.withdrawn_at.is_(None))
        .group_by(PlanAgreement.plan_id)
        .subquery()
    )
    plans = (
        select(
            func.count(Plan.id).label("plans"),
            _count(agreed.c.by_person == 1).label("by_person"),
            _count(and_(agreed.c.by_person == 1, agreed.c.by_advocate == 1)).label("together"),
        )
        .outerjoin(agreed, agreed.c.plan_id == Plan.id)
        .where(scope.covers(Plan.person_id), Plan.status == PlanStatus.ACTIVE)
        .subquery()
    )
    reviews = (
        select(
            func.count(Review.id).label("held"),
            _count(Review.due_date.is_not(None)).label("with_due"),
            _count(and_(Review.due_date.is_not(None), Review.held_on <= Review.due_date)).label("on_time"),
        )
        .where(_of_plans_in(Review.plan_id, scope), _in_period(Review.held_on, period, moments=False))
        .subquery()
    )
    # Four single-row counts side by side: one round trip.
    (
        figures.check_ins,
        figures.people_open,
        figures.active_plans,
        figures.plans_agreed_by_person,
        figures.plans_agreed_together,
        figures.reviews_held,
        figures.reviews_with_due_date,
        figures.reviews_on_time,
    ) = _run(
        select(*check_ins.c, *people.c, *plans.c, *reviews.c).select_from(
            check_ins.join(people, true()).join(plans, true()).join(reviews, true())
        )
    ).one()
    return figures


def organisations() -> list[tuple[int, str]]:
    """The organisations a coordinator may choose between: every one in the directory (an advocacy service's
    people are those its advocates work with; a service provider's, those referred to it)."""
    return list(_run(select(Organisation.id, Organisation.name).order_by(Organisation.name, Organisation.id)))
