"""Forms and words for the organisation worker's side of a referral: answer it, then keep its status up to date."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import RadioField, TextAreaField
from wtforms.validators import Length, ValidationError

from advocate_app.forms import TOO_LONG, AppForm
from advocate_app.referrals.models import DeclineReason, ReferralStatus, Urgency

NOTE_MAX = 2000

# The status in words, as the receiving organisation reads it.
STATUS_LABELS = {
    ReferralStatus.SENT: _l("Waiting for your answer"),
    ReferralStatus.ACCEPTED: _l("Accepted"),
    ReferralStatus.DECLINED: _l("Declined"),
    ReferralStatus.WITHDRAWN: _l("Withdrawn by the advocate"),
    ReferralStatus.IN_CONTACT: _l("In contact"),
    ReferralStatus.ENGAGED: _l("Engaged"),
    ReferralStatus.COMPLETED: _l("Completed"),
    ReferralStatus.DID_NOT_ENGAGE: _l("Did not engage"),
    ReferralStatus.CLOSED: _l("Closed"),
}
DECLINE_REASON_LABELS = {
    DeclineReason.NO_CAPACITY: _l("We have no capacity"),
    DeclineReason.NOT_ELIGIBLE: _l("The person is not eligible"),
    DeclineReason.PERSON_DECLINED: _l("The person declined"),
    DeclineReason.UNABLE_TO_CONTACT: _l("We were unable to contact them"),
    DeclineReason.DUPLICATE: _l("It duplicates another referral"),
    DeclineReason.OTHER: _l("Another reason"),
}
URGENCY_LABELS = {
    Urgency.ROUTINE: _l("Routine"),
    Urgency.SOON: _l("Soon"),
    Urgency.URGENT: _l("Urgent"),
}
# The updates a worker records after accepting; withdrawing is the advocate's, answering has its own pages.
UPDATE_STATUSES = (
    ReferralStatus.IN_CONTACT,
    ReferralStatus.ENGAGED,
    ReferralStatus.COMPLETED,
    ReferralStatus.DID_NOT_ENGAGE,
    ReferralStatus.CLOSED,
)


class AcceptForm(AppForm):
    """Accepting needs nothing but the button (and its CSRF token)."""


class DeclineForm(AppForm):
    reason = RadioField(_l("Why are you declining this referral?"), validate_choice=False)
    reason_text = TextAreaField(_l("Say why"), validators=[Length(max=NOTE_MAX, message=TOO_LONG)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.reason.choices = [(reason.value, DECLINE_REASON_LABELS[reason]) for reason in DeclineReason]

    def validate_reason(self, field):
        if field.data not in {reason.value for reason in DeclineReason}:
            raise ValidationError(_l("Choose why you are declining"))

    def validate_reason_text(self, field):
        if self.reason.data == DeclineReason.OTHER.value and not (field.data or "").strip():
            raise ValidationError(_l("Say why you are declining"))

    @property
    def chosen_reason(self) -> DeclineReason:
        return DeclineReason(self.reason.data)


class StatusForm(AppForm):
    status = RadioField(_l("What has happened?"), validate_choice=False)
    note = TextAreaField(_l("Note (optional)"), validators=[Length(max=NOTE_MAX, message=TOO_LONG)])

    def __init__(self, *args, allowed=(), **kwargs):
        """:param allowed: the statuses the referral may move to from where it is now."""
        super().__init__(*args, **kwargs)
        self.status.choices = [(status.value, STATUS_LABELS[status]) for status in UPDATE_STATUSES if status in allowed]

    def validate_status(self, field):
        if not field.data:
            raise ValidationError(_l("Choose what has happened"))
        if field.data not in {value for value, _label in field.choices}:
            raise ValidationError(_l("Choose one of the updates offered"))

    @property
    def chosen_status(self) -> ReferralStatus:
        return ReferralStatus(self.status.data)
