"""Forms for the directory: adding an organisation, editing a service, filtering the list."""

from __future__ import annotations

from babel import Locale, UnknownLocaleError
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import RadioField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import URL, DataRequired, Email, InputRequired, Length, NumberRange, Optional, ValidationError

from advocate_app.forms import TOO_LONG, AppForm, WholeNumberField
from advocate_app.needs import NEED_DOMAINS


def kind_choices():
    return [
        ("voluntary", _l("Voluntary or community organisation")),
        ("statutory", _l("Statutory service")),
        ("other", _l("Other")),
    ]


class OrganisationForm(AppForm):
    name = StringField(
        _l("Name"),
        validators=[DataRequired(message=_l("Enter the organisation's name")), Length(max=200, message=TOO_LONG)],
    )
    kind = RadioField(_l("Type of organisation"), choices=kind_choices(), validate_choice=False)
    description = TextAreaField(_l("What it does"), validators=[Optional(), Length(max=4000, message=TOO_LONG)])
    email = StringField(
        _l("Email address"),
        validators=[
            Optional(),
            Length(max=254, message=TOO_LONG),
            Email(message=_l("Enter an email address like name@example.org"), check_deliverability=False),
        ],
    )
    phone = StringField(_l("Phone number"), validators=[Optional(), Length(max=32, message=TOO_LONG)])
    website = StringField(
        _l("Website"),
        validators=[
            Optional(),
            Length(max=500, message=TOO_LONG),
            URL(require_tld=True, message=_l("Enter a web address like https://example.org")),
        ],
    )

    def validate_kind(self, field):
        if field.data not in {value for value, _label in kind_choices()}:
            raise ValidationError(_l("Choose the type of organisation"))


def capacity_choices():
    return [
        ("open", _l("Taking referrals")),
        ("waiting_list", _l("Waiting list")),
        ("closed", _l("Not taking referrals")),
    ]


# Languages offered on the form besides any a service already has: ours, then others often asked for.
COMMON_LANGUAGES = [
    "en",
    "cy",
    "pl",
    "ur",
    "ar",
    "bn",
    "pa",
    "gu",
    "so",
    "ro",
    "pt",
    "es",
    "fr",
    "zh",
    "ku",
    "fa",
    "ti",
    "uk",
    "ru",
    "lt",
]


def language_label(code: str) -> str:
    """A language's name in the reader's language (falls back to the code)."""
    try:
        return Locale.parse(code).get_display_name(get_locale()) or code
    except (ValueError, UnknownLocaleError):
        return code


