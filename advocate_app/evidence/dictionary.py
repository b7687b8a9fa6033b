"""The data dictionary of the evaluators' export: every file, every column, what it means.

The export writes its columns in this order and ships these words as ``data_dictionary.csv``;
``docs/evidence-data-dictionary.md`` is the same table for readers of the repository (a test keeps
the two in step).
"""

from __future__ import annotations

from advocate_app.needs import NEED_DOMAINS
from advocate_app.referrals.models import DeclineReason, ReferralStatus
from advocate_app.team import evidence as team_evidence

DICTIONARY_FILE = "data_dictionary.csv"
_DOMAINS = ", ".join(NEED_DOMAINS)
_PERSON = (
    "pseudonymous id of the person (HMAC-SHA256 of their record id under a key kept outside the database;"
    " the same in every export made with the same key)"
)
_SUPPRESSED = "; 'suppressed' when fewer than 5 people share the value"
_COUNT = "; 'suppressed' when from 1 to 4, or to protect another suppressed count (see Disclosure control)"

FILES: dict[str, tuple[str, list[tuple[str, str]]]] = {
    "people.csv": (
        "one row per person whose case was open at some time in the period",
        [
            ("person", _PERSON),
            (
                "age_band",
                "age at the end of the period: under 18, 18-24, 25-34, 35-44, 45-54, 55-64, 65 and over, or unknown"
                + _SUPPRESSED,
            ),
            ("language", "the person's language, as a code (en, cy, pl, ur…)" + _SUPPRESSED),
            ("case_status", "open or closed, now" + _SUPPRESSED),
            ("case_opened", "month the record was opened, YYYY-MM" + _SUPPRESSED),
            ("case_closed", "month the case closed, YYYY-MM; empty while open" + _SUPPRESSED),
            ("plan_agreed_by_person", "yes when the person has agreed a version of their current plan"),
            ("plan_agreed_by_advocate", "yes when an advocate has agreed a version of the current plan"),
        ],
    ),
    "check_ins.csv": (
        "one row per check-in taken in the period (the note is left out)",
        [
            ("person", _PERSON),
            ("domain", f"need domain: {_DOMAINS}"),
            ("rated_by", "whose rating: person, advocate or together"),
            ("month", "month of the check-in, YYYY-MM" + _SUPPRESSED),
            ("score", "1 (very hard right now) to 10 (going really well)"),
        ],
    ),
    "plan_entries.csv": (
        "one row per plan entry written in the period (the words themselves are left out)",
        [
            ("person", _PERSON),
            ("kind", "about (an 'about me' answer), need, goal or step"),
            ("domain", "need domain of the need, or of the need a goal or step sits under; empty for 'about me'"),
            ("voice", "whose words: person (in their own words) or advocate"),
            ("written_by", "role of whoever wrote it: individual (the person), advocate"),
            ("month_written", "YYYY-MM" + _SUPPRESSED),
            ("goal_status", "goals only: not_started, in_progress, achieved, changed or stopped (as it stands now)"),
            ("step_owner", "steps only: me (the person), advocate or organisation"),
            ("step_due_month", "steps only: YYYY-MM, empty without a due date" + _SUPPRESSED),
            ("step_done", "steps only: yes or no"),
            ("step_done_on_time", "steps with a due date that are done: yes when done by the due day (UK time)"),
        ],
    ),
    "reviews.csv": (
        "one row per plan review held in the period (what was said is left out)",
        [
            ("person", _PERSON),
            ("due_month", "month the review was due, YYYY-MM; empty when no date was set" + _SUPPRESSED),
            ("held_month", "YYYY-MM" + _SUPPRESSED),
            ("held_on_time", "yes when held on or before the day it was due; empty without a due date"),
        ],
    ),
    "referrals.csv": (
        "one row per referral sent in the period (notes and reasons in words are left out)",
        [
            ("person", _PERSON),
            ("organisation", "the organisation referred to" + _SUPPRESSED),
            ("service", "the service referred to" + _SUPPRESSED),
            ("urgency", "routine, soon or urgent"),
            ("sent_month", "YYYY-MM" + _SUPPRESSED),
            ("status", "where it stands now: " + ", ".join(s.value for s in ReferralStatus)),
            ("decline_reason", "declined only: " + ", ".join(r.value for r in DeclineReason)),
            ("days_to_answer", "whole days from sending to the accept or decline; empty when unanswered"),
            ("answered_by_reply_date", "yes when answered on or before the reply date asked for (UK time)"),
            ("engaged", "yes when the organisation ever recorded the person as engaged"),
            ("completed", "yes when the organisation ever recorded the help as completed"),
            ("did_not_engage", "yes when the organisation ever recorded that the person did not engage"),
        ],
    ),
    "distance_travelled.csv": (
        "one row per need domain and rater: people with two or more check-ins in the period, first against latest",
        [
            ("domain", "need domain"),
            ("rated_by", "person, advocate or together"),
            ("people", "how many people" + _COUNT),
            ("mean_first", "average first score (1-10); suppressed under 5 people"),
            ("mean_latest", "average latest score; suppressed under 5 people"),
            ("mean_change", "average of latest minus first; suppressed under 5 people"),
            ("median_change", "median of latest minus first; suppressed under 5 people"),
            ("lower_quartile", "lower quartile of the change (inclusive method); suppressed under 5 people"),
            ("upper_quartile", "upper quartile of the change; suppressed under 5 people"),
            ("better", "people whose latest score is higher than their first" + _COUNT),
            ("same", "people whose latest score equals their first" + _COUNT),
            ("worse", "people whose latest score is lower than their first" + _COUNT),
        ],
    ),
    "referral_loop.csv": (
        "one row per service: referrals sent in the period and what the organisation did with them",
        [
            ("organisation", "the organisation"),
            ("service", "the service"),
            ("sent", "referrals sent" + _COUNT),
            ("accepted", "accepted (whatever happened after)" + _COUNT),
            ("declined", "declined" + _COUNT),
            *[(f"declined_{r.value}", f"declined with the reason {r.value}" + _COUNT) for r in DeclineReason],
            ("median_days_to_answer", "median days from sending to an answer; suppressed under 5 answers"),
            (
                "answered_by_reply_date_percent",
                "of referrals answered or past their reply date, the share answered by it; suppressed under 5",
            ),
            ("engaged", "referrals where the person engaged" + _COUNT),
            ("completed", "referrals completed" + _COUNT),
            ("did_not_engage", "referrals where the person did not engage" + _COUNT),
        ],
    ),
    "unmet_need.csv": (
        "one row per need domain: needs in current plans at the end of the period"
        " (by domain only: the area is typed freely, so it is left out)",
        [
            ("domain", "need domain"),
            ("needs", "needs recorded" + _COUNT),
            (
                "with_accepted_referral",
                "needs of people with a referral accepted, before the period ended, by a service for that domain"
                + _COUNT,
            ),
            ("without_accepted_referral", "needs without one: what the partnership lacks" + _COUNT),
        ],
    ),
    "verdicts.csv": (
        "one row per service: how useful people said its help was (1 to 5), asked when a referral finished,"
        " for answers given in the period (their own words are left out)",
        [
            ("organisation", "the organisation"),
            ("service", "the service"),
            ("answered", "people who said how useful the help was" + _COUNT),
            (
                "said_it_helped",
                "of them, those who answered 4 or 5; 'suppressed' when it, or the answers from 1 to 3, is from 1 to 4",
            ),
            ("said_it_helped_percent", "the share who answered 4 or 5; suppressed with said_it_helped"),
        ],
    ),
}

