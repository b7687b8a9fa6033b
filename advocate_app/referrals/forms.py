"""Forms for the advocate's side of referrals: finding a service and making a referral."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Length, NumberRange, Optional, ValidationError

from advocate_app.forms import TOO_LONG, AppForm
from advocate_app.i18n import LANGUAGE_NAMES
from advocate_app.needs import NEED_DOMAINS
from advocate_app.referrals.models import Urgency

URGENCY_LABELS = {
    Urgency.ROUTINE: _l("Routine"),
    Urgency.SOON: _l("Soon: within the next few days"),
    Urgency.URGENT: _l("Urgent: as soon as possible"),
}


class FindServiceForm(AppForm):
    """The filters of the find-a-service page, sent with GET so they work without JavaScript and can be bookmarked."""

    class Meta:
        csrf = False

    step = HiddenField()
    need = HiddenField()
    filtered = HiddenField(default="1")
    domain = SelectField(_l("Area of need"), validate_choice=False)
    area = StringField(_l("Where (town or area)"), validators=[Optional(), Length(max=100, message=TOO_LONG)])
    language = SelectField(_l("Language"), validate_choice=False)
    age = IntegerField(
        _l("Age"),
        validators=[Optional(), NumberRange(min=0, max=120, message=_l("Enter an age between 0 and 120"))],
    )
    open = BooleanField(_l("Only services taking referrals now or with a waiting list"), false_values=("", "0"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.domain.choices = [("", _("Any area of need"))] + [(key, str(label)) for key, label in NEED_DOMAINS.items()]
        self.language.choices = [("", _("Any language"))] + list(LANGUAGE_NAMES.items())

    def validate_domain(self, field):
        if field.data and field.data not in NEED_DOMAINS:
            raise ValidationError(_l("Choose from the list"))

    def validate_language(self, field):
        if field.data and field.data not in LANGUAGE_NAMES:
            raise ValidationError(_l("Choose from the list"))


class ReferralForm(AppForm):
    """What is shared (only what an agreement covers), a note for the organisation, and how urgent it is."""

    categories = SelectMultipleField(_l("What will they see?"), validate_choice=False)
    note = TextAreaField(_l("Note for the organisation (optional)"), validators=[Length(max=2000, message=TOO_LONG)])
    urgency = RadioField(
        _l("How urgent is it?"),
        choices=[(u.value, label) for u, label in URGENCY_LABELS.items()],
        default=Urgency.ROUTINE.value,
        validate_choice=False,
    )

    def __init__(self, *args, covered_choices=(), nothing_covered_message: str = "", beyond_message: str = "", **kw):
        """:param covered_choices: (value, label) of the categories an agreement covers for the organisation now."""
        super().__init__(*args, **kw)
        self.categories.choices = list(covered_choices)
        self.nothing_covered_message = nothing_covered_message
        self.beyond_message = beyond_message

    def validate_categories(self, field):
        allowed = {value for value, _label in field.choices}
        if not allowed:
            raise ValidationError(self.nothing_covered_message)
        if not field.data:
            raise ValidationError(_("Choose what they may see"))
        if not set(field.data) <= allowed:
            raise ValidationError(self.beyond_message)

    def validate_urgency(self, field):
        if field.data not in {u.value for u in Urgency}:
            raise ValidationError(_l("Choose how urgent it is"))
