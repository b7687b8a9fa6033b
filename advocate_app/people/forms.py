"""The form an advocate fills in about a person, including the safe-contact profile."""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from advocate_app.forms import TOO_LONG, AppForm, DatePartsField, TimeOfDayField
from advocate_app.i18n import LANGUAGE_NAMES
from advocate_app.people.phones import NotAMobileNumber, to_e164_mobile

WEEKDAYS = (
    _l("Monday"),
    _l("Tuesday"),
    _l("Wednesday"),
    _l("Thursday"),
    _l("Friday"),
    _l("Saturday"),
    _l("Sunday"),
)

YES_NO = [("yes", _l("Yes")), ("no", _l("No"))]


def _yes_no(label):
    return RadioField(label, choices=YES_NO, default="no", validate_choice=False)


class PersonForm(AppForm):
    preferred_name = StringField(
        _l("Preferred name"),
        validators=[
            DataRequired(message=_l("Enter the name they like to be called")),
            Length(max=120, message=TOO_LONG),
        ],
    )
    language = SelectField(
        _l("Language for messages and pages"), choices=list(LANGUAGE_NAMES.items()), validate_choice=False
    )
    phone = StringField(_l("Mobile number"), validators=[Optional(), Length(max=40, message=TOO_LONG)])
    date_of_birth = DatePartsField(_l("Date of birth"))
    area = StringField(_l("Area they live in"), validators=[Optional(), Length(max=120, message=TOO_LONG)])
    sms_allowed = _yes_no(_l("Can we send them text messages?"))
    shared_phone = _yes_no(_l("Might someone else see or use their phone?"))
    may_name_organisation = _yes_no(_l("Can messages say who they are from?"))
    code_word = StringField(_l("Code word"), validators=[Optional(), Length(max=60, message=TOO_LONG)])
    remove_code_word = BooleanField(_l("Remove the code word"))
    contact_review_date = DatePartsField(_l("Check these contact arrangements again by"))
    contact_notes = TextAreaField(
        _l("Anything else about contacting them safely"), validators=[Optional(), Length(max=2000, message=TOO_LONG)]
    )

    def validate_language(self, field):
        if field.data not in LANGUAGE_NAMES:
            raise ValidationError(_l("Choose a language"))

    def validate_phone(self, field):
        if not field.data:
            return
        try:
            self.phone_e164 = to_e164_mobile(field.data, current_app.config["DEFAULT_PHONE_REGION"])
        except NotAMobileNumber:
            raise ValidationError(
                # Numbers are kept left to right (U+2066 … U+2069) inside a right-to-left sentence.
                _(
                    "Enter a mobile number, like %(local)s or %(international)s",
                    local="\u206607700 900 982\u2069",
                    international="\u2066+44 7700 900 982\u2069",
                )
            ) from None

    def _validate_yes_no(self, field):
        if field.data not in ("yes", "no"):
            raise ValidationError(_l("Select yes or no"))

    validate_sms_allowed = _validate_yes_no
    validate_shared_phone = _validate_yes_no
    validate_may_name_organisation = _validate_yes_no

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        if self.sms_allowed.data == "yes" and not self.phone.data and not self.phone.errors:
            self.phone.errors.append(_l("Enter a mobile number, or say we cannot send text messages"))
            ok = False
        for index in range(7):
            start, end = self.window_fields(index)
            if start.errors or end.errors:
                ok = False
                continue
            if (start.data is None) != (end.data is None):
                (end if end.data is None else start).errors.append(_l("Enter both times, or neither"))
                ok = False
            elif start.data is not None and end.data <= start.data:
                end.errors.append(_l("The end time must be after the start time"))
                ok = False
        return ok

    def window_fields(self, index: int):
        return getattr(self, f"window_{index}_from"), getattr(self, f"window_{index}_until")

    def safe_windows(self) -> dict:
        windows = {}
        for index in range(7):
            start, end = self.window_fields(index)
            if start.data is not None and end.data is not None:
                windows[index] = (start.data, end.data)
        return windows


for _index, _day in enumerate(WEEKDAYS):
    setattr(PersonForm, f"window_{_index}_from", TimeOfDayField(_l("%(day)s from", day=_day)))
    setattr(PersonForm, f"window_{_index}_until", TimeOfDayField(_l("%(day)s until", day=_day)))


class AssignAdvocateForm(AppForm):
    advocate_id = SelectField(_l("Advocate"), validate_choice=False)
    lead = RadioField(_l("Make them the lead advocate?"), choices=YES_NO, default="no", validate_choice=False)
    justification = TextAreaField(
        _l("Why should this advocate work with both people?"), validators=[Length(max=2000, message=TOO_LONG)]
    )
    # Set by the view before validating: True when assigning this advocate (lead or not) would put them on both
    # sides of an information wall that has no recorded justification yet.
    justification_required = False

    def validate_advocate_id(self, field):
        if field.data not in {value for value, _label in field.choices}:
            raise ValidationError(_l("Choose an advocate"))

    def validate_lead(self, field):
        if field.data not in ("yes", "no"):
            raise ValidationError(_l("Select yes or no"))

    justification_message = _l(
        "This advocate already works with someone this person has an information wall with. "
        "Write why they should work with both (at least 20 characters)"
    )

    def validate_justification(self, field):
        if self.justification_required and len((field.data or "").strip()) < 20:
            raise ValidationError(self.justification_message)
