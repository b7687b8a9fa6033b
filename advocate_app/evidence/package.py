"""The exports as Frictionless Data Packages: a ``datapackage.json`` with a Table Schema for every CSV file
(types, units, allowed values, the pseudonym key's role), so an evaluator's own tools read them unaided.

``suppressed`` is declared a missing value in every schema: a withheld count is "not given", and the
column keeps its type. The export for an evaluation plan also carries the plan's exact text
(see ``plan_export``).
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from advocate_app.evidence import evaluation
from advocate_app.needs import NEED_DOMAINS
from advocate_app.plans.models import GoalStatus, ItemKind, RatedBy, StepOwner, Voice
from advocate_app.referrals.models import DeclineReason, ReferralStatus, Urgency
from advocate_app.spreadsheets import csv_text
from advocate_app.team import evidence as team_evidence

PACKAGE_FILE = "datapackage.json"
ZIP_LEVEL = 1
SUPPRESSED = "suppressed"
YES_NO = {"type": "string", "constraints": {"enum": ["yes", "no"]}}
MONTH = {"type": "yearmonth"}
COUNT = {"type": "integer", "constraints": {"minimum": 0}}
DOMAIN = {"type": "string", "constraints": {"enum": list(NEED_DOMAINS)}}
PERSON = {"type": "string", "role": "pseudonymous key", "constraints": {"pattern": "[0-9a-f]{16,64}"}}


def _enum(values) -> dict:
    return {"type": "string", "constraints": {"enum": [getattr(v, "value", v) for v in values]}}


# Each column's type and constraints, by column name (and by file where a name means different things).
FIELDS: dict[str, dict] = {
    "person": PERSON,
    "age_band": _enum(["under 18", "18-24", "25-34", "35-44", "45-54", "55-64", "65 and over", "unknown"]),
    "case_status": _enum(["open", "closed"]),
    "case_opened": MONTH,
    "case_closed": MONTH,
    "plan_agreed_by_person": YES_NO,
    "plan_agreed_by_advocate": YES_NO,
    "domain": DOMAIN,
    "rated_by": _enum(RatedBy),
    "month": MONTH,
    "score": {"type": "integer", "constraints": {"minimum": 1, "maximum": 10}},
    "kind": _enum(ItemKind),
    "voice": _enum(Voice),
    "month_written": MONTH,
    "goal_status": _enum(GoalStatus),
    "step_owner": _enum(StepOwner),
    "step_due_month": MONTH,
    "step_done": YES_NO,
    "step_done_on_time": YES_NO,
    "due_month": MONTH,
    "held_month": MONTH,
    "held_on_time": YES_NO,
    "urgency": _enum(Urgency),
    "sent_month": MONTH,
    "status": _enum(ReferralStatus),
    "decline_reason": _enum(DeclineReason),
    "days_to_answer": {"type": "integer", "constraints": {"minimum": 0}, "unit": "days"},
    "answered_by_reply_date": YES_NO,
    "engaged": COUNT,
    "completed": COUNT,
    "did_not_engage": COUNT,
    "people": COUNT,
    "mean_first": {"type": "number", "unit": "score (1-10)"},
    "mean_latest": {"type": "number", "unit": "score (1-10)"},
    "mean_change": {"type": "number", "unit": "score points"},
    "median_change": {"type": "number", "unit": "score points"},
    "lower_quartile": {"type": "number", "unit": "score points"},
    "upper_quartile": {"type": "number", "unit": "score points"},
    "better": COUNT,
    "same": COUNT,
    "worse": COUNT,
    "sent": COUNT,
    "accepted": COUNT,
    "declined": COUNT,
    **{f"declined_{reason.value}": COUNT for reason in DeclineReason},
    "median_days_to_answer": {"type": "number", "unit": "days"},
    "answered_by_reply_date_percent": {"type": "integer", "constraints": {"minimum": 0, "maximum": 100}, "unit": "%"},
    "needs": COUNT,
    "with_accepted_referral": COUNT,
    "without_accepted_referral": COUNT,
    "answered": COUNT,
    "said_it_helped": COUNT,
    "said_it_helped_percent": {"type": "integer", "constraints": {"minimum": 0, "maximum": 100}, "unit": "%"},
    # The evaluation plan's files.
    "cohort": _enum(["plan", "baseline"]),
    "plan_started": MONTH,
    "follow_up_months": {"type": "integer", "constraints": {"minimum": 1}, "unit": "months"},
    "measure": _enum(evaluation.MEASURES),
    "due": YES_NO,
    "recorded": YES_NO,
    "value_start": {"type": "integer"},
    "value": {"type": "integer"},
    "missing": COUNT,
    "not_yet_due": COUNT,
    "reached": COUNT,
    "steps": COUNT,
    "with_person": COUNT,
    "number": {"type": "integer", "constraints": {"minimum": 1}},
    "recorded_at": {"type": "datetime"},
    "digest": {"type": "string", "constraints": {"pattern": "[0-9a-f]{64}"}},
    # The team files (overlaps, direct contact).
    **team_evidence.FIELDS,
}
# Where the same name is a yes/no in a person-level file and a count in a summary file.
PER_FILE: dict[tuple[str, str], dict] = {
    ("referrals.csv", "engaged"): YES_NO,
    ("referrals.csv", "completed"): YES_NO,
    ("referrals.csv", "did_not_engage"): YES_NO,
    ("completeness.csv", "due"): COUNT,
    ("completeness.csv", "recorded"): COUNT,
    ("reached.csv", "recorded"): COUNT,
}
PERSON_FILES = ("check_ins.csv", "plan_entries.csv", "reviews.csv", "referrals.csv")


def schema(name: str, columns: list[tuple[str, str]]) -> dict:
    """The Table Schema of one CSV file: every column typed and described; ``suppressed`` is a missing value."""
    fields = []
    for column, meaning in columns:
        spec = PER_FILE.get((name, column)) or FIELDS.get(column) or {"type": "string"}
        fields.append({"name": column, "description": meaning, **spec})
    result: dict = {"fields": fields, "missingValues": ["", SUPPRESSED]}
    if name == "people.csv":
        result["primaryKey"] = ["person"]
    if name in PERSON_FILES:
        result["foreignKeys"] = [{"fields": ["person"], "reference": {"resource": "people", "fields": ["person"]}}]
    return result


def descriptor(title: str, files: dict[str, tuple[str, list[tuple[str, str]]]], extra: dict | None = None) -> dict:
    """``datapackage.json`` for CSV files given as name → (what it holds, [(column, meaning)])."""
    resources = []
    for name, (about, columns) in files.items():
        resources.append(
            {
                "name": name.removesuffix(".csv").replace("_", "-"),
                "path": name,
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "description": about,
                "schema": schema(name, columns),
            }
        )
    return {
        "profile": "tabular-data-package",
        "name": "advocate-evidence",
        "title": title,
        "resources": resources,
        **(extra or {}),
    }


class FileSet:
    """Files by name that go out together, as one zip or into a folder: a subclass says which (``names``), what
    each holds (``text_of``) and the folder they sit in (``folder``)."""

    folder: str

    def names(self) -> list[str]:
        raise NotImplementedError

    def text_of(self, name: str) -> str:
        raise NotImplementedError

    def zip_bytes(self) -> bytes:
        """Every file, in a zip, inside the folder.

        Compressed at zlib's fastest level: the CSV files shrink about eightfold instead of elevenfold (the 10,000
        person export is 3.0 MB instead of 2.2 MB), in a third of the time.
        """
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=ZIP_LEVEL) as archive:
            for name in self.names():
                archive.writestr(f"{self.folder}/{name}", self.text_of(name))
        return buffer.getvalue()

    def write_folder(self, path: Path) -> list[Path]:
        """Every file written into ``path`` (made if need be); the paths written."""
        path.mkdir(parents=True, exist_ok=True)
        written = []
        for name in self.names():
            target = path / name
            target.write_bytes(self.text_of(name).encode("utf-8"))
            written.append(target)
        return written


@dataclass
class Package(FileSet):
    """Files by name: CSV rows (written by the one CSV writer) and plain texts, plus the package descriptor."""

    folder: str
    title: str
    tables: dict[str, tuple[str, list[tuple[str, str]], list[dict]]]  # name → (about, columns, rows)
    texts: dict[str, str] = field(default_factory=dict)
    extra: dict = field(default_factory=dict)

    def names(self) -> list[str]:
        return [PACKAGE_FILE, *self.texts, *self.tables]

    def text_of(self, name: str) -> str:
        if name == PACKAGE_FILE:
            files = {n: (about, columns) for n, (about, columns, _rows) in self.tables.items()}
            return json.dumps(descriptor(self.title, files, self.extra), indent=2, ensure_ascii=False) + "\n"
        if name in self.texts:
            return self.texts[name]
        _about, columns, rows = self.tables[name]
        return csv_text([c for c, _m in columns], rows)
