"""The coordinator's form for adding an organisation."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import RadioField, StringField, TextAreaField
from wtforms.validators import URL, DataRequired, Email, Length, Optional, ValidationError

from advocate_app.forms import TOO_LONG, AppForm


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
