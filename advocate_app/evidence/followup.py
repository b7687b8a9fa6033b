"""Reports against a locked evaluation plan: exactly its measures, at its follow-up points, with follow-up
completeness and missing data stated.

Everything is worked out in two steps. ``follow_up_rows`` gives one row per person, follow-up point and
measure (per need domain for distance travelled): whether the person was due, whether the measure was
recorded within its window, and the values. ``summarise`` adds those rows up into the report. The export
ships the same rows (``follow_up.csv``), so every figure of a report can be made again from the export by
adding up its rows the way ``summarise`` does. Six queries whatever the number of people.
"""

from __future__ import annotations

import calendar
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache

from sqlalchemy import DateTime, Select, String, func, select, type_coerce

from advocate_app.clock import LOCAL_ZONE
from advocate_app.evidence import evaluation, queries
from advocate_app.evidence.disclosure import Protected, Table, protect
from advocate_app.evidence.models import EvaluationPlan
from advocate_app.evidence.period import add_months, month_key, uk_day
from advocate_app.plans.models import CheckIn, GoalStatus, ItemKind, Plan, PlanItem, RatedBy, StepOwner
from advocate_app.referrals.models import Referral, ReferralEvent, ReferralStatus

PLAN_COHORT = "plan"
BASELINE_COHORT = "baseline"
# The person's own ratings and those agreed together: the advocate's view alone is not the person's outcome.
OWN_RATINGS = (RatedBy.PERSON, RatedBy.TOGETHER)
PEOPLE_MEASURES = {
    "goals_achieved": "goals",
    "referral_engaged": "engaged",
    "referral_completed": "completed",
}
COLUMNS = (
    "person",
    "cohort",
    "plan_started",
    "follow_up_months",
    "measure",
    "domain",
    "due",
    "recorded",
    "value_start",
    "value",
)


def months_after(day: date, months: int) -> date:
    """The same day ``months`` later (the month's last day when it is shorter)."""
    first = add_months(day.replace(day=1), months)
    return first.replace(day=min(day.day, calendar.monthrange(first.year, first.month)[1]))


def _starts_at(day: date) -> datetime:
    return datetime.combine(day, time(), LOCAL_ZONE).astimezone(UTC)


@dataclass
class _Person:
    start: date
    check_ins: dict[str, list[tuple[date, int, int]]] = field(default_factory=lambda: defaultdict(list))
    goals: list[tuple[date, date | None]] = field(default_factory=list)  # (set on, achieved on)
    referrals: list[tuple[date, date | None, date | None]] = field(default_factory=list)  # sent, engaged, completed
    steps: list[tuple[date, bool]] = field(default_factory=list)  # (added on, the person does it)
    points: dict[int, date] = field(default_factory=dict)  # months after the start → that day, worked out once

    def point(self, months: int) -> date:
        if months not in self.points:
            self.points[months] = months_after(self.start, months)
        return self.points[months]