class ServiceForm(AppForm):
    """One service's entry: what it offers, who it is for, and whether it is taking referrals."""

    name = StringField(
        _l("Name of the service"),
        validators=[DataRequired(message=_l("Enter the name of the service")), Length(max=200, message=TOO_LONG)],
    )
    capacity = RadioField(_l("Is it taking referrals?"), choices=capacity_choices(), validate_choice=False)
    response_target_days = WholeNumberField(
        _l("Usually replies to a referral within (days)"),
        validators=[
            InputRequired(message=_l("Enter how many days it usually takes to reply")),
            NumberRange(min=1, max=365, message=_l("Enter a number of days from 1 to 365")),
        ],
    )
    description = TextAreaField(_l("What it offers"), validators=[Optional(), Length(max=4000, message=TOO_LONG)])
    eligibility_description = TextAreaField(
        _l("Who it is for"), validators=[Optional(), Length(max=4000, message=TOO_LONG)]
    )
    minimum_age = WholeNumberField(
        _l("Youngest age"),
        validators=[Optional(), NumberRange(min=0, max=150, message=_l("Enter an age from 0 to 150"))],
    )
    maximum_age = WholeNumberField(
        _l("Oldest age"),
        validators=[Optional(), NumberRange(min=0, max=150, message=_l("Enter an age from 0 to 150"))],
    )
    areas = TextAreaField(_l("Areas it covers"), validators=[Optional(), Length(max=4000, message=TOO_LONG)])
    need_domains = SelectMultipleField(_l("What it helps with"), choices=[], validate_choice=False)
    languages = SelectMultipleField(_l("Languages it works in"), choices=[], validate_choice=False)
    phones = TextAreaField(_l("Phone numbers"), validators=[Optional(), Length(max=2000, message=TOO_LONG)])
    email = StringField(
        _l("Email address"),
        validators=[
            Optional(),
            Length(max=254, message=TOO_LONG),
            Email(message=_l("Enter an email address like name@example.org"), check_deliverability=False),
        ],
    )
    url = StringField(
        _l("Website"),
        validators=[
            Optional(),
            Length(max=500, message=TOO_LONG),
            URL(require_tld=True, message=_l("Enter a web address like https://example.org")),
        ],
    )

    def __init__(self, *args, current_languages=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.need_domains.choices = [(code, label) for code, label in NEED_DOMAINS.items()]
        codes = COMMON_LANGUAGES + sorted(set(current_languages) - set(COMMON_LANGUAGES))
        self.languages.choices = [(code, language_label(code)) for code in codes]

    def validate_capacity(self, field):
        if field.data not in {value for value, _label in capacity_choices()}:
            raise ValidationError(_l("Choose whether it is taking referrals"))

    def validate_maximum_age(self, field):
        if field.data is not None and self.minimum_age.data is not None and field.data < self.minimum_age.data:
            raise ValidationError(_l("The oldest age must be the same as or more than the youngest age"))

    def validate_need_domains(self, field):
        if set(field.data or []) - set(NEED_DOMAINS):
            raise ValidationError(_l("Choose from the list"))

    def validate_languages(self, field):
        if any(not code.isascii() or not 2 <= len(code) <= 12 for code in field.data or []):
            raise ValidationError(_l("Choose from the list"))

    def validate_phones(self, field):
        if any(len(number) > 64 for number, _note in self.phone_lines()):
            raise ValidationError(_l("Each phone number must be at most 64 characters"))

    def area_lines(self) -> list[str]:
        return [line.strip()[:500] for line in (self.areas.data or "").splitlines() if line.strip()]

    def phone_lines(self) -> list[tuple[str, str]]:
        """Each line is a number, then optionally a comma and a note such as when it is answered."""
        lines = []
        for line in (self.phones.data or "").splitlines():
            number, _comma, note = line.partition(",")
            if number.strip():
                lines.append((number.strip(), note.strip()))
        return lines


class BrowseForm(AppForm):
    """The directory's filters, read from the query string (a GET form needs no CSRF token)."""

    class Meta:
        csrf = False

    domain = SelectField(_l("Helps with"), choices=[], validate_choice=False)
    area = StringField(_l("Area"), validators=[Optional(), Length(max=100, message=TOO_LONG)])
    language = SelectField(_l("Language"), choices=[], validate_choice=False)
    capacity = SelectField(_l("Taking referrals?"), choices=[], validate_choice=False)

    def __init__(self, formdata, languages=(), **kwargs):
        super().__init__(formdata, **kwargs)
        self.domain.choices = [("", _("Any"))] + [(code, label) for code, label in NEED_DOMAINS.items()]
        self.language.choices = [("", _("Any"))] + [(code, language_label(code)) for code in languages]
        self.capacity.choices = [("", _("Any"))] + capacity_choices()

    def cleaned(self, filters_class):
        """The filters, with anything not offered on the form ignored."""
        allowed = {
            name: {value for value, _label in getattr(self, name).choices}
            for name in ("domain", "language", "capacity")
        }
        return filters_class(
            domain=self.domain.data if self.domain.data in allowed["domain"] else "",
            area=(self.area.data or "").strip()[:100],
            language=self.language.data if self.language.data in allowed["language"] else "",
            capacity=self.capacity.data if self.capacity.data in allowed["capacity"] else "",
        )
