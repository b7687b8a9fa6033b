"""The team figures of the evidence dashboard and export: overlaps (a referral that would have put a second
organisation on a need, avoided or sent anyway) and the share of staff actions done with the person, per
organisation and per month — the figure the evaluation behind the app put at one in five.

The counts form one protected table (``evidence.disclosure``), with its own sums: overlaps = waited + replaced +
sent anyway, avoided = waited + replaced; an organisation's (and a month's) actions = with the person + about them,
and the whole = the sum over organisations = the sum over months. Shares are shown only when both counts are.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select

from advocate_app.directory.models import Organisation
from advocate_app.evidence.disclosure import MIN_CELL, Protected, Table, protect
from advocate_app.evidence.period import month_key, parse_month
from advocate_app.evidence.queries import Scope, _in_period, _run
from advocate_app.team.models import ContactRecord, OverlapChoice, OverlapDecision

NO_ORGANISATION = ""
SUPPRESSED = "suppressed"


@dataclass
class TeamFigures:
    """The counts before any is withheld."""

    overlaps: dict[OverlapChoice, int]
    by_organisation: dict[str, tuple[int, int]]  # organisation name → (with the person, about them)
    by_month: dict[str, tuple[int, int]]  # YYYY-MM → (with, about)

    @property
    def total(self) -> tuple[int, int]:
        return (sum(w for w, _a in self.by_month.values()), sum(a for _w, a in self.by_month.values()))


def team_figures(scope: Scope) -> TeamFigures:
    """The overlaps decided and the actions recorded in the period, for the people in scope, in two queries."""
    overlaps = dict.fromkeys(OverlapChoice, 0)
    for (choice,) in _run(
        select(OverlapDecision.choice).where(
            scope.covers(OverlapDecision.person_id),
            _in_period(OverlapDecision.decided_at, scope.period, moments=True),
        )
    ):
        overlaps[OverlapChoice(choice)] += 1
    by_organisation: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    by_month: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    rows = _run(
        select(ContactRecord.with_person, ContactRecord.at, Organisation.name)
        .outerjoin(Organisation, Organisation.id == ContactRecord.organisation_id)
        .where(scope.covers(ContactRecord.person_id), _in_period(ContactRecord.at, scope.period, moments=True))
    )
    for with_person, at, organisation in rows:
        column = 0 if with_person else 1
        by_organisation[organisation or NO_ORGANISATION][column] += 1
        by_month[month_key(at)][column] += 1
    return TeamFigures(
        overlaps=overlaps,
        by_organisation={name: tuple(v) for name, v in sorted(by_organisation.items())},
        by_month={month: tuple(v) for month, v in sorted(by_month.items())},
    )


def build(figures: TeamFigures) -> Table:
    """Every count keyed ``(section, …, column)``, with the sums a reader can see between them."""
    table = Table()
    for choice in OverlapChoice:
        table.add(("overlaps", choice.value), figures.overlaps[choice])
    table.add(("overlaps", "avoided"), figures.overlaps[OverlapChoice.WAIT] + figures.overlaps[OverlapChoice.REPLACE])
    table.add(("overlaps", "all"), sum(figures.overlaps.values()))
    table.sums(("overlaps", "avoided"), [("overlaps", "wait"), ("overlaps", "replace")])
    table.sums(("overlaps", "all"), [("overlaps", "avoided"), ("overlaps", "send_anyway")])
    for section, rows in (("contact-organisation", figures.by_organisation), ("contact-month", figures.by_month)):
        for key, (with_person, about) in rows.items():
            table.add((section, key, "with_person"), with_person)
            table.add((section, key, "about_person"), about)
            table.add((section, key, "actions"), with_person + about)
            table.sums((section, key, "actions"), [(section, key, "with_person"), (section, key, "about_person")])
    with_person, about = figures.total
    for column, value in (("with_person", with_person), ("about_person", about), ("actions", with_person + about)):
        table.add(("contact", column), value)
        for section, rows in (("contact-organisation", figures.by_organisation), ("contact-month", figures.by_month)):
            table.sums(("contact", column), [(section, key, column) for key in rows])
    table.sums(("contact", "actions"), [("contact", "with_person"), ("contact", "about_person")])
    return table


@dataclass
class TeamBoard:
    """The team figures as they may be shown."""

    figures: TeamFigures
    cells: Protected

    def count(self, *cell) -> int | None:
        return self.cells.shown(cell)

    @staticmethod
    def month_start(key: str):
        """The first day of a ``YYYY-MM`` month key, to name the month in the reader's language."""
        return parse_month(key)

    def actions(self, key: tuple) -> int | None:
        """A row's actions as they may be shown (None: withheld)."""
        return self.cells.shown((*key, "actions"))

    def share(self, key: tuple) -> int | None:
        """The whole percentage of actions done with the person for a row, or None when either count is withheld
        (or there were none)."""
        part, whole = self.cells.shown((*key, "with_person")), self.cells.shown((*key, "actions"))
        if part is None or whole is None or not whole:
            return None
        return round(100 * part / whole)


