"""The anonymised export for evaluators: CSV files, a data dictionary and ``datapackage.json``, in a zip or a
folder.

What goes out: a pseudonymous id per person (``pseudonyms``), codes, scores, counts and months. What
never goes out: names, phone numbers, dates of birth, areas, any free text (plan entries, notes,
reasons), or a day of the month. Ages are bands at the end of the period. In the person-level files
the columns that say who or when (age band, language, months, organisation and service) are checked
value by value: a value that fewer than ``MIN_CELL`` people share is replaced by ``suppressed``. In
the summary files any count from 1 to ``MIN_CELL - 1`` is suppressed, with the complementary counts that
keep it from being worked out from a total (the same protected table as the dashboard's, ``tables``), and
so is any average, median or share worked out from fewer than ``MIN_CELL`` people or referrals. Every
file is written by the one CSV writer (``advocate_app.spreadsheets``).
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import String, and_, case, func, select, type_coerce
from sqlalchemy.orm import aliased

from advocate_app.accounts.models import Role
from advocate_app.directory.models import Organisation, Service
from advocate_app.evidence import partnership, pseudonyms, queries, side_by_side, sql_time, tables
from advocate_app.evidence.dictionary import COLUMNS, DICTIONARY_FILE, FILES, describe_rows
from advocate_app.evidence.disclosure import MIN_CELL, Protected
from advocate_app.evidence.package import PACKAGE_FILE, SUPPRESSED, FileSet, descriptor
from advocate_app.evidence.period import Period, month_key
from advocate_app.people.models import Person
from advocate_app.plans.models import CheckIn, ItemKind, Plan, PlanAgreement, PlanItem, PlanStatus, Review
from advocate_app.referrals.models import Referral
from advocate_app.spreadsheets import csv_text
from advocate_app.team import evidence as team_evidence
from advocate_app.team import verdicts

AGE_BANDS = (
    (0, 17, "under 18"),
    (18, 24, "18-24"),
    (25, 34, "25-34"),
    (35, 44, "35-44"),
    (45, 54, "45-54"),
    (55, 64, "55-64"),
    (65, 200, "65 and over"),
)
# Columns of the person-level files that could help single someone out, checked value by value.
QUASI_IDENTIFIERS = {
    "people.csv": ("age_band", "language", "case_status", "case_opened", "case_closed"),
    "check_ins.csv": ("month",),
    "plan_entries.csv": ("month_written", "step_due_month"),
    "reviews.csv": ("due_month", "held_month"),
    "referrals.csv": ("organisation", "service", "sent_month"),
}


def age_band(born: date | None, on: date) -> str:
    """An age band on a day, or "unknown"."""
    if born is None:
        return "unknown"
    age = on.year - born.year - ((on.month, on.day) < (born.month, born.day))
    for low, high, name in AGE_BANDS:
        if low <= age <= high:
            return name
    return "unknown"


def _yes_no(value: bool | None) -> str:
    return "" if value is None else ("yes" if value else "no")


def suppress_rare(rows: list[dict], columns: tuple[str, ...], minimum: int = MIN_CELL) -> list[dict]:
    """Replace each value of ``columns`` shared by fewer than ``minimum`` people (by ``person``) with SUPPRESSED."""
    people = [row["person"] for row in rows]
    for column in columns:
        values = [row[column] for row in rows]
        rows_with = Counter(values)
        rare = {value for value, count in rows_with.items() if count < minimum}  # too few rows, so too few people
        # The others: look for ``minimum`` different people with each, and stop looking once every one has them.
        looking = {value: set() for value, count in rows_with.items() if count >= minimum}
        for value, person in zip(values, people, strict=True):
            found = looking.get(value)
            if found is not None:
                found.add(person)
                if len(found) >= minimum:
                    del looking[value]
                    if not looking:
                        break
        rare.update(looking)
        if rare:
            for row, value in zip(rows, values, strict=True):
                if value in rare:
                    row[column] = SUPPRESSED
    return rows


@dataclass
class Export(FileSet):
    """The files of one export, by name, each a header and rows in the dictionary's column order."""

    period: Period
    files: dict[str, list[dict]]
    # Files already written out as CSV by ``build``, by name; the rows above are not to be changed after.
    written: dict[str, str] = field(default_factory=dict)

    def csv_text(self, name: str) -> str:
        if name in self.written:
            return self.written[name]
        return csv_text(COLUMNS[name], self.files[name])

    def names(self) -> list[str]:
        return [*self.files, DICTIONARY_FILE, PACKAGE_FILE]

    def text_of(self, name: str) -> str:
        if name == PACKAGE_FILE:
            files = {
                **FILES,
                DICTIONARY_FILE: (
                    "the data dictionary: every file and column of the export and what it means",
                    [
                        ("file", "the file"),
                        ("column", "the column; empty for the file's own line"),
                        ("meaning", "what it means"),
                    ],
                ),
            }
            title = f"Anonymised evidence export, {self.period.label}"
            return json.dumps(descriptor(title, files), indent=2, ensure_ascii=False) + "\n"
        if name == DICTIONARY_FILE:
            return csv_text(["file", "column", "meaning"], describe_rows())
        return self.csv_text(name)

    @property
    def folder(self) -> str:
        return f"evidence-{month_key(self.period.first)}-to-{month_key(self.period.last)}"


