"""Forms of the team around the person: the choice over an overlap, a need's lead, and with or about the person."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import RadioField, TextAreaField
from wtforms.validators import Length, ValidationError

from advocate_app.forms import TOO_LONG, AppForm
from advocate_app.team.contact import MODE_LABELS
from advocate_app.team.models import ContactMode, LeadKind, OverlapChoice

CHOICE_LABELS = {
    OverlapChoice.REPLACE: _l("Replace them: their referral is withdrawn and this one is sent"),
    OverlapChoice.SEND_ANYWAY: _l("Send anyway: both work on this need at the same time"),
}


class OverlapForm(AppForm):
    """Sent with the referral form when another organisation already leads the need (prefix ``overlap``)."""

    class Meta:
        csrf = False  # travels inside the referral form, which carries the token

    choice = RadioField(
        _l("Another organisation is already working on this need. What would you like to do?"),
        choices=[(c.value, label) for c, label in CHOICE_LABELS.items()],
        validate_choice=False,
    )
    reason = TextAreaField(_l("Why send it anyway?"), validators=[Length(max=2000, message=TOO_LONG)])

    def validate_choice(self, field):
        if field.data not in {c.value for c in CHOICE_LABELS}:
            raise ValidationError(_l("Choose whether to replace them or send anyway"))

    def validate_reason(self, field):
        if self.choice.data == OverlapChoice.SEND_ANYWAY.value and not (field.data or "").strip():
            raise ValidationError(_l("Say why both should work on this need at once"))


class LeadForm(AppForm):
    """Who leads a need when no organisation does: the person or their advocate."""

    lead = RadioField(_l("Who leads this need"), choices=[(LeadKind.PERSON.value, ""), (LeadKind.ADVOCATE.value, "")])


def mode_choices() -> list[tuple[str, str]]:
    return [(mode.value, str(label)) for mode, label in MODE_LABELS.items()]


def valid_mode(raw: str | None) -> bool:
    return raw in {m.value for m in ContactMode}
