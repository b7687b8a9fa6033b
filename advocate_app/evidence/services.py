"""The outcomes dashboard put together: the figures of ``queries`` with their charts and words."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from babel import numbers
from flask_babel import format_date, format_decimal, format_percent, get_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from advocate_app.accounts.models import User
from advocate_app.audit.services import record as audit
from advocate_app.evidence import charts, disclosure, partnership, queries, tables
from advocate_app.evidence.period import Period
from advocate_app.i18n import text_direction
from advocate_app.needs import NEED_DOMAINS
from advocate_app.plans.forms import GOAL_STATUS_LABELS
from advocate_app.plans.models import GoalStatus, RatedBy
from advocate_app.referrals.models import DeclineReason

RATER_NAMES = {
    RatedBy.PERSON: _l("The person's own ratings"),
    RatedBy.ADVOCATE: _l("The advocate's ratings"),
    RatedBy.TOGETHER: _l("Ratings agreed together"),
}
DECLINE_NAMES = {
    DeclineReason.NO_CAPACITY: _l("No capacity"),
    DeclineReason.NOT_ELIGIBLE: _l("Not eligible"),
    DeclineReason.PERSON_DECLINED: _l("The person declined"),
    DeclineReason.UNABLE_TO_CONTACT: _l("Unable to contact"),
    DeclineReason.DUPLICATE: _l("Duplicate"),
    DeclineReason.OTHER: _l("Other reason"),
}


def number(value: float) -> str:
    """A figure with at most one decimal place, written the reader's way."""
    return format_decimal(value, "#,##0.#")


def signed(value: float) -> str:
    """A change with its sign: +2, −1.5, 0 (kept in one piece inside right-to-left text)."""
    text = format_decimal(value, "+#,##0.#;-#,##0.#") if value else format_decimal(0)
    return f"\u2066{text}\u2069" if text_direction() == "rtl" else text


def percent(value: int) -> str:
    """A whole percentage (given as 0–100)."""
    return format_percent(value / 100)


def month_name(day: date) -> str:
    """ "March 2026"."""
    return format_date(day, "MMMM yyyy")


def domain_label(domain: str) -> str:
    return str(NEED_DOMAINS.get(domain, domain))


def area_label(area: str) -> str:
    return area or _("Area not recorded")


@dataclass
class Dashboard:
    period: Period
    figures: tables.Figures
    table: disclosure.Table
    cells: disclosure.Protected
    minimum: int
    distance_charts: list[charts.RangeChart]
    goals_chart: charts.BarChart
    loop_chart: charts.BarChart | None
    unmet_chart: charts.BarChart | None
    words: NumberWords

    def count(self, *cell) -> int | None:
        """A count as it may be shown, or None when the small-number rule withholds it."""
        return self.cells.shown(cell)

    def share(self, part: tuple, whole: tuple) -> int | None:
        """A whole percentage of two counts, or None when either is withheld (it would give the other away)."""
        shown_part, shown_whole = self.cells.shown(part), self.cells.shown(whole)
        if shown_part is None or shown_whole is None or not shown_whole:
            return None
        return round(100 * shown_part / shown_whole)

    def count_text(self, *cell) -> str:
        """A count as words on the page: the number, or "withheld" under the small-number rule."""
        return self.words.count(self.cells.shown(cell))

    def text(self, key: tuple, column: str) -> str:
        """The count in ``column`` of the row ``key`` as words on the page."""
        return self.words.count(self.cells.shown((*key, column)))

    @property
    def distance(self) -> list[queries.Spread]:
        """The domains with enough people behind their averages to show them."""
        return [s for s in self.figures.distance if s.people >= self.minimum]

    @property
    def loop(self) -> partnership.Loop:
        return self.figures.loop

    @property
    def unmet(self) -> list[partnership.UnmetNeed]:
        return self.figures.unmet

    @property
    def unmet_by_domain(self) -> list[partnership.UnmetNeed]:
        return self.figures.unmet_by_domain

    @property
    def goals(self) -> queries.GoalFigures:
        return self.figures.goals

    @property
    def engagement(self) -> queries.Engagement:
        return self.figures.engagement


def shown_text(value: int | None) -> str:
    """A count as words on the page: the number, or "withheld" under the small-number rule."""
    return _("withheld") if value is None else format_decimal(value)


