"""Forms for giving consent, withdrawing it, and asking to share without it."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, RadioField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from advocate_app.consent.models import Category, GivenHow, Purpose
from advocate_app.consent.services import DPA_CONDITIONS, LAWFUL_BASES
from advocate_app.consent.statements import CATEGORY_LABELS, PURPOSE_LABELS
from advocate_app.forms import TOO_LONG, AppForm

LAWFUL_BASIS_LABELS = {
    "vital_interests": _l("Vital interests: to protect someone's life"),
    "public_task": _l("Public task: a task in the public interest or an official function"),
    "legitimate_interests": _l("Legitimate interests"),
    "legal_obligation": _l("Legal obligation"),
}
DPA_CONDITION_LABELS = {
    "para_18": _l("Schedule 1, paragraph 18: safeguarding of children and of individuals at risk"),
    "para_10": _l("Schedule 1, paragraph 10: preventing or detecting unlawful acts"),
    "para_6": _l("Schedule 1, paragraph 6: statutory and government purposes"),
    "para_8": _l("Schedule 1, paragraph 8: equality of opportunity or treatment"),
    "para_19": _l("Schedule 1, paragraph 19: safeguarding of economic well-being of certain individuals"),
}


class _CategoriesField(SelectMultipleField):
    """Checkboxes for what may be seen. Nothing is ticked until someone ticks it."""

    def pre_validate(self, form):
        if any(value not in {c.value for c in Category} for value in (self.data or [])):
            raise ValidationError(_l("Choose from the list"))


def _category_choices(labels=CATEGORY_LABELS):
    return [(c.value, labels[c]) for c in Category]


class SharingChoiceForm(AppForm):
    """Step 1 of agreeing to share: with whom, what, and for what (from a list, or in a few words)."""

    organisation_id = SelectField(_l("Which organisation?"), validate_choice=False)
    categories = _CategoriesField(_l("What may they see?"), choices=_category_choices(), validate_choice=False)
    purpose_code = RadioField(
        _l("What may they use it for?"),
        choices=[(purpose.value, label) for purpose, label in PURPOSE_LABELS.items()],
        validate_choice=False,
    )
    purpose = StringField(
        _l("Say what it is for, in a few words"),
        validators=[Length(max=300, message=TOO_LONG)],
    )

    def validate_organisation_id(self, field):
        if field.data not in {value for value, _label in field.choices if value}:
            raise ValidationError(_l("Choose an organisation"))

    def validate_categories(self, field):
        if not field.data:
            raise ValidationError(_l("Choose at least one kind of information"))

    def validate_purpose_code(self, field):
        if field.data not in set(Purpose):
            raise ValidationError(_l("Choose what they may use it for"))

    def validate_purpose(self, field):
        if self.purpose_code.data == Purpose.OTHER and not (field.data or "").strip():
            raise ValidationError(_l("Say what the organisation needs it for"))


class ConfirmForm(AppForm):
    """The second step: the statement is on screen; agreeing records exactly that."""

    organisation_id = HiddenField()
    categories = HiddenField()
    purpose_code = HiddenField()
    purpose = HiddenField()
    statement_digest = HiddenField()
    given_how = RadioField(
        _l("How was it agreed?"),
        choices=[
            (GivenHow.VERBAL.value, _l("They told me they agree, and I am recording it")),
            (GivenHow.IN_APP.value, _l("They read this on this screen and agree")),
        ],
        validate_choice=False,
    )

    def validate_given_how(self, field):
        if getattr(self, "ask_how", False) and field.data not in (GivenHow.VERBAL.value, GivenHow.IN_APP.value):
            raise ValidationError(_l("Say how it was agreed"))


class OverrideForm(AppForm):
    organisation_id = SelectField(_l("Which organisation?"), validate_choice=False)
    categories = _CategoriesField(_l("What will be shared?"), choices=_category_choices(), validate_choice=False)
    lawful_basis = RadioField(_l("Lawful basis"), choices=list(LAWFUL_BASIS_LABELS.items()), validate_choice=False)
    dpa_condition = RadioField(
        _l("Data Protection Act 2018 condition"), choices=list(DPA_CONDITION_LABELS.items()), validate_choice=False
    )
    reasons = TextAreaField(
        _l("Why must this be shared without consent?"),
        validators=[Length(max=4000, message=TOO_LONG)],
    )
    what_shared = TextAreaField(
        _l("What exactly will be shared, and with whom there?"),
        validators=[Optional(), Length(max=4000, message=TOO_LONG)],
    )
    person_told = RadioField(
        _l("Has the person been told?"), choices=[("yes", _l("Yes")), ("no", _l("No"))], validate_choice=False
    )
    not_told_reason = TextAreaField(_l("If not, why not?"), validators=[Length(max=2000, message=TOO_LONG)])

    def validate_organisation_id(self, field):
        if field.data not in {value for value, _label in field.choices if value}:
            raise ValidationError(_l("Choose an organisation"))

    def validate_categories(self, field):
        if not field.data:
            raise ValidationError(_l("Choose at least one kind of information"))

    def validate_lawful_basis(self, field):
        if field.data not in LAWFUL_BASES:
            raise ValidationError(_l("Choose the lawful basis"))

    def validate_dpa_condition(self, field):
        if field.data not in DPA_CONDITIONS:
            raise ValidationError(_l("Choose the Data Protection Act condition"))

    def validate_reasons(self, field):
        if len((field.data or "").strip()) < 20:
            raise ValidationError(_l("Write the reasons in full (at least 20 characters)"))

    def validate_person_told(self, field):
        if field.data not in ("yes", "no"):
            raise ValidationError(_l("Say whether the person has been told"))

    def validate_not_told_reason(self, field):
        if self.person_told.data == "no" and not (field.data or "").strip():
            raise ValidationError(_l("Say why the person has not been told"))


class DecideOverrideForm(AppForm):
    decision = RadioField(
        _l("Decision"),
        choices=[("approve", _l("Approve: sharing may go ahead")), ("reject", _l("Refuse"))],
        validate_choice=False,
    )
    note = TextAreaField(_l("Note on the decision"), validators=[Optional(), Length(max=2000, message=TOO_LONG)])

    def validate_decision(self, field):
        if field.data not in ("approve", "reject"):
            raise ValidationError(_l("Choose approve or refuse"))


class PersonToldForm(AppForm):
    """A coordinator records that the person has now been told about a share they were not told of."""


class ReasonForm(AppForm):
    reason = TextAreaField(_l("Why do you need to open this record?"), validators=[Length(max=2000, message=TOO_LONG)])

    def validate_reason(self, field):
        if len((field.data or "").strip()) < 20:
            raise ValidationError(_l("Write the reason in full (at least 20 characters)"))


class LinkForm(AppForm):
    """A harm link between two people: an information wall between their records."""

    other_person_id = SelectField(_l("Who is the other person?"), validate_choice=False)
    description = StringField(
        _l("How are they linked?"),
        validators=[
            DataRequired(message=_l("Say in a few words how they are linked")),
            Length(max=200, message=TOO_LONG),
        ],
    )
    justification = TextAreaField(
        _l("If someone already works with both people, why should they go on doing so?"),
        validators=[Length(max=2000, message=TOO_LONG)],
    )

    def validate_other_person_id(self, field):
        if field.data not in {value for value, _label in field.choices if value}:
            raise ValidationError(_l("Choose the other person"))