# Rules that hold for every file, shipped in data_dictionary.csv (file "*") and on the Markdown page.
# The team files (overlaps, direct contact) are described where they are counted.
FILES.update(team_evidence.DICTIONARY)

NOTES: list[tuple[str, str]] = [
    (
        "Disclosure control",
        "Any count from 1 to 4 is suppressed (primary suppression). A suppressed count could otherwise be worked"
        " out from a total beside it, so more counts are suppressed (secondary, or complementary, suppression):"
        " wherever a total and its parts are shown (people = better + same + worse; sent = accepted + declined +"
        " waiting + withdrawn before an answer; declined = the sum of its reasons; needs = with + without an"
        " accepted referral; an organisation's figures = the sums of its services'), no sum is left with a single"
        " suppressed cell, and a check by linear algebra confirms that no suppressed count is fixed by the totals"
        " shown. The next smallest non-zero count in the same sum is the one suppressed. Zeros are shown. The"
        " dashboard withholds the very same cells, so what it shows cannot unpick the export. Averages, medians"
        " and shares are suppressed when fewer than 5 people or referrals are behind them. The person-level files"
        " are protected value by value instead (a value fewer than 5 people share is suppressed); counting their"
        " rows gives the summary counts, which is why they go only to evaluators under a data-sharing agreement.",
    ),
    (
        "Spreadsheet safety",
        "Every CSV file the app writes goes through one writer. A text cell starting with =, +, -, @, a tab or a"
        " carriage return (which a spreadsheet would run as a formula) is written with a leading apostrophe"
        " (OWASP: CSV injection), so a service named =HYPERLINK(...) arrives as the text '=HYPERLINK(...)."
        " Numbers are written as numbers, so a change of -2 stays the number -2 and the Table Schema types hold."
        " Lines end CRLF (RFC 4180); a cell holding a line break is quoted.",
    ),
    (
        "Data package",
        "datapackage.json describes every CSV file as a Frictionless Tabular Data Resource with a Table Schema:"
        " each column's type (integer, number, yearmonth, string), unit, and allowed values; 'suppressed' and an"
        " empty cell are declared missing values. person is the pseudonymous key: the primary key of people.csv"
        " and a foreign key to it from every other person-level file.",
    ),
]

COLUMNS: dict[str, list[str]] = {name: [column for column, _ in columns] for name, (_about, columns) in FILES.items()}


def describe_rows() -> list[tuple[str, str, str]]:
    """(file, column, meaning) for every column, with each file's own line first (column empty); the rules that
    hold for every file come first, under the file name "*"."""
    rows = [("*", topic, text) for topic, text in NOTES]
    for name, (about, columns) in FILES.items():
        rows.append((name, "", about))
        rows.extend((name, column, meaning) for column, meaning in columns)
    return rows


def markdown() -> str:
    """The dictionary as a Markdown document (``docs/evidence-data-dictionary.md``)."""
    lines = [
        "# Evidence export: data dictionary",
        "",
        "`advocate-app evidence export --from YYYY-MM --to YYYY-MM` (or the coordinators' download) writes",
        "these CSV files and `data_dictionary.csv`, which holds the same words as this page. Dates are",
        "months (UK time); no names, phone numbers, dates of birth, areas or free text are exported.",
        "Generated from `advocate_app/evidence/dictionary.py`: `advocate-app evidence dictionary`.",
        "",
    ]
    for topic, text in NOTES:
        lines += [f"## {topic}", "", text, ""]
    for name, (about, columns) in FILES.items():
        lines += [f"## {name}", "", about[0].upper() + about[1:] + ".", "", "| Column | Meaning |", "|---|---|"]
        lines += [f"| `{column}` | {meaning} |" for column, meaning in columns]
        lines.append("")
    return "\n".join(lines)