def _cohort(plan: EvaluationPlan, first_month: date, last_month: date) -> tuple[dict[int, _Person], Select]:
    """The people whose first plan started in the months given, in the plan's organisation (one query), and
    the query of their ids, for the queries of their records to select by (a list of thousands of ids cost
    more to send than the query took to run)."""
    people = queries.partnership_people(plan.organisation_id)
    first_plan = select(Plan.person_id, func.min(Plan.created_at).label("started")).group_by(Plan.person_id)
    if people is not None:
        first_plan = first_plan.where(Plan.person_id.in_(people))
    first_plan = first_plan.subquery()
    chosen = select(first_plan.c.person_id, first_plan.c.started).where(
        first_plan.c.started >= _starts_at(first_month),
        first_plan.c.started < _starts_at(add_months(last_month, 1)),
    )
    rows = queries._run(chosen)
    cohort = {person_id: _Person(start=uk_day(_aware(started))) for person_id, started in rows}
    return cohort, select(chosen.subquery().c.person_id)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _day(moment: datetime | None) -> date | None:
    # The UK day is the same through any hour of UTC (the clocks change on the hour): each hour is looked up
    # once, not each of the hundreds of thousands of moments a report reads.
    return None if moment is None else _uk_day_of_hour(int(_aware(moment).timestamp()) // 3600)


@lru_cache(maxsize=65536)
def _uk_day_of_hour(hour: int) -> date:
    return uk_day(datetime.fromtimestamp(hour * 3600, UTC))


def _moment(column):
    """A timestamp column read as the driver gives it (``_day`` makes it aware): the column type's own reading,
    for every one of tens of thousands of rows, cost more than the query."""
    return type_coerce(column, DateTime(timezone=True))


def _code(column):
    """An enumerated column read as its stored text (compared with the enum's values)."""
    return type_coerce(column, String)


def _load(people: dict[int, _Person], ids: Select) -> None:
    """Check-ins, goals, referrals and steps of ``people``, whose ids ``ids`` selects (four queries, their rows
    fetched whole: row by row cost more than the queries)."""
    if not people:
        return
    for person_id, domain, taken_on, score, check_in_id in _all(
        select(CheckIn.person_id, CheckIn.domain, CheckIn.taken_on, CheckIn.score, CheckIn.id).where(
            CheckIn.person_id.in_(ids), CheckIn.rated_by.in_(OWN_RATINGS)
        )
    ):
        people[person_id].check_ins[domain].append((taken_on, check_in_id, score))
    for person_id, kind, created, status, changed, owner in _all(
        select(
            Plan.person_id,
            _code(PlanItem.kind),
            _moment(PlanItem.created_at),
            _code(PlanItem.goal_status),
            _moment(PlanItem.changed_at),
            _code(PlanItem.owner),
        )
        .join(Plan, Plan.id == PlanItem.plan_id)
        .where(Plan.person_id.in_(ids), PlanItem.kind.in_((ItemKind.GOAL, ItemKind.STEP)))
    ):
        if kind == ItemKind.GOAL.value:
            achieved = _day(changed) if status == GoalStatus.ACHIEVED.value else None
            people[person_id].goals.append((_day(created), achieved))
        else:
            people[person_id].steps.append((_day(created), owner == StepOwner.ME.value))
    reached: dict[tuple[int, ReferralStatus], datetime] = {}
    for referral_id, status, at in _all(
        select(ReferralEvent.referral_id, ReferralEvent.status, func.min(_moment(ReferralEvent.at)))
        .join(Referral, Referral.id == ReferralEvent.referral_id)
        .where(
            Referral.person_id.in_(ids),
            ReferralEvent.status.in_((ReferralStatus.ENGAGED, ReferralStatus.COMPLETED)),
        )
        .group_by(ReferralEvent.referral_id, ReferralEvent.status)
    ):
        reached[(referral_id, ReferralStatus(status))] = at
    for referral_id, person_id, sent in _all(
        select(Referral.id, Referral.person_id, _moment(Referral.created_at)).where(Referral.person_id.in_(ids))
    ):
        engaged = reached.get((referral_id, ReferralStatus.ENGAGED))
        completed = reached.get((referral_id, ReferralStatus.COMPLETED))
        people[person_id].referrals.append((_day(sent), _day(engaged), _day(completed)))


def _all(statement) -> list:
    return queries._run(statement).all()


def _nearest(readings: list[tuple[date, int, int]], day: date, window: int) -> int | None:
    """The score taken nearest ``day`` within ``window`` days either side (the earlier on a tie)."""
    inside = [r for r in readings if abs((r[0] - day).days) <= window]
    if not inside:
        return None
    return min(inside, key=lambda r: (abs((r[0] - day).days), r[0], r[1]))[2]


def _latest(readings: list[tuple[date, int, int]], day: date, window: int) -> int | None:
    """The latest score within ``window`` days either side of ``day``."""
    inside = [r for r in readings if abs((r[0] - day).days) <= window]
    return max(inside, key=lambda r: (r[0], r[1]))[2] if inside else None


def _person_rows(person: _Person, measure: str, months: int, window: int, today: date) -> list[dict]:
    """The rows of one person at one follow-up point for one measure (without who and which cohort)."""
    point = person.point(months)
    due = point + timedelta(days=window) < today
    base = {"follow_up_months": months, "measure": measure, "domain": "", "due": "yes" if due else "no"}
    if not due:
        return [{**base, "recorded": "", "value_start": "", "value": ""}]
    if measure == "distance_travelled":
        rows = []
        for domain in sorted(person.check_ins):
            readings = person.check_ins[domain]
            first, latest = _nearest(readings, person.start, window), _latest(readings, point, window)
            if first is not None and latest is not None:
                rows.append({**base, "domain": domain, "recorded": "yes", "value_start": first, "value": latest})
        return rows or [{**base, "recorded": "no", "value_start": "", "value": ""}]
    if measure == "goals_achieved":
        whole = sum(1 for set_on, _ in person.goals if set_on <= point)
        part = sum(1 for set_on, achieved in person.goals if set_on <= point and achieved and achieved <= point)
    elif measure in ("referral_engaged", "referral_completed"):
        index = 1 if measure == "referral_engaged" else 2
        whole = sum(1 for r in person.referrals if r[0] <= point)
        part = sum(1 for r in person.referrals if r[0] <= point and r[index] is not None and r[index] <= point)
    else:  # actions_with_person
        whole = sum(1 for added, _ in person.steps if added <= point)
        part = sum(1 for added, by_person in person.steps if added <= point and by_person)
    if not whole:
        return [{**base, "recorded": "no", "value_start": "", "value": ""}]
    return [{**base, "recorded": "yes", "value_start": whole, "value": part}]


def cohorts(plan: EvaluationPlan) -> list[tuple[str, date, date]]:
    """(cohort, first month, last month): the plan's people, and the baseline's when the plan names one."""
    result = [(PLAN_COHORT, plan.cohort_from, plan.cohort_to)]
    if plan.baseline_months:
        result.append(
            (
                BASELINE_COHORT,
                add_months(plan.cohort_from, -plan.baseline_months),
                add_months(plan.cohort_from, -1),
            )
        )
    return result


def follow_up_rows(plan: EvaluationPlan, today: date) -> list[dict]:
    """One row per person, cohort, follow-up point and measure (and domain), with the person's record id in
    ``person`` (the export puts a pseudonym in its place)."""
    rows = []
    measures, points = evaluation.measures_of(plan), evaluation.points_of(plan)
    for cohort, first, last in cohorts(plan):
        people, ids = _cohort(plan, first, last)
        _load(people, ids)
        for person_id in sorted(people):
            person = people[person_id]
            started = month_key(person.start)
            for measure in measures:
                for months in points:
                    for row in _person_rows(person, measure, months, plan.window_days, today):
                        rows.append({"person": person_id, "cohort": cohort, "plan_started": started, **row})
    return rows


# Adding the rows up ------------------------------------------------------------------------------


@dataclass
class Completeness:
    due: int = 0
    recorded: int = 0

    @property
    def missing(self) -> int:
        return self.due - self.recorded


@dataclass
class DomainFigures:
    people: int = 0
    better: int = 0
    same: int = 0
    worse: int = 0
    changes: list[int] = field(default_factory=list)

    @property
    def mean_change(self) -> float | None:
        return round(statistics.fmean(self.changes), 1) if self.changes else None


@dataclass
class PointFigures:
    """One measure at one follow-up point for one cohort."""

    completeness: Completeness = field(default_factory=Completeness)
    not_yet_due: int = 0
    domains: dict[str, DomainFigures] = field(default_factory=dict)
    reached: int = 0  # people measures: recorded people with at least one (goal achieved, referral engaged…)
    whole: int = 0  # actions: steps
    part: int = 0  # actions: steps the person does


def summarise(rows: list[dict]) -> dict[tuple[str, str, int], PointFigures]:
    """The report's figures by (cohort, measure, follow-up months), from the rows of ``follow_up_rows`` (or of
    the export's ``follow_up.csv``, read back with numbers as numbers)."""
    figures: dict[tuple[str, str, int], PointFigures] = defaultdict(PointFigures)
    seen: dict[tuple, set] = defaultdict(set)
    for row in rows:
        key = (row["cohort"], row["measure"], int(row["follow_up_months"]))
        point = figures[key]
        person = row["person"]
        if row["due"] != "yes":
            point.not_yet_due += 1
            continue
        if person not in seen[(*key, "due")]:
            seen[(*key, "due")].add(person)
            point.completeness.due += 1
        if row["recorded"] != "yes":
            continue
        if person not in seen[(*key, "recorded")]:
            seen[(*key, "recorded")].add(person)
            point.completeness.recorded += 1
        start, value = int(row["value_start"]), int(row["value"])
        if row["measure"] == "distance_travelled":
            domain = point.domains.setdefault(row["domain"], DomainFigures())
            change = value - start
            domain.people += 1
            domain.changes.append(change)
            domain.better += change > 0
            domain.same += change == 0
            domain.worse += change < 0
        elif row["measure"] == "actions_with_person":
            point.whole += start
            point.part += value
        else:
            point.reached += value > 0
    return dict(figures)


def table_of(figures: dict[tuple[str, str, int], PointFigures]) -> Table:
    """Every count the report shows, with the sums a reader can see between them."""
    table = Table()
    for (cohort, measure, months), point in figures.items():
        key = (cohort, measure, months)
        table.add((*key, "due"), point.completeness.due)
        table.add((*key, "recorded"), point.completeness.recorded)
        table.add((*key, "missing"), point.completeness.missing)
        table.add((*key, "not_yet_due"), point.not_yet_due)
        table.sums((*key, "due"), [(*key, "recorded"), (*key, "missing")])
        if measure == "distance_travelled":
            if len(point.domains) == 1:  # one need alone: its people are the people recorded
                table.sums((*key, "recorded"), [(*key, next(iter(point.domains)), "people")])
            for domain, d in point.domains.items():
                row = (*key, domain)
                for column in ("people", "better", "same", "worse"):
                    table.add((*row, column), getattr(d, column))
                table.sums((*row, "people"), [(*row, c) for c in ("better", "same", "worse")])
        elif measure == "actions_with_person":
            table.add((*key, "steps"), point.whole)
            table.add((*key, "with_person"), point.part)
            table.add((*key, "without_person"), point.whole - point.part)
            table.sums((*key, "steps"), [(*key, "with_person"), (*key, "without_person")])
        else:
            table.add((*key, "reached"), point.reached)
            table.add((*key, "not_reached"), point.completeness.recorded - point.reached)
            table.sums((*key, "recorded"), [(*key, "reached"), (*key, "not_reached")])
    return table


@dataclass
class Report:
    """A report against a locked plan: its figures, what of them may be shown, and the plan's versions."""

    plan: EvaluationPlan
    today: date
    rows: list[dict]
    figures: dict[tuple[str, str, int], PointFigures]
    table: Table
    cells: Protected
    intact: bool

    def count(self, *cell) -> int | None:
        return self.cells.shown(cell)

    def share(self, part: tuple, whole: tuple) -> int | None:
        """A whole percentage of two shown counts, or None when either is withheld."""
        shown_part, shown_whole = self.cells.shown(part), self.cells.shown(whole)
        if shown_part is None or shown_whole is None or not shown_whole:
            return None
        return round(100 * shown_part / shown_whole)

    def point(self, cohort: str, measure: str, months: int) -> PointFigures:
        return self.figures.get((cohort, measure, months), PointFigures())

    def mean_change(self, cohort: str, months: int, domain: str) -> float | None:
        """A domain's average change, when at least the plan's smallest number of people are behind it."""
        d = self.point(cohort, "distance_travelled", months).domains.get(domain)
        return d.mean_change if d is not None and d.people >= self.plan.min_cell else None

    def domains(self, months: int) -> list[str]:
        """The need domains with any figure at a point, in either cohort."""
        found = set()
        for cohort, _first, _last in cohorts(self.plan):
            found.update(self.point(cohort, "distance_travelled", months).domains)
        return sorted(found)


def report(plan: EvaluationPlan, today: date) -> Report:
    """The report of a locked plan, as of ``today``.

    :raises evaluation.NotLocked: for a draft.
    """
    if plan.locked_at is None:
        raise evaluation.NotLocked
    queries.without_jit()
    rows = follow_up_rows(plan, today)
    figures = summarise(rows)
    for cohort, _first, _last in cohorts(plan):  # a cohort with nobody in it still has its (empty) tables
        for measure in evaluation.measures_of(plan):
            for months in evaluation.points_of(plan):
                figures.setdefault((cohort, measure, months), PointFigures())
    table = table_of(figures)
    return Report(
        plan=plan,
        today=today,
        rows=rows,
        figures=figures,
        table=table,
        cells=protect(table, plan.min_cell),
        intact=evaluation.intact(plan),
    )
