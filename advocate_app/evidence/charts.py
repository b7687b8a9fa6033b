"""Evidence charts laid out on the server: bars for counts and shares, and "from → to" ranges for scores.

Like the journey chart (``advocate_app.plans.chart``), nothing here writes markup: it works out where
each bar, marker and label goes in ``viewBox`` units, on the same phone-sized drawing, and the
words describing the chart; ``templates/evidence/_charts.html`` draws it and Jinja escapes the text.
Each row's label sits above its bar, so long domain names and translations fit at 360 px.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from advocate_app.plans.chart import WIDTH, Tick, marker_path
from advocate_app.plans.models import RatedBy
from advocate_app.plans.outcomes import SCORE_MAX, SCORE_MIN

ROW_HEIGHT = 44  # label line, then the bar or range
LABEL_DY = 14
BAR_DY = 20
BAR_HEIGHT = 16
VALUE_ROOM = 52  # right of the longest bar, for its figure
TOP = 6
AXIS_ROOM = 30
RANGE_LEFT, RANGE_RIGHT = 12, WIDTH - 12


@dataclass(frozen=True)
class Bar:
    """One row: a label above a bar, the figure after it."""

    label: str
    label_y: float
    y: float
    width: float
    value: str
    value_x: float


@dataclass
class BarChart:
    id: str
    title: str
    description: str
    width: int = WIDTH
    height: int = 0
    bar_height: int = BAR_HEIGHT
    bars: list[Bar] = field(default_factory=list)


def bar_chart(chart_id: str, title: str, description: str, rows: list[tuple[str, float, str]]) -> BarChart:
    """Horizontal bars, longest for the largest value (or 100 when every value is a percentage).

    :param rows: (label, value, the value as text) for each bar, top to bottom.
    """
    chart = BarChart(id=chart_id, title=title, description=description)
    largest = max((value for _label, value, _text in rows), default=0) or 1
    room = WIDTH - VALUE_ROOM
    for index, (label, value, text) in enumerate(rows):
        top = TOP + index * ROW_HEIGHT
        width = round(max(value, 0) / largest * room, 1)
        chart.bars.append(
            Bar(label=label, label_y=top + LABEL_DY, y=top + BAR_DY, width=width, value=text, value_x=width + 6)
        )
    chart.height = TOP + len(rows) * ROW_HEIGHT + 4
    return chart


@dataclass(frozen=True)
class Range:
    """One row: a domain's average first score, joined to its average latest score."""

    label: str
    label_y: float
    y: float
    x_first: float
    x_latest: float
    first_path: str
    latest_path: str


@dataclass
class RangeChart:
    id: str
    title: str
    description: str
    rated_by: RatedBy
    width: int = WIDTH
    height: int = 0
    rows: list[Range] = field(default_factory=list)
    axis: list[Tick] = field(default_factory=list)
    axis_y: float = 0
    left: int = RANGE_LEFT
    right: int = RANGE_RIGHT


def score_x(score: float) -> float:
    """Where a score sits across the drawing: 1 at the left, 10 at the right."""
    return round(RANGE_LEFT + (score - SCORE_MIN) / (SCORE_MAX - SCORE_MIN) * (RANGE_RIGHT - RANGE_LEFT), 1)


def _ring(x: float, y: float) -> str:
    """An open ring for the first score (the filled marker of the rater is the latest)."""
    r = 6
    return f"M{x - r:.1f} {y:.1f}a{r} {r} 0 1 0 {2 * r} 0a{r} {r} 0 1 0 {-2 * r} 0Z"


def range_chart(
    chart_id: str, title: str, description: str, rated_by: RatedBy, rows: list[tuple[str, float, float]]
) -> RangeChart:
    """Scores from first to latest, one row per domain, on the 1–10 scale.

    :param rows: (label, mean first score, mean latest score) for each domain.
    """
    chart = RangeChart(id=chart_id, title=title, description=description, rated_by=rated_by)
    for index, (label, first, latest) in enumerate(rows):
        top = TOP + index * ROW_HEIGHT
        y = top + BAR_DY + BAR_HEIGHT / 2
        x_first, x_latest = score_x(first), score_x(latest)
        chart.rows.append(
            Range(
                label=label,
                label_y=top + LABEL_DY,
                y=y,
                x_first=x_first,
                x_latest=x_latest,
                first_path=_ring(x_first, y),
                latest_path=marker_path(rated_by, x_latest, y),
            )
        )
    chart.axis_y = TOP + len(rows) * ROW_HEIGHT + 16
    chart.axis = [Tick(x=score_x(score), y=chart.axis_y, text=str(score)) for score in (SCORE_MIN, 4, 7, SCORE_MAX)]
    chart.height = int(chart.axis_y + AXIS_ROOM - 10)
    return chart