class _Months(dict):
    """``YYYY-MM`` of each day (``month_key``), worked out once per day however many rows fall on it. Moments come
    as their UK day from the database (``sql_time.uk_date``): cheaper there than the month as text."""

    def __missing__(self, day: date | None) -> str:
        key = self[day] = month_key(day)
        return key


def _text(column):
    """A column as the text stored (an enumeration's value, as ``.value`` would give it), without the conversion to
    and from the enumeration for every row."""
    return type_coerce(column, String())


def _people_rows(scope: queries.Scope, key: bytes) -> tuple[list[dict], dict[int, str]]:
    """The people of the export, and each one's pseudonym by record id (worked out once per person)."""
    period = scope.period
    # Who has agreed each person's current plan; an agreement taken back no longer counts.
    agreed = (
        select(
            Plan.person_id,
            func.max(case((PlanAgreement.role == Role.INDIVIDUAL.value, 1), else_=0)).label("by_person"),
            func.max(case((PlanAgreement.role == Role.ADVOCATE.value, 1), else_=0)).label("by_advocate"),
        )
        .join(PlanAgreement, PlanAgreement.plan_id == Plan.id)
        .where(Plan.status == PlanStatus.ACTIVE, PlanAgreement.withdrawn_at.is_(None))
        .group_by(Plan.person_id)
        .subquery()
    )
    rows = queries._rows(
        select(
            Person.id,
            Person.date_of_birth,
            Person.language,
            _text(Person.status),
            sql_time.uk_date(Person.created_at),
            sql_time.uk_date(Person.closed_at),
            agreed.c.by_person,
            agreed.c.by_advocate,
        )
        .outerjoin(agreed, agreed.c.person_id == Person.id)
        .where(
            scope.covers(Person.id),
            Person.created_at < period.ends_at,
            (Person.closed_at.is_(None)) | (Person.closed_at >= period.starts_at),
        )
        .order_by(Person.id)
    )
    last_day = period.end.fromordinal(period.end.toordinal() - 1)
    pseudonym = pseudonyms.maker(key)
    months = _Months()
    result, ids = [], {}
    for person_id, born, language, status, opened, closed, agreed_person, agreed_advocate in rows:
        ids[person_id] = pseudonym(person_id)
        result.append(
            {
                "person": ids[person_id],
                "age_band": age_band(born, last_day),
                "language": language or "",
                "case_status": status,
                "case_opened": months[opened],
                "case_closed": months[closed],
                "plan_agreed_by_person": _yes_no(bool(agreed_person)),
                "plan_agreed_by_advocate": _yes_no(bool(agreed_advocate)),
            }
        )
    return result, ids


def _check_in_rows(scope: queries.Scope, ids: dict[int, str]) -> list[dict]:
    period = scope.period
    rows = queries._rows(
        select(CheckIn.person_id, CheckIn.domain, _text(CheckIn.rated_by), CheckIn.taken_on, CheckIn.score)
        .where(scope.covers(CheckIn.person_id), CheckIn.taken_on >= period.first, CheckIn.taken_on < period.end)
        .order_by(CheckIn.person_id, CheckIn.taken_on, CheckIn.id)
    )
    months = _Months()
    return [
        {"person": ids[person_id], "domain": domain, "rated_by": rated_by, "month": months[taken_on], "score": score}
        for person_id, domain, rated_by, taken_on, score in rows
        if person_id in ids
    ]


