"""Form fields shared by every feature: a GOV.UK three-part date and a time of day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time

from flask import request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Field
from wtforms.utils import unset_value
from wtforms.validators import StopValidation


class AppForm(FlaskForm):
    """Every form of the app: read only from ordinary form fields.

    Flask-WTF would also read uploaded files and JSON bodies; a file or a number sent under a text
    field's name would reach the validators as something other than text and fail with a server
    error. Browsers send these forms as plain fields, so nothing real is lost.
    """

    class Meta:
        def wrap_formdata(self, form, formdata):
            if formdata is None or hasattr(formdata, "getlist"):
                return formdata  # given by the caller
            return request.form if form.is_submitted() else None


TOO_LONG = _l("This is too long: use at most %(max)d characters")


@dataclass
class DateParts:
    day: str = ""
    month: str = ""
    year: str = ""

    def empty(self) -> bool:
        return not (self.day or self.month or self.year)


class DatePartsField(Field):
    """A date typed as day, month and year boxes (``name-day``, ``name-month``, ``name-year``).

    What was typed is kept in ``raw_parts`` so a mistake is shown back, never lost.
    """

    def __init__(self, label=None, validators=None, required: bool = False, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.required = required
        self.raw_parts = DateParts()
        self.parse_error: str | None = None

    def process(self, formdata, data=None, extra_filters=None):
        self.process_errors = []
        self.parse_error = None
        if data is unset_value or data is None:
            data = self.default() if callable(self.default) else self.default
        self.data = data if isinstance(data, date) else None
        if formdata is not None and any(f"{self.name}-{part}" in formdata for part in ("day", "month", "year")):
            self.raw_parts = DateParts(
                *(formdata.get(f"{self.name}-{part}", "").strip()[:8] for part in ("day", "month", "year"))
            )
            self.data = None
            if self.raw_parts.empty():
                return
            try:
                day, month, year = (int(p) for p in (self.raw_parts.day, self.raw_parts.month, self.raw_parts.year))
                if year < 1900 or year > 2200:
                    raise ValueError
                self.data = date(year, month, day)
            except ValueError:
                self.parse_error = "invalid"
        elif isinstance(self.data, date):
            self.raw_parts = DateParts(str(self.data.day), str(self.data.month), str(self.data.year))

    def pre_validate(self, form):
        if self.parse_error:
            raise StopValidation(_l("%(label)s must be a real date, for example 27 3 2026", label=self.label.text))
        if self.required and self.data is None:
            raise StopValidation(_l("Enter %(label)s", label=str(self.label.text).lower()))

    def _value(self):
        return self.data.isoformat() if self.data else ""


class TimeOfDayField(Field):
    """A time typed as ``HH:MM`` (what ``<input type="time">`` sends), or left empty."""

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.raw = ""

    def process_formdata(self, valuelist):
        self.raw = (valuelist[0] if valuelist else "").strip()[:8]
        self.data = None
        if not self.raw:
            return
        try:
            hours, minutes = self.raw.replace(".", ":").split(":")[:2]
            self.data = time(int(hours), int(minutes))
        except (ValueError, TypeError):
            self.data = None
            raise ValueError(_l("Enter a time like 09:30")) from None

    def _value(self):
        if self.raw:
            return self.raw
        return self.data.strftime("%H:%M") if self.data else ""
