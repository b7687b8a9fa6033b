"""Choosing the period (whole months) and, for coordinators, the organisation the figures are about; writing
an evaluation plan."""

from __future__ import annotations

from datetime import date

from flask_babel import format_date
from flask_babel import lazy_gettext as _l
from wtforms import SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, ValidationError

from advocate_app.evidence.disclosure import MIN_CELL
from advocate_app.evidence.period import Period, add_months, month_key, parse_month
from advocate_app.forms import TOO_LONG, AppForm, WholeNumberField

MONTHS_OFFERED = 60
ALL_ORGANISATIONS = ""


def month_choices(today: date) -> list[tuple[str, str]]:
    """The last five years of months, newest first, as (``YYYY-MM``, "March 2026")."""
    this_month = today.replace(day=1)
    months = [add_months(this_month, -k) for k in range(MONTHS_OFFERED)]
    return [(month_key(m), format_date(m, "MMMM yyyy")) for m in months]


def _is_month(form, field):
    try:
        parse_month(field.data or "")
    except ValueError as error:
        raise ValidationError(_l("Choose a month from the list")) from error


class _PeriodFields(AppForm):
    start = SelectField(_l("From the start of"), validators=[_is_month], validate_choice=False)
    end = SelectField(_l("To the end of"), validators=[_is_month], validate_choice=False)
    organisation = SelectField(_l("Organisation"), validate_choice=False)

    def offer(self, today: date, organisations: list[tuple[int, str]] | None) -> None:
        """Fill the lists; ``organisations`` is None when the user does not choose one (an advocate)."""
        months = month_choices(today)
        self.start.choices = months
        self.end.choices = months
        default = Period.twelve_months_to(today)
        if not self.start.data:
            self.start.data = month_key(default.first)
        if not self.end.data:
            self.end.data = month_key(default.last)
        if organisations is None:
            del self.organisation
        else:
            self.organisation.choices = [(ALL_ORGANISATIONS, _l("Every organisation"))] + [
                (str(org_id), name) for org_id, name in organisations
            ]
            if self.organisation.data is None:
                self.organisation.data = ALL_ORGANISATIONS

    def validate_end(self, field):
        try:
            reversed_ = parse_month(field.data) < parse_month(self.start.data or "")
        except ValueError:
            return  # a month is wrong; its own error says so
        if reversed_:
            raise ValidationError(_l("The end of the period must not be before its start"))

    def validate_organisation(self, field):
        if field.data and field.data not in {value for value, _label in field.choices}:
            raise ValidationError(_l("Choose an organisation from the list"))

    def period(self) -> Period:
        return Period.of_months(self.start.data, self.end.data)

    def organisation_id(self) -> int | None:
        value = getattr(self, "organisation", None)
        return int(value.data) if value is not None and value.data else None


class PeriodForm(_PeriodFields):
    """Read from the query string, so a chosen view can be bookmarked; no CSRF token is needed to read."""

    class Meta:
        csrf = False


class ExportForm(_PeriodFields):
    """The same choices, posted with a CSRF token: a download is recorded in the audit trail."""


# Evaluation plans --------------------------------------------------------------------------------

FUTURE_MONTHS = 24
MAX_FOLLOW_UP_MONTHS = 60


def plan_month_choices(today: date) -> list[tuple[str, str]]:
    """Months a plan may cover: two years ahead (a plan is written before the work) to five years back."""
    this_month = today.replace(day=1)
    months = [add_months(this_month, k) for k in range(FUTURE_MONTHS, -MONTHS_OFFERED, -1)]
    return [(month_key(m), format_date(m, "MMMM yyyy")) for m in months]


def parse_months_list(text: str) -> list[int]:
    """ "3, 6, 12" → [3, 6, 12]; :raises ValueError: for anything else, or a number out of range."""
    parts = [p.strip() for p in (text or "").replace(";", ",").split(",") if p.strip()]
    numbers = [int(p) for p in parts]
    if not numbers or any(not 1 <= n <= MAX_FOLLOW_UP_MONTHS for n in numbers):
        raise ValueError(text)
    return sorted(set(numbers))