def _entry_rows(scope: queries.Scope, ids: dict[int, str]) -> list[dict]:
    period = scope.period
    parent = aliased(PlanItem)
    grandparent = aliased(PlanItem)
    rows = queries._rows(
        select(
            Plan.person_id,
            _text(PlanItem.kind),
            func.coalesce(PlanItem.domain, parent.domain, grandparent.domain),
            _text(PlanItem.voice),
            PlanItem.author_role,
            sql_time.uk_date(PlanItem.created_at),
            _text(PlanItem.goal_status),
            _text(PlanItem.owner),
            PlanItem.due_date,
            case((PlanItem.done_at.is_not(None), 1), else_=0),
            # Done on or before its day in the UK (no answer without both a day and a moment done).
            case((sql_time.uk_date(PlanItem.done_at) <= PlanItem.due_date, 1), else_=0),
        )
        .join(Plan, Plan.id == PlanItem.plan_id)
        .outerjoin(parent, parent.id == PlanItem.parent_id)
        .outerjoin(grandparent, grandparent.id == parent.parent_id)
        .where(
            scope.covers(Plan.person_id),
            PlanItem.created_at >= period.starts_at,
            PlanItem.created_at < period.ends_at,
        )
        .order_by(Plan.person_id, PlanItem.id)
    )
    months = _Months()
    step = ItemKind.STEP.value
    yes_no = {0: "no", 1: "yes"}
    result = []
    for person_id, kind, domain, voice, author_role, written, goal_status, owner, due, done, on_time in rows:
        if person_id not in ids:
            continue
        is_step = kind == step
        result.append(
            {
                "person": ids[person_id],
                "kind": kind,
                "domain": domain or "",
                "voice": voice,
                "written_by": author_role,
                "month_written": months[written],
                "goal_status": goal_status or "",
                "step_owner": owner or "",
                "step_due_month": months[due],
                "step_done": yes_no[done] if is_step else "",
                "step_done_on_time": yes_no[on_time] if is_step and due and done else "",
            }
        )
    return result


def _review_rows(scope: queries.Scope, ids: dict[int, str]) -> list[dict]:
    period = scope.period
    rows = queries._rows(
        select(Plan.person_id, Review.due_date, Review.held_on)
        .join(Plan, Plan.id == Review.plan_id)
        .where(scope.covers(Plan.person_id), Review.held_on >= period.first, Review.held_on < period.end)
        .order_by(Plan.person_id, Review.held_on)
    )
    months = _Months()
    return [
        {
            "person": ids[person_id],
            "due_month": months[due],
            "held_month": months[held],
            "held_on_time": _yes_no(held <= due) if due else "",
        }
        for person_id, due, held in rows
        if person_id in ids
    ]


def _referral_rows(scope: queries.Scope, ids: dict[int, str]) -> list[dict]:
    """One row per referral sent in the period: the database works out its UK day, how long the answer took and
    whether it came by the reply date, and the outcomes it reached."""
    answered = Referral.responded_at.is_not(None)
    rows = queries._rows(
        select(
            Referral.person_id,
            Organisation.name,
            Service.name,
            _text(Referral.urgency),
            sql_time.uk_date(Referral.created_at),
            _text(Referral.status),
            _text(Referral.decline_reason),
            sql_time.microseconds_between(Referral.created_at, Referral.responded_at),
            case((and_(answered, sql_time.uk_date(Referral.responded_at) <= Referral.respond_by), 1), else_=0),
            *(case((partnership.reached(status), 1), else_=0) for status in partnership.OUTCOME_STATUSES),
        )
        .join(Organisation, Organisation.id == Referral.organisation_id)
        .join(Service, Service.id == Referral.service_id)
        .where(scope.covers(Referral.person_id), queries._in_period(Referral.created_at, scope.period, moments=True))
        .order_by(Organisation.name, Service.name, Referral.id)
    )
    months = _Months()
    yes_no = {0: "no", 1: "yes"}
    result = []
    for person_id, org, service, urgency, sent, status, reason, waited, in_time, *reached in rows:
        if person_id not in ids:
            continue
        engaged, completed, did_not_engage = reached
        result.append(
            {
                "person": ids[person_id],
                "organisation": org,
                "service": service,
                "urgency": urgency,
                "sent_month": months[sent],
                "status": status,
                "decline_reason": reason or "",
                # As timedelta.total_seconds() / 86400 of the moments themselves.
                "days_to_answer": "" if waited is None else round(waited / 10**6 / 86400),
                "answered_by_reply_date": "" if waited is None else yes_no[in_time],
                "engaged": yes_no[engaged],
                "completed": yes_no[completed],
                "did_not_engage": yes_no[did_not_engage],
            }
        )
    return result


