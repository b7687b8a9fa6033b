"""The evidence dashboard's tables as the rows the GOV.UK table shows, built here for the template (which only
lays them out): each count as the small-number rule lets it be shown."""

from __future__ import annotations

from flask_babel import gettext as _

from advocate_app.evidence.services import DECLINE_NAMES, domain_label
from advocate_app.i18n import text_direction
from advocate_app.plans.forms import GOAL_STATUS_LABELS
from advocate_app.referrals.models import DeclineReason

# The loop tables' counts, in their columns' order.
LOOP_SHOWN = ("sent", "accepted", "declined", "waiting", "engaged", "completed", "did_not_engage")


def _count(board, *cell) -> dict:
    return {"text": board.count_text(*cell), "format": "numeric"}


def _text(board, *cell) -> str:
    return board.count_text(*cell)


def distance_rows(board) -> dict:
    """Distance travelled, a table per whose rating: need, people, average first → latest, the spread of the
    changes and how many got better, stayed the same or got worse."""
    arrow = "←" if text_direction() == "rtl" else "→"
    words = board.words
    tables: dict = {}
    for s in board.distance:
        key = ("distance", s.domain, s.rated_by.value)
        spread = _(
            "%(median)s (%(low)s to %(high)s; %(lowest)s to %(highest)s)",
            median=words.signed(s.median_change),
            low=words.signed(s.lower_quartile),
            high=words.signed(s.upper_quartile),
            lowest=words.signed(s.lowest),
            highest=words.signed(s.highest),
        )
        better_same_worse = " / ".join(_text(board, *key, part) for part in ("better", "same", "worse"))
        tables.setdefault(s.rated_by, []).append(
            [
                {"text": domain_label(s.domain)},
                _count(board, *key, "people"),
                {"text": f"{words.number(s.mean_first)} {arrow} {words.number(s.mean_latest)}"},
                {"text": spread},
                {"text": better_same_worse},
            ]
        )
    return tables


def goal_rows(board) -> list:
    """Goals set in the period, by where they stand now."""
    return [[{"text": label}, _count(board, "goals", status.value)] for status, label in GOAL_STATUS_LABELS.items()]


def answered_in_time_rows(board) -> list:
    """Each organisation's share of referrals answered by the reply date, where it may be shown."""
    rows = []
    for o in board.loop.organisations:
        key = ("loop", "organisation", o.organisation)
        share = board.share((*key, "answered_in_time"), (*key, "due_for_answer"))
        if share is not None:
            rows.append(
                [
                    {"text": o.organisation},
                    {"text": board.words.percent(share), "format": "numeric"},
                    _count(board, *key, "due_for_answer"),
                ]
            )
    return rows


def loop_rows(board, by_service: bool) -> list[dict]:
    """The referral loop by organisation, or by service: each row's counts as words (declines with their reasons),
    the median days to answer (None when fewer answers than the small-number rule allows) and the share answered
    by the reply date (None when it may not be shown)."""
    if by_service:
        rows = [(s, ("loop", "service", i)) for i, s in enumerate(board.loop.services)]
    else:
        rows = [(o, ("loop", "organisation", o.organisation)) for o in board.loop.organisations]
    reasons = [(reason, str(DECLINE_NAMES[reason]), f"declined_{reason.value}") for reason in DeclineReason]
    result = []
    for figures, key in rows:
        share = board.share((*key, "answered_in_time"), (*key, "due_for_answer"))
        result.append(
            {
                "organisation": figures.organisation,
                "name": figures.service or figures.organisation,
                **{column: board.text(key, column) for column in LOOP_SHOWN},
                "reasons": "; ".join(
                    f"{name}: {board.text(key, column)}"
                    for reason, name, column in reasons
                    if figures.declined_by_reason.get(reason)
                ),
                "median_days": board.words.number(figures.median_days)
                if figures.median_days is not None and figures.answered >= board.minimum
                else None,
                "in_time": None if share is None else board.words.percent(share),
            }
        )
    return result


def unmet_rows(board) -> list:
    """Needs in current plans by part of life, and how many have no accepted referral."""
    return [
        [
            {"text": domain_label(row.domain)},
            _count(board, "unmet", row.domain, "needs"),
            _count(board, "unmet", row.domain, "unmet"),
        ]
        for row in board.unmet_by_domain
    ]


def dashboard_tables(board) -> dict | None:
    """Every table of the dashboard, or None when there are no figures to show (the period was not valid)."""
    if board is None:
        return None
    return {
        "distance": distance_rows(board),
        "goals": goal_rows(board),
        "answered_in_time": answered_in_time_rows(board),
        "loop_by_organisation": loop_rows(board, by_service=False),
        "loop_by_service": loop_rows(board, by_service=True),
        "unmet": unmet_rows(board),
    }
