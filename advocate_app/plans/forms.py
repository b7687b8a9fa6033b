"""Forms for writing a plan together: about me, needs, goals, steps, comments."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, RadioField, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from advocate_app.forms import TOO_LONG, AppForm, DatePartsField
from advocate_app.i18n import isolated
from advocate_app.needs import NEED_DOMAINS
from advocate_app.plans.models import GoalStatus, Priority, StepOwner, Voice
from advocate_app.wording import FORM_LABELS, STEP_OWNERS, Reader

TEXT_MAX = 2000

PRIORITY_LABELS = {
    Priority.HIGH: _l("High – this matters most now"),
    Priority.MEDIUM: _l("Medium"),
    Priority.LOW: _l("Low – it can wait"),
}
GOAL_STATUS_LABELS = {
    GoalStatus.NOT_STARTED: _l("Not started"),
    GoalStatus.IN_PROGRESS: _l("In progress"),
    GoalStatus.ACHIEVED: _l("Achieved"),
    GoalStatus.CHANGED: _l("Changed"),
    GoalStatus.STOPPED: _l("Stopped"),
}


def _text(label, message):
    return TextAreaField(
        label,
        validators=[DataRequired(message=message), Length(max=TEXT_MAX, message=TOO_LONG)],
    )


def _choice(value, allowed) -> None:
    if value not in allowed:
        raise ValidationError(_l("Choose one of the options"))


class VoiceMixin:
    """Advocates say whose words they are typing; a person always writes in their own."""

    voice = RadioField(_l("Whose words are these?"), validate_choice=False)

    def set_voice_choices(self, person_name: str, ask: bool) -> None:
        self.voice.choices = [
            # gettext, not lazy_gettext: a lazy string counts as safe HTML, and the name is typed by people.
            (Voice.PERSON.value, _("%(name)s's own words", name=isolated(person_name))),
            (Voice.ADVOCATE.value, _("My words, as their advocate")),
        ]
        self.ask_voice = ask
        if not ask:
            self.voice.data = Voice.PERSON.value
        elif self.voice.data is None:
            self.voice.data = ""

    def validate_voice(self, field):
        if getattr(self, "ask_voice", False):
            _choice(field.data, {Voice.PERSON.value, Voice.ADVOCATE.value})


class EntryVersionMixin:
    """The version of the entry the form shows, sent back with the change so a save over a later change
    (someone else's, or the same person's in another tab) is noticed."""

    entry_version = HiddenField()

    def base_version(self) -> int | None:
        """The version the change was made on; ``None`` when the form did not say. A value that is not a
        number counts as "before any version", so it can only lead to a comparison, never a blind save."""
        raw = (self.entry_version.data or "").strip()
        if not raw:
            return None
        return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 10 else 0


class AboutForm(EntryVersionMixin, VoiceMixin, AppForm):
    text = _text(FORM_LABELS["about_text"].person, _l("Write something, or go back"))
    addressed_labels = {"text": "about_text"}


class NeedForm(EntryVersionMixin, VoiceMixin, AppForm):
    domain = SelectField(
        _l("What is it about?"),
        choices=[("", _l("Choose an area"))] + [(code, label) for code, label in NEED_DOMAINS.items()],
        validate_choice=False,
    )
    text = _text(FORM_LABELS["need_text"].person, _l("Describe the need"))
    addressed_labels = {"text": "need_text"}
    priority = RadioField(
        _l("How much does it matter right now?"),
        choices=[(str(p.value), label) for p, label in PRIORITY_LABELS.items()],
        validate_choice=False,
    )

    def validate_domain(self, field):
        if field.data not in NEED_DOMAINS:
            raise ValidationError(_l("Choose what the need is about"))

    def validate_priority(self, field):
        if field.data not in {str(p.value) for p in Priority}:
            raise ValidationError(_l("Choose how much it matters right now"))


class GoalForm(EntryVersionMixin, VoiceMixin, AppForm):
    text = _text(_l("What is the goal?"), _l("Describe the goal"))
    target_date = DatePartsField(FORM_LABELS["goal_target_date"].person)
    addressed_labels = {"target_date": "goal_target_date"}
    goal_status = RadioField(
        _l("How is it going?"),
        choices=[(s.value, label) for s, label in GOAL_STATUS_LABELS.items()],
        default=GoalStatus.NOT_STARTED.value,
        validate_choice=False,
    )

    def validate_goal_status(self, field):
        _choice(field.data, {s.value for s in GoalStatus})


class StepForm(EntryVersionMixin, VoiceMixin, AppForm):
    text = _text(_l("What is the step?"), _l("Describe the step"))
    owner = RadioField(
        _l("Who will do it?"),
        choices=[(o.value, worded.person) for o, worded in STEP_OWNERS.items()],
        validate_choice=False,
    )
    owner_detail = TextAreaField(
        _l("Which organisation, or any detail about who"),
        validators=[Optional(), Length(max=200, message=TOO_LONG)],
    )
    due_date = DatePartsField(_l("By when?"))

    def validate_owner(self, field):
        if field.data not in {o.value for o in StepOwner}:
            raise ValidationError(_l("Choose who will do it"))


def address(form, reader: Reader, person_name: str) -> None:
    """Word the form's questions for whoever fills it in: the person about themselves, staff about the person."""
    for field_name, key in getattr(form, "addressed_labels", {}).items():
        form[field_name].label.text = FORM_LABELS[key].say(reader, person_name)
    if "owner" in form:
        # gettext, not lazy_gettext: the person's name is typed by people and must be escaped.
        form.owner.choices = [(o.value, worded.say(reader, person_name)) for o, worded in STEP_OWNERS.items()]


class CommentForm(AppForm):
    body = _text(_l("Add a comment"), _l("Write a comment"))


class DecisionForm(AppForm):
    """Accept a suggested wording or keep the original (the buttons carry the choice)."""