def _withheld(cells: Protected, cell: tuple) -> int | str:
    value = cells.shown(cell)
    return SUPPRESSED if value is None else value


def _distance_rows(figures: tables.Figures, cells: Protected) -> list[dict]:
    rows = []
    for spread in figures.distance:
        key = ("distance", spread.domain, spread.rated_by.value)
        enough = spread.people >= MIN_CELL
        averages = {
            name: getattr(spread, name) if enough else SUPPRESSED
            for name in (
                "mean_first",
                "mean_latest",
                "mean_change",
                "median_change",
                "lower_quartile",
                "upper_quartile",
            )
        }
        rows.append(
            {
                "domain": spread.domain,
                "rated_by": spread.rated_by.value,
                "people": _withheld(cells, (*key, "people")),
                **averages,
                **{name: _withheld(cells, (*key, name)) for name in ("better", "same", "worse")},
            }
        )
    return rows


def _loop_rows(figures: tables.Figures, cells: Protected) -> list[dict]:
    rows = []
    for index, service in enumerate(figures.loop.services):
        key = ("loop", "service", index)
        row = {"organisation": service.organisation, "service": service.service}
        for column in ("sent", "accepted", "declined", *tables.REASON_COLUMNS):
            row[column] = _withheld(cells, (*key, column))
        row["median_days_to_answer"] = service.median_days if service.answered >= MIN_CELL else SUPPRESSED
        share_hidden = cells.shown((*key, "answered_in_time")) is None or service.due_for_answer < MIN_CELL
        row["answered_by_reply_date_percent"] = SUPPRESSED if share_hidden else service.in_time_percent
        for column in tables.OUTCOME_COLUMNS:
            row[column] = _withheld(cells, (*key, column))
        rows.append(row)
    return rows


def _unmet_rows(figures: tables.Figures, cells: Protected) -> list[dict]:
    # By need only: the area is typed freely, so it stays on the dashboard and out of the export.
    return [
        {
            "domain": row.domain,
            "needs": _withheld(cells, ("unmet", row.domain, "needs")),
            "with_accepted_referral": _withheld(cells, ("unmet", row.domain, "met")),
            "without_accepted_referral": _withheld(cells, ("unmet", row.domain, "unmet")),
        }
        for row in figures.unmet_by_domain
    ]


def _person_file(name: str, rows: list[dict]) -> tuple[list[dict], str]:
    """A file with a row per person or per record of a person, finished: its rare values withheld, written out."""
    suppress_rare(rows, QUASI_IDENTIFIERS[name])
    return rows, csv_text(COLUMNS[name], rows)


def build(scope: queries.Scope, key: bytes) -> Export:
    """Every file of the export for the people and period of ``scope``, in a fixed number of queries.

    Once the people are read, the summary figures and each file with a row per check-in, entry, review or
    referral are made at once, from the same snapshot (``side_by_side``), each file finished and written out in
    its own thread: while one waits for PostgreSQL, another turns its rows into the file."""
    people, ids = _people_rows(scope, key)
    figures, *person_files = side_by_side.run(
        lambda: tables.figures_for(scope),
        lambda: _person_file("people.csv", people),
        lambda: _person_file("check_ins.csv", _check_in_rows(scope, ids)),
        lambda: _person_file("plan_entries.csv", _entry_rows(scope, ids)),
        lambda: _person_file("reviews.csv", _review_rows(scope, ids)),
        lambda: _person_file("referrals.csv", _referral_rows(scope, ids)),
    )
    names = tuple(QUASI_IDENTIFIERS)  # the person files: the only ones with values rare enough to single out
    _table, cells = tables.protected(figures, MIN_CELL)
    files = {
        **{name: rows for name, (rows, _written) in zip(names, person_files, strict=True)},
        "distance_travelled.csv": _distance_rows(figures, cells),
        "referral_loop.csv": _loop_rows(figures, cells),
        "unmet_need.csv": _unmet_rows(figures, cells),
        "verdicts.csv": verdicts.export_rows(scope),
        **team_evidence.export_files(scope),
    }
    written = {name: text for name, (_rows, text) in zip(names, person_files, strict=True)}
    return Export(period=scope.period, files=files, written=written)
