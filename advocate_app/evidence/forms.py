"""Choosing the period (whole months) and, for coordinators, the organisation the figures are about."""

from __future__ import annotations

from datetime import date

from flask_babel import format_date
from flask_babel import lazy_gettext as _l
from wtforms import SelectField
from wtforms.validators import ValidationError

from advocate_app.evidence.period import Period, add_months, month_key, parse_month
from advocate_app.forms import AppForm

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
