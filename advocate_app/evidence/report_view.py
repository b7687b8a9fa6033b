"""The rows a report page shows, built in Python from a ``followup.Report`` (the template only writes them out).

Every count goes through the report's protected table: withheld counts read "withheld", and a share is
shown only when both its counts are.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _
from flask_babel import ngettext

from advocate_app.evidence import evaluation, followup
from advocate_app.evidence.services import domain_label, percent, shown_text, signed


@dataclass
class TableView:
    caption: str
    head: list[str]
    rows: list[list[str]] = field(default_factory=list)


@dataclass
class MeasureView:
    code: str
    title: str
    cohorts: list[tuple[str, TableView, TableView | None]]  # (cohort heading, completeness, figures)


@dataclass
class ReportView:
    report: followup.Report
    measures: list[MeasureView]


def _cohort_name(cohort: str) -> str:
    if cohort == followup.BASELINE_COHORT:
        return _("Baseline: people whose plans started in the months before")
    return _("People the plan covers")


def _point(months: int) -> str:
    return ngettext("%(num)d month", "%(num)d months", months)


def _share(report: followup.Report, part: tuple, whole: tuple) -> str:
    value = report.share(part, whole)
    return _("not shown") if value is None else percent(value)


def _completeness(report: followup.Report, cohort: str, code: str, points: list[int]) -> TableView:
    table = TableView(
        caption=_("Follow-up completeness"),
        head=[
            _("Follow-up point"),
            _("People due"),
            _("Measure recorded in the window"),
            _("Missing"),
            _("Completeness"),
            _("Not yet due"),
        ],
    )
    for months in points:
        key = (cohort, code, months)
        table.rows.append(
            [
                _point(months),
                shown_text(report.count(*key, "due")),
                shown_text(report.count(*key, "recorded")),
                shown_text(report.count(*key, "missing")),
                _share(report, (*key, "recorded"), (*key, "due")),
                shown_text(report.count(*key, "not_yet_due")),
            ]
        )
    return table


def _figures(report: followup.Report, cohort: str, code: str, points: list[int]) -> TableView:
    if code == "distance_travelled":
        table = TableView(
            caption=_("Change in the person's own ratings since the plan started"),
            head=[_("Follow-up point"), _("Need"), _("People"), _("Average change"), _("Better / same / worse")],
        )
        for months in points:
            for domain in sorted(report.point(cohort, code, months).domains):
                key = (cohort, code, months, domain)
                mean = report.mean_change(cohort, months, domain)
                table.rows.append(
                    [
                        _point(months),
                        domain_label(domain),
                        shown_text(report.count(*key, "people")),
                        _("not shown") if mean is None else signed(mean),
                        " / ".join(shown_text(report.count(*key, c)) for c in ("better", "same", "worse")),
                    ]
                )
        return table
    if code == "actions_with_person":
        return _part_of_whole(
            report,
            cohort,
            code,
            points,
            ("steps", "with_person"),
            caption=_("Steps the person does themselves"),
            head=[_("Follow-up point"), _("Steps"), _("Done by the person"), _("Share")],
        )
    return _part_of_whole(
        report,
        cohort,
        code,
        points,
        ("recorded", "reached"),
        caption=str(evaluation.MEASURE_LABELS[code]),
        head=[_("Follow-up point"), _("People with it recorded"), _("Of them, reached"), _("Share")],
    )


def _part_of_whole(
    report: followup.Report, cohort: str, code: str, points: list[int], counts: tuple[str, str], **table
) -> TableView:
    """A table of ``whole``, ``part`` and the part's share at each follow-up point (``counts`` = whole, part)."""
    whole, part = counts
    view = TableView(**table)
    for months in points:
        key = (cohort, code, months)
        view.rows.append(
            [
                _point(months),
                shown_text(report.count(*key, whole)),
                shown_text(report.count(*key, part)),
                _share(report, (*key, part), (*key, whole)),
            ]
        )
    return view


def build(report: followup.Report) -> ReportView:
    """The tables of a report, measure by measure, for each cohort."""
    plan = report.plan
    points = evaluation.points_of(plan)
    measures = []
    for code in evaluation.measures_of(plan):
        cohorts = []
        for cohort, _first, _last in followup.cohorts(plan):
            cohorts.append(
                (
                    _cohort_name(cohort),
                    _completeness(report, cohort, code, points),
                    _figures(report, cohort, code, points),
                )
            )
        measures.append(
            MeasureView(
                code=code,
                title=str(evaluation.MEASURE_LABELS[code]),
                cohorts=cohorts,
            )
        )
    return ReportView(report=report, measures=measures)
