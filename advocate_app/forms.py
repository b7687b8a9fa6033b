"""What every form shares: text cleaned the same way everywhere, a GOV.UK three-part date and a time of day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time

from flask import request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Field, HiddenField, IntegerField, PasswordField, StringField, TextAreaField
from wtforms.utils import unset_value
from wtforms.validators import StopValidation, ValidationError

from advocate_app import text

HIDDEN_CHARACTERS = _l(
    "%(label)s has hidden characters that change how text looks or reads: type it again instead of pasting it"
)


def _text_kind(field_class: type) -> str | None:
    """``free`` for free text, ``short`` for names, numbers and codes, else ``None`` (not typed text)."""
    if issubclass(field_class, (PasswordField, HiddenField)):
        return None  # a passphrase is checked as typed; hidden fields carry the app's own values
    if issubclass(field_class, TextAreaField):
        return "free"
    if issubclass(field_class, StringField):
        return "short"
    return None


def _normalise(value):
    return text.normalise(value) if isinstance(value, str) else value


def _clean_free_text(value):
    return text.clean_free_text(value) if isinstance(value, str) else value


def refuse_hidden_characters(form, field) -> None:
    """Refuse a short field (a name, a number, a code) with direction controls or invisible characters."""
    if isinstance(field.data, str) and text.hidden_characters(field.data):
        raise ValidationError(HIDDEN_CHARACTERS % {"label": field.label.text})


class AppForm(FlaskForm):
    """Every form of the app: read only from ordinary form fields.

    Flask-WTF would also read uploaded files and JSON bodies; a file or a number sent under a text
    field's name would reach the validators as something other than text and fail with a server
    error. Browsers send these forms as plain fields, so nothing real is lost.

    Every text field is normalised to NFC; free text (a text area) loses overrides, unclosed direction
    controls and other hidden characters; a short field refuses them with an error beside it (see
    ``advocate_app.text``). No form repeats this field by field.
    """

    class Meta:
        def wrap_formdata(self, form, formdata):
            if formdata is None or hasattr(formdata, "getlist"):
                return formdata  # given by the caller
            return request.form if form.is_submitted() else None

        def bind_field(self, form, unbound_field, options):
            kind = _text_kind(unbound_field.field_class)
            if kind is not None:
                cleaner = _clean_free_text if kind == "free" else _normalise
                # First, so the field's own filters (and its validators) see the cleaned text.
                options["filters"] = (cleaner, *unbound_field.kwargs.get("filters", ()))
            return super().bind_field(form, unbound_field, options)

    def validate(self, extra_validators=None):
        """Validate, with hidden characters refused in every short text field."""
        extra = {name: list(validators) for name, validators in (extra_validators or {}).items()}
        for name, field in self._fields.items():
            if _text_kind(type(field)) == "short":
                extra.setdefault(name, []).append(refuse_hidden_characters)
        return super().validate(extra)


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


class WholeNumberField(IntegerField):
    """An integer field whose "not a number" message is ours, translated and naming the field."""

    def process_formdata(self, valuelist):
        if not valuelist or not valuelist[0].strip():
            self.data = None
            return
        try:
            self.data = int(valuelist[0].strip())
        except ValueError:
            self.data = None
            raise ValueError(_("%(label)s must be a whole number, like 5", label=self.label.text)) from None