class NumberWords:
    """Counts, shares and figures as words for one page in the reader's language (as ``shown_text``, ``percent``,
    ``number`` and ``signed`` put them), each worked out once: a dashboard shows the same few numbers hundreds of
    times, and asking for the reader's language costs more than looking the words up."""

    def __init__(self):
        self._locale = get_locale()
        self._rtl = text_direction() == "rtl"
        self._known: dict[tuple[str, object], str] = {("count", None): _("withheld")}

    def _format(self, kind: str, value, pattern: str | None = None) -> str:
        key = (kind, value)
        text = self._known.get(key)
        if text is None:
            text = self._known[key] = numbers.format_decimal(value, pattern, locale=self._locale)
        return text

    def count(self, value: int | None) -> str:
        return self._format("count", value)

    def number(self, value: float) -> str:
        return self._format("number", value, "#,##0.#")

    def signed(self, value: float) -> str:
        key = ("signed", value)
        text = self._known.get(key)
        if text is None:
            text = numbers.format_decimal(value, "+#,##0.#;-#,##0.#", locale=self._locale) if value else self.count(0)
            text = self._known[key] = f"\u2066{text}\u2069" if self._rtl else text
        return text

    def percent(self, value: int) -> str:
        key = ("percent", value)
        text = self._known.get(key)
        if text is None:
            text = self._known[key] = numbers.format_percent(value / 100, locale=self._locale)
        return text


def _distance_charts(spreads: list[queries.Spread]) -> list[charts.RangeChart]:
    result = []
    for rated_by in RatedBy:
        rows = [s for s in spreads if s.rated_by is rated_by]
        if not rows:
            continue
        described = "; ".join(
            _(
                "%(area)s: %(first)s to %(latest)s (%(people)s)",
                area=domain_label(s.domain),
                first=format_decimal(s.mean_first),
                latest=format_decimal(s.mean_latest),
                people=ngettext("%(num)d person", "%(num)d people", s.people),
            )
            for s in rows
        )
        result.append(
            charts.range_chart(
                f"distance-{rated_by.value}",
                _("Average first and latest score by need: %(whose)s", whose=RATER_NAMES[rated_by]),
                _("Scores from 1 (very hard) to 10 (going well). %(figures)s.", figures=described),
                rated_by,
                [(domain_label(s.domain), s.mean_first, s.mean_latest) for s in rows],
            )
        )
    return result


def _bars(rows: list[tuple[str, int | None]]) -> list[tuple[str, float, str]]:
    """Chart rows from shown counts: a withheld count has no bar, and says so."""
    return [(label, value or 0, shown_text(value)) for label, value in rows]


def _goals_chart(cells: disclosure.Protected) -> charts.BarChart:
    rows = _bars([(str(GOAL_STATUS_LABELS[s]), cells.shown(("goals", s.value))) for s in GoalStatus])
    return charts.bar_chart(
        "goals",
        _("Goals set in the period, by where they stand now"),
        "; ".join(f"{label}: {text}" for label, _value, text in rows) + ".",
        rows,
    )


def _loop_chart(board: Dashboard) -> charts.BarChart | None:
    rows = []
    for org in board.loop.organisations:
        key = ("loop", "organisation", org.organisation)
        share = board.share((*key, "answered_in_time"), (*key, "due_for_answer"))
        if share is not None:
            rows.append((org.organisation, share, board.words.percent(share)))
    if not rows:
        return None
    return charts.bar_chart(
        "loop",
        _("Share of referrals answered by the reply date, by organisation"),
        "; ".join(f"{label}: {text}" for label, _value, text in rows) + ".",
        rows,
    )


def _unmet_chart(board: Dashboard) -> charts.BarChart | None:
    rows = _bars(
        [(domain_label(r.domain), board.count("unmet", r.domain, "unmet")) for r in board.unmet_by_domain if r.unmet]
    )
    if not rows:
        return None
    rows.sort(key=lambda row: -row[1])
    return charts.bar_chart(
        "unmet",
        _("Needs with no accepted referral, by need"),
        "; ".join(f"{label}: {text}" for label, _value, text in rows) + ".",
        rows,
    )


def dashboard(
    user: User, period: Period, *, today: date, organisation_id: int | None = None, minimum: int | None = None
) -> Dashboard:
    """Every figure of the dashboard for what ``user`` may see, in a fixed number of queries, with the export's
    small-number rule applied: counts from 1 to ``minimum - 1`` withheld, and enough others that no withheld
    count can be worked out from the totals on the page.

    :raises queries.NotAllowed: for anyone but a coordinator or an advocate.
    """
    scope = queries.scope_for(user, period, today=today, organisation_id=organisation_id)
    figures = tables.figures_for(scope)
    minimum = disclosure.MIN_CELL if minimum is None else minimum
    table, cells = tables.protected(figures, minimum)
    board = Dashboard(
        period=period,
        figures=figures,
        table=table,
        cells=cells,
        minimum=minimum,
        distance_charts=[],
        goals_chart=_goals_chart(cells),
        loop_chart=None,
        unmet_chart=None,
        words=NumberWords(),
    )
    board.distance_charts = _distance_charts(board.distance)
    board.loop_chart = _loop_chart(board)
    board.unmet_chart = _unmet_chart(board)
    return board


def record_export(user: User | None, period: Period) -> None:
    """Put the export in the audit trail (no person: it is about everyone, and names no one)."""
    audit("export", actor=user, object_type="evidence_export")
