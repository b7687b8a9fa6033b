"""Forms for signing in, setting up a login, changing a password, and adding staff."""

from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import PasswordField, RadioField, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Regexp, ValidationError

from advocate_app.accounts.passwords import MAX_LENGTH, MIN_LENGTH, too_easy_to_guess
from advocate_app.accounts.services import CODE_LENGTH, normalise_code
from advocate_app.forms import TOO_LONG, AppForm


def _not_easy_to_guess(form, field):
    """Refuse common and breached passphrases, and ones made of the person's own details."""
    if field.errors or not field.data:
        return
    own = [*getattr(form, "own_words", ()), current_app.config.get("SERVICE_NAME", "")]
    if "username" in form and form.username.data:
        own.append(form.username.data)
    if current_user.is_authenticated:
        own.extend([current_user.sign_in_name, current_user.display_name])
    if too_easy_to_guess(field.data, own):
        raise ValidationError(
            _l(
                "This passphrase is too easy to guess: it is common, or made from your own details. "
                "Try three or four unrelated words."
            )
        )


def new_password_field(label):
    """A new passphrase: long rather than complicated (no composition rules), and not easy to guess."""
    return PasswordField(
        label,
        validators=[
            DataRequired(message=_l("Enter a passphrase")),
            Length(
                min=MIN_LENGTH,
                max=MAX_LENGTH,
                message=_l("Your passphrase must be at least %(min)d characters", min=MIN_LENGTH),
            ),
            _not_easy_to_guess,
        ],
    )


def confirm_field():
    return PasswordField(
        _l("Type the passphrase again"),
        validators=[
            DataRequired(message=_l("Type the passphrase again")),
            EqualTo("password", message=_l("The two passphrases do not match")),
        ],
    )


class LoginForm(AppForm):
    identifier = StringField(
        _l("Email address or username"),
        validators=[
            DataRequired(message=_l("Enter your email address or username")),
            Length(max=254, message=TOO_LONG),
        ],
    )
    password = PasswordField(
        _l("Password or passphrase"),
        validators=[
            DataRequired(message=_l("Enter your password or passphrase")),
            Length(max=MAX_LENGTH, message=TOO_LONG),
        ],
    )


class SetupCodeForm(AppForm):
    code = StringField(
        _l("Setup code"),
        validators=[DataRequired(message=_l("Enter the setup code")), Length(max=32, message=TOO_LONG)],
    )

    def validate_code(self, field):
        if len(normalise_code(field.data or "")) != CODE_LENGTH:
            raise ValidationError(_l("The setup code is 8 letters and numbers, like ABCD-2345"))


class IndividualSetupForm(AppForm):
    username = StringField(
        _l("Choose a username"),
        validators=[
            DataRequired(message=_l("Choose a username")),
            Length(min=3, max=40, message=_l("Your username must be 3 to 40 characters")),
            Regexp(
                r"^[A-Za-z0-9._-]+$",
                message=_l("Use only letters, numbers, dots, dashes and underscores in your username"),
            ),
        ],
    )
    password = new_password_field(_l("Choose a passphrase"))
    confirm = confirm_field()

    def validate_password(self, field):
        if self.username.data and self.username.data.lower() in (field.data or "").lower():
            raise ValidationError(_l("Your passphrase must not contain your username"))


class StaffSetupForm(AppForm):
    password = new_password_field(_l("Choose a passphrase"))
    confirm = confirm_field()


class ChangePasswordForm(AppForm):
    current_password = PasswordField(
        _l("Current passphrase"),
        validators=[
            DataRequired(message=_l("Enter your current passphrase")),
            Length(max=MAX_LENGTH, message=TOO_LONG),
        ],
    )
    password = new_password_field(_l("New passphrase"))
    confirm = confirm_field()


class SecondFactorForm(AppForm):
    code = StringField(
        _l("Code"),
        validators=[
            DataRequired(message=_l("Enter the 6-digit code from your authenticator app")),
            Length(max=32, message=TOO_LONG),
        ],
    )


class TurnOffSecondFactorForm(AppForm):
    password = PasswordField(
        _l("Your passphrase"),
        validators=[
            DataRequired(message=_l("Enter your passphrase")),
            Length(max=MAX_LENGTH, message=TOO_LONG),
        ],
    )


def role_choices():
    return [
        ("advocate", _l("Advocate")),
        ("org_worker", _l("Organisation worker")),
        ("coordinator", _l("Coordinator")),
    ]


class StaffUserForm(AppForm):
    display_name = StringField(
        _l("Full name"),
        validators=[DataRequired(message=_l("Enter their full name")), Length(max=200, message=TOO_LONG)],
    )
    email = StringField(
        _l("Email address"),
        validators=[
            DataRequired(message=_l("Enter their email address")),
            Length(max=254, message=TOO_LONG),
            Email(message=_l("Enter an email address like name@example.org"), check_deliverability=False),
        ],
    )
    role = RadioField(_l("Role"), choices=role_choices(), validate_choice=False)
    organisation_id = SelectField(_l("Organisation"), coerce=str, validate_choice=False)

    def validate_role(self, field):
        if field.data not in {value for value, _label in role_choices()}:
            raise ValidationError(_l("Choose a role"))

    def validate_organisation_id(self, field):
        valid = {value for value, _label in field.choices}
        if field.data not in valid:
            raise ValidationError(_l("Choose an organisation"))
        if self.role.data == "org_worker" and not field.data:
            raise ValidationError(_l("An organisation worker must belong to an organisation"))