def board(scope: Scope, minimum: int = MIN_CELL) -> TeamBoard:
    """The team figures for ``scope`` with the small-number rule applied, in a fixed number of queries."""
    figures = team_figures(scope)
    return TeamBoard(figures=figures, cells=protect(build(figures), minimum))


def _shown(board_: TeamBoard, *cell) -> int | str:
    value = board_.count(*cell)
    return SUPPRESSED if value is None else value


def export_files(scope: Scope) -> dict[str, list[dict]]:
    """The export's two team files: overlaps by choice, and actions with and about the person by organisation and
    by month (counts withheld as on the dashboard)."""
    shown = board(scope)
    overlaps = [
        {"choice": choice.value, "referrals": _shown(shown, "overlaps", choice.value)} for choice in OverlapChoice
    ]
    contact = []
    for section, breakdown, rows in (
        ("contact-organisation", "organisation", shown.figures.by_organisation),
        ("contact-month", "month", shown.figures.by_month),
    ):
        for key in rows:
            share = shown.share((section, key))
            contact.append(
                {
                    "breakdown": breakdown,
                    "organisation": key if breakdown == "organisation" else "",
                    "month": key if breakdown == "month" else "",
                    "with_person": _shown(shown, section, key, "with_person"),
                    "about_person": _shown(shown, section, key, "about_person"),
                    "with_person_percent": SUPPRESSED if share is None else share,
                }
            )
    return {"overlaps.csv": overlaps, "direct_contact.csv": contact}


# The data dictionary's entries for the two files (``evidence.dictionary`` lists them with the others).
DICTIONARY = {
    "overlaps.csv": (
        "one row per choice made when a referral would have put a second organisation on a need another"
        " organisation was leading, decided in the period",
        [
            (
                "choice",
                "wait (the referral waits until the first organisation finishes), replace (the first"
                " organisation's referral was withdrawn) or send_anyway (both at once, with a reason); wait and"
                " replace are overlaps avoided",
            ),
            (
                "referrals",
                "how many times that choice was made; 'suppressed' when from 1 to 4, or to protect another"
                " suppressed count",
            ),
        ],
    ),
    "direct_contact.csv": (
        "actions by staff in the period (steps ticked off, notes, text-message tasks dealt with, organisations'"
        " updates on referrals), by whether they"
        " were done with the person (face to face, phone, text messages, in the app together) or about them"
        " (between professionals, meetings, paperwork): one row per organisation of the member of staff, then one"
        " per month",
        [
            ("breakdown", "organisation or month: which of the two the row counts by"),
            (
                "organisation",
                "the organisation of the member of staff who acted (organisation rows; empty when they belong to none)",
            ),
            ("month", "YYYY-MM (month rows)"),
            (
                "with_person",
                "actions done with the person" + "; 'suppressed' when from 1 to 4, or to protect another"
                " suppressed count",
            ),
            ("about_person", "actions done about the person; suppressed as with_person"),
            (
                "with_person_percent",
                "with_person as a whole percentage of all the row's actions; 'suppressed' when either count is",
            ),
        ],
    ),
}

FIELDS = {
    "choice": {"type": "string", "constraints": {"enum": [c.value for c in OverlapChoice]}},
    "referrals": {"type": "integer", "constraints": {"minimum": 0}},
    "breakdown": {"type": "string", "constraints": {"enum": ["organisation", "month"]}},
    "about_person": {"type": "integer", "constraints": {"minimum": 0}},
    "with_person_percent": {"type": "integer", "constraints": {"minimum": 0, "maximum": 100}, "unit": "%"},
}
