"""The journey chart: check-in scores over time, drawn on the server as plain data for an inline SVG.

Nothing here writes markup. It works out where every line, point and label goes (in the units of the
SVG's ``viewBox``) and the words that describe the chart; ``templates/plans/_outcomes_chart.html``
draws it, so every piece of text is escaped by Jinja like any other.

The drawing is sized for a phone: the ``viewBox`` is about as wide as a 360 px screen's content, so a
label of 14 units shows at about 14 px there, and the SVG scales down (or up, to a limit) with its box.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

from flask_babel import format_date, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from advocate_app.plans.models import CheckIn, RatedBy
from advocate_app.plans.outcomes import SCORE_MAX, SCORE_MIN

# Our own words for points on the scale (not taken from any published outcome scale).
SCORE_WORDS = {
    1: _l("Very hard right now"),
    5: _l("Some good days, some hard"),
    10: _l("Going really well"),
}

# The drawing area, in viewBox units.
WIDTH = 320
PLOT_LEFT, PLOT_RIGHT = 46, 306  # where the first and last points may sit (markers need room)
GRID_LEFT, GRID_RIGHT = 32, WIDTH - 4
TOP_WORDS_Y = 17  # "10 – Going really well", above the plot
Y_TOP = 38  # the line of score 10
STEP = 16  # between one score and the next
Y_BOTTOM = Y_TOP + STEP * (SCORE_MAX - SCORE_MIN)  # the line of score 1
DATES_Y = Y_BOTTOM + 22
BOTTOM_WORDS_Y = DATES_Y + 28  # "1 – Very hard right now", under the dates
HEIGHT = BOTTOM_WORDS_Y + 10
DATE_LABEL_ROOM = 84  # a date label ("30 Sept") is at most about this wide at 14 units
SAME_DAY_SPREAD = 9  # points on the same day sit side by side, not on top of each other

# Shape (not only colour) tells whose rating a point is.
MARKER_SHAPES = {RatedBy.PERSON: "circle", RatedBy.ADVOCATE: "square", RatedBy.TOGETHER: "diamond"}


def marker_path(rated_by: RatedBy, x: float, y: float) -> str:
    """SVG path data for the marker of one point: circle, square or diamond, about 13 units across."""
    shape = MARKER_SHAPES[rated_by]
    if shape == "circle":
        r = 6.5
        return f"M{x - r:.1f} {y:.1f}a{r} {r} 0 1 0 {2 * r} 0a{r} {r} 0 1 0 {-2 * r} 0Z"
    if shape == "square":
        h = 5.75
        return f"M{x - h:.1f} {y - h:.1f}h{2 * h}v{2 * h}h{-2 * h}Z"
    d = 8
    return f"M{x:.1f} {y - d:.1f}l{d} {d}l{-d} {d}l{-d} {-d}Z"


@dataclass(frozen=True)
class Point:
    """One check-in on the chart."""

    x: float
    y: float
    score: int
    rated_by: RatedBy
    path: str


@dataclass(frozen=True)
class Tick:
    """A label on an axis: where it goes, what it says, and which end of the text sits at ``x``."""

    x: float
    y: float
    text: str
    anchor: str = "middle"


@dataclass
class Chart:
    """Everything needed to draw one domain's journey."""

    id: str
    title: str
    description: str
    width: int = WIDTH
    height: int = HEIGHT
    grid: list[Tick] = field(default_factory=list)  # score lines, with their number
    words: list[Tick] = field(default_factory=list)  # our wording at 10 and 1
    dates: list[Tick] = field(default_factory=list)
    line: str = ""  # every check-in joined in date order, for <polyline points="…">
    points: list[Point] = field(default_factory=list)
    grid_left: int = GRID_LEFT
    grid_right: int = GRID_RIGHT


@dataclass(frozen=True)
class Row:
    """One check-in as the table beside the chart shows it."""

    day: str
    score: int
    rated_by: RatedBy
    note: str


@dataclass
class Journey:
    """One need domain's check-ins: the chart, and the same readings for the table beside it."""

    domain: str
    label: str
    chart: Chart
    check_ins: list[CheckIn]

    @property
    def latest(self) -> CheckIn:
        return self.check_ins[-1]

    @property
    def rows(self) -> list[Row]:
        return [Row(short_day(c.taken_on), c.score, c.rated_by, c.note) for c in self.check_ins]


def short_day(day: date) -> str:
    """A date short enough for a table column on a phone: "2 Mar 2026"."""
    return format_date(day, "d MMM yyyy")


def score_y(score: int) -> float:
    """Where a score sits: 10 at the top, 1 at the bottom."""
    return Y_TOP + (SCORE_MAX - score) * STEP


def _x_positions(days: list[date]) -> dict[date, float]:
    """Points spread by real time between the first and last check-in (one day alone sits in the middle)."""
    first, last = min(days), max(days)
    span = (last - first).days
    if span == 0:
        return {first: (PLOT_LEFT + PLOT_RIGHT) / 2}
    return {day: PLOT_LEFT + (day - first).days / span * (PLOT_RIGHT - PLOT_LEFT) for day in set(days)}


def _date_format(days: list[date]) -> str:
    return "d MMM" if min(days).year == max(days).year else "MMM yyyy"


