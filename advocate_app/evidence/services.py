"""The outcomes dashboard put together: the figures of ``queries`` with their charts and words."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import format_date, format_decimal, format_percent, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from advocate_app.accounts.models import User
from advocate_app.audit.services import record as audit
from advocate_app.evidence import charts, partnership, queries
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
    distance: list[queries.Spread]
    distance_charts: list[charts.RangeChart]
    goals: queries.GoalFigures
    goals_chart: charts.BarChart
    engagement: queries.Engagement
    loop: partnership.Loop
    loop_chart: charts.BarChart | None
    unmet: list[partnership.UnmetNeed]
    unmet_by_domain: list[partnership.UnmetNeed]
    unmet_chart: charts.BarChart | None


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


def _goals_chart(goals: queries.GoalFigures) -> charts.BarChart:
    rows = [(str(GOAL_STATUS_LABELS[s]), goals.by_status[s], str(goals.by_status[s])) for s in GoalStatus]
    return charts.bar_chart(
        "goals",
        _("Goals set in the period, by where they stand now"),
        "; ".join(f"{label}: {text}" for label, _value, text in rows) + ".",
        rows,
    )


def _loop_chart(loop: partnership.Loop) -> charts.BarChart | None:
    rows = [
        (org.organisation, org.in_time_percent, f"{org.in_time_percent}%")
        for org in loop.organisations
        if org.in_time_percent is not None
    ]
    if not rows:
        return None
    return charts.bar_chart(
        "loop",
        _("Share of referrals answered by the reply date, by organisation"),
        "; ".join(f"{label}: {text}" for label, _value, text in rows) + ".",
        rows,
    )


def _unmet_chart(by_domain: list[partnership.UnmetNeed]) -> charts.BarChart | None:
    rows = [(domain_label(row.domain), row.unmet, str(row.unmet)) for row in by_domain if row.unmet]
    if not rows:
        return None
    rows.sort(key=lambda row: -row[1])
    return charts.bar_chart(
        "unmet",
        _("Needs with no accepted referral, by need"),
        "; ".join(f"{label}: {text}" for label, _value, text in rows) + ".",
        rows,
    )


def dashboard(user: User, period: Period, *, today: date, organisation_id: int | None = None) -> Dashboard:
    """Every figure of the dashboard for what ``user`` may see, in a fixed number of queries.

    :raises queries.NotAllowed: for anyone but a coordinator or an advocate.
    """
    scope = queries.scope_for(user, period, today=today, organisation_id=organisation_id)
    queries.without_jit()
    spreads = queries.distance_travelled(scope)
    entries = queries.entries_written(scope)
    goals = queries.goals_and_steps(scope, entries)
    loop = partnership.referral_loop(scope)
    unmet = partnership.unmet_need(scope)
    by_domain = partnership.unmet_by_domain(unmet)
    return Dashboard(
        period=period,
        distance=spreads,
        distance_charts=_distance_charts(spreads),
        goals=goals,
        goals_chart=_goals_chart(goals),
        engagement=queries.engagement(scope, entries),
        loop=loop,
        loop_chart=_loop_chart(loop),
        unmet=unmet,
        unmet_by_domain=by_domain,
        unmet_chart=_unmet_chart(by_domain),
    )


def record_export(user: User | None, period: Period) -> None:
    """Put the export in the audit trail (no person: it is about everyone, and names no one)."""
    audit("export", actor=user, object_type="evidence_export")
