"""The export of an evaluation report: the plan's exact text (``evaluation_plan.txt``) and every locked
version's SHA-256 digest, the rows behind every figure of the report (``follow_up.csv``), and the report's
summary tables with the same withheld cells as the page. A Frictionless Data Package (see ``package``).
"""

from __future__ import annotations

from advocate_app.evidence import evaluation, followup
from advocate_app.evidence.disclosure import Protected
from advocate_app.evidence.export import suppress_rare
from advocate_app.evidence.package import SUPPRESSED, Package
from advocate_app.evidence.period import month_key
from advocate_app.evidence.pseudonyms import pseudonym

PLAN_TEXT_FILE = "evaluation_plan.txt"

FOLLOW_UP_COLUMNS = [
    ("person", "pseudonymous id of the person (HMAC-SHA256 of their record id under the export key)"),
    ("cohort", "plan (the people the plan covers) or baseline (those whose plans started in the months before)"),
    (
        "plan_started",
        "month the person's first plan started, YYYY-MM; 'suppressed' when fewer than the plan's"
        " smallest number share it",
    ),
    ("follow_up_months", "the follow-up point, in months after the plan started"),
    ("measure", "the outcome measure: " + ", ".join(evaluation.MEASURES)),
    ("domain", "distance_travelled only: the need domain"),
    ("due", "yes when the point's window has closed"),
    ("recorded", "due rows only: yes when the measure was recorded within the window"),
    (
        "value_start",
        "distance_travelled: the rating nearest the plan's start; goals_achieved: goals set by the point;"
        " referral_*: referrals sent by the point; actions_with_person: steps by the point",
    ),
    (
        "value",
        "distance_travelled: the latest rating in the window; goals_achieved: goals achieved by the point;"
        " referral_*: referrals engaged (or completed) by the point; actions_with_person: steps the person does",
    ),
]
COMPLETENESS_COLUMNS = [
    ("cohort", "plan or baseline"),
    ("measure", "the outcome measure"),
    ("follow_up_months", "the follow-up point"),
    ("due", "people due at the point (its window has closed)"),
    ("recorded", "of them, people with the measure recorded within the window"),
    ("missing", "of them, people without it: due minus recorded"),
    ("not_yet_due", "people whose window has not closed yet"),
]
DISTANCE_COLUMNS = [
    ("cohort", "plan or baseline"),
    ("follow_up_months", "the follow-up point"),
    ("domain", "need domain"),
    ("people", "people with a rating near the start and in the window"),
    ("mean_change", "average of the latest rating minus the starting one; suppressed under the smallest number"),
    ("better", "people whose rating went up"),
    ("same", "people whose rating stayed the same"),
    ("worse", "people whose rating went down"),
]
REACHED_COLUMNS = [
    ("cohort", "plan or baseline"),
    ("measure", "goals_achieved, referral_engaged, referral_completed or actions_with_person"),
    ("follow_up_months", "the follow-up point"),
    ("recorded", "people with the measure recorded (for actions_with_person: steps)"),
    ("reached", "of them, people who reached it (for actions_with_person: steps the person does)"),
]
VERSION_COLUMNS = [
    ("number", "1 for the lock, then one per amendment"),
    ("recorded_at", "when it was locked or amended (UTC)"),
    ("digest", "SHA-256 of the version's exact text (UTF-8), in hex"),
    ("reason", "why the plan was amended; empty for the lock"),
]


def _cell(cells: Protected, cell: tuple) -> int | str:
    value = cells.shown(cell)
    return SUPPRESSED if value is None else value


def _summary_rows(report: followup.Report) -> tuple[list[dict], list[dict], list[dict]]:
    completeness, distance, reached = [], [], []
    for (cohort, measure, months), point in sorted(report.figures.items()):
        key = (cohort, measure, months)
        completeness.append(
            {
                "cohort": cohort,
                "measure": measure,
                "follow_up_months": months,
                **{c: _cell(report.cells, (*key, c)) for c in ("due", "recorded", "missing", "not_yet_due")},
            }
        )
        if measure == "distance_travelled":
            for domain in sorted(point.domains):
                mean = report.mean_change(cohort, months, domain)
                distance.append(
                    {
                        "cohort": cohort,
                        "follow_up_months": months,
                        "domain": domain,
                        "mean_change": SUPPRESSED if mean is None else mean,
                        **{c: _cell(report.cells, (*key, domain, c)) for c in ("people", "better", "same", "worse")},
                    }
                )
        elif measure == "actions_with_person":
            reached.append(
                {
                    "cohort": cohort,
                    "measure": measure,
                    "follow_up_months": months,
                    "recorded": _cell(report.cells, (*key, "steps")),
                    "reached": _cell(report.cells, (*key, "with_person")),
                }
            )
        else:
            reached.append(
                {
                    "cohort": cohort,
                    "measure": measure,
                    "follow_up_months": months,
                    "recorded": _cell(report.cells, (*key, "recorded")),
                    "reached": _cell(report.cells, (*key, "reached")),
                }
            )
    return completeness, distance, reached


def for_plan(report: followup.Report, key: bytes) -> Package:
    """The package of a report: the plan's text and versions, the rows behind it, and its summary tables."""
    plan = report.plan
    rows = [{**row, "person": pseudonym(key, row["person"])} for row in report.rows]
    suppress_rare(rows, ("plan_started",), plan.min_cell)
    completeness, distance, reached = _summary_rows(report)
    versions = [
        {
            "number": v.number,
            "recorded_at": v.recorded_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "digest": v.digest,
            "reason": v.reason,
        }
        for v in plan.versions
    ]
    latest = plan.versions[-1]
    return Package(
        folder=f"evaluation-{plan.id}-{month_key(report.today)}",
        title=f"Evaluation report: {plan.title}",
        texts={PLAN_TEXT_FILE: latest.text},
        tables={
            "follow_up.csv": (
                "one row per person, cohort, follow-up point and measure (and need domain)",
                FOLLOW_UP_COLUMNS,
                rows,
            ),
            "completeness.csv": (
                "follow-up completeness by cohort, measure and point",
                COMPLETENESS_COLUMNS,
                completeness,
            ),
            "distance_travelled.csv": (
                "distance travelled by cohort, point and need domain",
                DISTANCE_COLUMNS,
                distance,
            ),
            "reached.csv": ("the other measures by cohort and point", REACHED_COLUMNS, reached),
            "plan_versions.csv": ("the plan's lock and amendments, each with its digest", VERSION_COLUMNS, versions),
        },
        extra={
            "evaluationPlan": {
                "text": PLAN_TEXT_FILE,
                "digest": latest.digest,
                "versions": [{"number": v["number"], "digest": v["digest"]} for v in versions],
                "smallestNumber": plan.min_cell,
                "reportDate": report.today.isoformat(),
            }
        },
    )