def _date_ticks(positions: dict[date, float], pattern: str) -> list[Tick]:
    """The first and last dates always; others in between where they fit without overlapping."""
    days = sorted(positions)
    chosen = [days[0]] if len(days) == 1 else [days[0], days[-1]]
    for day in days[1:-1]:
        x = positions[day]
        if all(abs(x - positions[other]) >= DATE_LABEL_ROOM for other in chosen):
            chosen.append(day)
    ticks = []
    for day in sorted(chosen):
        x = positions[day]
        # The ends hug the plot's edges so their labels stay inside the drawing.
        anchor = "middle"
        if len(chosen) > 1 and day == days[0]:
            anchor, x = "start", min(x, PLOT_LEFT) - 6
        elif len(chosen) > 1 and day == days[-1]:
            anchor, x = "end", max(x, PLOT_RIGHT) + 6
        ticks.append(Tick(x=round(x, 1), y=DATES_Y, text=format_date(day, pattern), anchor=anchor))
    return ticks


def _long_date(day: date, same_year: bool) -> str:
    return format_date(day, "d MMMM" if same_year else "d MMMM yyyy")


def describe(label: str, readings: list[CheckIn]) -> tuple[str, str]:
    """The chart's title and description in words, e.g. "Housing: from 3 on 2 March to 7 on 30 April"."""
    first, last = readings[0], readings[-1]
    same_year = first.taken_on.year == last.taken_on.year
    if len(readings) == 1:
        title = _(
            "%(area)s: %(score)d on %(date)s", area=label, score=first.score, date=_long_date(first.taken_on, same_year)
        )
    else:
        title = _(
            "%(area)s: from %(first)d on %(first_date)s to %(last)d on %(last_date)s",
            area=label,
            first=first.score,
            first_date=_long_date(first.taken_on, same_year),
            last=last.score,
            last_date=_long_date(last.taken_on, same_year),
        )
    scores = [reading.score for reading in readings]
    description = " ".join(
        [
            ngettext("%(num)d check-in.", "%(num)d check-ins.", len(readings)),
            _("Lowest score %(low)d, highest %(high)d.", low=min(scores), high=max(scores)),
            _(
                "1 means “%(low_words)s”; 10 means “%(high_words)s”.",
                low_words=SCORE_WORDS[1],
                high_words=SCORE_WORDS[10],
            ),
        ]
    )
    return title, description


def build_chart(chart_id: str, label: str, readings: list[CheckIn]) -> Chart:
    """Lay out one domain's check-ins (oldest first; at least one).

    :param chart_id: unique on the page; the SVG's title and description ids derive from it.
    :param label: the domain's name, in the reader's language.
    """
    days = [reading.taken_on for reading in readings]
    positions = _x_positions(days)
    title, description = describe(label, readings)
    chart = Chart(id=chart_id, title=title, description=description)
    chart.grid = [
        Tick(x=GRID_LEFT - 8, y=score_y(score), text=str(score), anchor="end")
        for score in range(SCORE_MAX, SCORE_MIN - 1, -1)
    ]
    words = SCORE_WORDS
    chart.words = [
        Tick(
            x=GRID_LEFT - 20,
            y=TOP_WORDS_Y,
            text=_("%(score)d – %(words)s", score=SCORE_MAX, words=words[10]),
            anchor="start",
        ),
        Tick(
            x=GRID_LEFT - 20,
            y=BOTTOM_WORDS_Y,
            text=_("%(score)d – %(words)s", score=SCORE_MIN, words=words[1]),
            anchor="start",
        ),
    ]
    chart.dates = _date_ticks(positions, _date_format(days))

    same_day: dict[date, list[int]] = {}
    for index, reading in enumerate(readings):
        same_day.setdefault(reading.taken_on, []).append(index)
    for day, indexes in same_day.items():
        for rank, index in enumerate(indexes):
            reading = readings[index]
            x = positions[day] + (rank - (len(indexes) - 1) / 2) * SAME_DAY_SPREAD
            y = score_y(reading.score)
            point = Point(
                x=round(x, 1),
                y=y,
                score=reading.score,
                rated_by=reading.rated_by,
                path=marker_path(reading.rated_by, x, y),
            )
            chart.points.append(point)
    chart.points.sort(key=lambda p: p.x)
    # One line for the journey, whoever gave each score; the markers' shapes say whose each one is.
    if len(chart.points) > 1:
        chart.line = " ".join(f"{p.x:g},{p.y:g}" for p in chart.points)
    return chart


def journeys(check_ins: Iterable[CheckIn], domain_labels: Mapping[str, object]) -> list[Journey]:
    """Check-ins (oldest first) grouped by domain, in the order of ``domain_labels``, each with its chart.

    A domain no longer in the list (renamed since) still shows, after the others, under its code.
    """
    grouped: dict[str, list[CheckIn]] = {}
    for check_in in check_ins:
        grouped.setdefault(check_in.domain, []).append(check_in)
    order = [d for d in domain_labels if d in grouped] + sorted(d for d in grouped if d not in domain_labels)
    result = []
    for domain in order:
        label = str(domain_labels.get(domain, domain))
        result.append(
            Journey(
                domain=domain,
                label=label,
                chart=build_chart(f"chart-{domain}", label, grouped[domain]),
                check_ins=grouped[domain],
            )
        )
    return result


def latest_by_domain(check_ins: Iterable[CheckIn], domain_labels: Mapping[str, object]) -> list[tuple[str, Row]]:
    """The newest check-in in each domain (check-ins oldest first), in the order of ``domain_labels``."""
    latest: dict[str, CheckIn] = {}
    for check_in in check_ins:
        latest[check_in.domain] = check_in
    order = [d for d in domain_labels if d in latest] + sorted(d for d in latest if d not in domain_labels)
    return [
        (str(domain_labels.get(d, d)), Row(short_day(latest[d].taken_on), latest[d].score, latest[d].rated_by, ""))
        for d in order
    ]