class EvaluationPlanForm(AppForm):
    """An evaluation plan: the question, measures, people covered, follow-up points and smallest numbers."""

    title = StringField(
        _l("Name of the evaluation"),
        validators=[DataRequired(message=_l("Enter a name for the evaluation")), Length(max=200, message=TOO_LONG)],
    )
    question = TextAreaField(
        _l("The question it answers"),
        validators=[DataRequired(message=_l("Enter the question")), Length(max=2000, message=TOO_LONG)],
    )
    measures = SelectMultipleField(_l("Outcome measures"), choices=[], validate_choice=False)
    organisation = SelectField(_l("Organisation"), validate_choice=False)
    cohort_from = SelectField(_l("Plans starting from the start of"), validators=[_is_month], validate_choice=False)
    cohort_to = SelectField(_l("To the end of"), validators=[_is_month], validate_choice=False)
    follow_up = StringField(
        _l("Follow-up points (months after each person's plan starts)"),
        default="3, 6, 12",
        validators=[DataRequired(message=_l("Enter the follow-up points, like 3, 6, 12"))],
    )
    window_days = WholeNumberField(
        _l("Window either side of each point (days)"),
        default=30,
        validators=[
            InputRequired(message=_l("Enter the window in days")),
            NumberRange(min=0, max=90, message=_l("Enter a number of days from 0 to 90")),
        ],
    )
    min_cell = WholeNumberField(
        _l("Smallest number worth reporting"),
        default=MIN_CELL,
        validators=[
            InputRequired(message=_l("Enter the smallest number worth reporting")),
            NumberRange(min=MIN_CELL, max=100, message=_l("Enter a number from %(min)d to 100", min=MIN_CELL)),
        ],
    )
    baseline_months = WholeNumberField(
        _l("Baseline: compare with people whose plans started this many months before (0 for none)"),
        default=0,
        validators=[
            InputRequired(message=_l("Enter a number of months, or 0 for no baseline")),
            NumberRange(min=0, max=36, message=_l("Enter a number of months from 0 to 36")),
        ],
    )

    def offer(self, today: date, organisations: list[tuple[int, str]], measures: dict) -> None:
        """Fill the lists: months, organisations and the measures the app records."""
        months = plan_month_choices(today)
        self.cohort_from.choices = months
        self.cohort_to.choices = months
        if not self.cohort_from.data:
            self.cohort_from.data = month_key(today.replace(day=1))
        if not self.cohort_to.data:
            self.cohort_to.data = month_key(add_months(today.replace(day=1), 5))
        self.organisation.choices = [(ALL_ORGANISATIONS, _l("Every organisation"))] + [
            (str(org_id), name) for org_id, name in organisations
        ]
        if self.organisation.data is None:
            self.organisation.data = ALL_ORGANISATIONS
        self.measures.choices = list(measures.items())

    def validate_measures(self, field):
        chosen = field.data or []
        if not chosen:
            raise ValidationError(_l("Choose at least one outcome measure"))
        if not set(chosen) <= {value for value, _label in field.choices}:
            raise ValidationError(_l("Choose outcome measures from the list"))

    def validate_organisation(self, field):
        if field.data and field.data not in {value for value, _label in field.choices}:
            raise ValidationError(_l("Choose an organisation from the list"))

    def validate_cohort_to(self, field):
        try:
            reversed_ = parse_month(field.data) < parse_month(self.cohort_from.data or "")
        except ValueError:
            return
        if reversed_:
            raise ValidationError(_l("The end must not be before the start"))

    def validate_follow_up(self, field):
        try:
            parse_months_list(field.data)
        except ValueError as error:
            raise ValidationError(
                _l("Enter whole months from 1 to %(max)d, separated by commas, like 3, 6, 12", max=MAX_FOLLOW_UP_MONTHS)
            ) from error

    def fill_from(self, plan) -> None:
        """Show a plan's choices (for editing a draft or amending a locked plan)."""
        self.title.data = plan.title
        self.question.data = plan.question
        self.measures.data = [code for code in plan.measures.split(",") if code]
        self.organisation.data = str(plan.organisation_id) if plan.organisation_id else ALL_ORGANISATIONS
        self.cohort_from.data = month_key(plan.cohort_from)
        self.cohort_to.data = month_key(plan.cohort_to)
        self.follow_up.data = ", ".join(plan.follow_up_months.split(","))
        self.window_days.data = plan.window_days
        self.min_cell.data = plan.min_cell
        self.baseline_months.data = plan.baseline_months

    def fields(self) -> dict:
        """The choices as keyword arguments for ``evaluation.PlanFields``."""
        return {
            "title": self.title.data,
            "question": self.question.data,
            "measures": [code for code, _label in self.measures.choices if code in (self.measures.data or [])],
            "organisation_id": int(self.organisation.data) if self.organisation.data else None,
            "cohort_from": parse_month(self.cohort_from.data),
            "cohort_to": parse_month(self.cohort_to.data),
            "follow_up_months": parse_months_list(self.follow_up.data),
            "window_days": self.window_days.data,
            "min_cell": self.min_cell.data,
            "baseline_months": self.baseline_months.data,
        }


class AmendPlanForm(EvaluationPlanForm):
    """The same choices, and why the locked plan is being changed."""

    reason = TextAreaField(
        _l("Why the plan is changing"),
        validators=[
            DataRequired(message=_l("Say why the plan is changing")),
            Length(max=2000, message=TOO_LONG),
        ],
    )


class LockPlanForm(AppForm):
    """Locking a plan: a button, with a CSRF token."""
