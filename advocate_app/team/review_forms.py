"""Forms for the person's verdict on the help and for a partnership review."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import RadioField, SelectField, TextAreaField
from wtforms.validators import Length, Optional, StopValidation

from advocate_app.forms import TOO_LONG, AppForm
from advocate_app.needs import NEED_DOMAINS
from advocate_app.plans.outcome_forms import RequiredDateField
from advocate_app.team.review_models import ReviewDecision
from advocate_app.team.reviews import TEXT_MAX
from advocate_app.team.verdicts import WORDS_MAX

RATING_LABELS = {
    "1": _l("1 – not useful at all"),
    "2": _l("2 – not very useful"),
    "3": _l("3 – some use"),
    "4": _l("4 – useful"),
    "5": _l("5 – very useful"),
}
DECISION_LABELS = {
    ReviewDecision.KEEP: _l("Keep referring as we do"),
    ReviewDecision.CHANGE: _l("Keep referring, with a change"),
    ReviewDecision.STOP: _l("Stop referring to one of its services for a need"),
}


class VerdictForm(AppForm):
    """How useful the help was, 1 to 5, why in the person's own words, and whether the organisation may read them."""

    rating = RadioField(_l("Your answer, from 1 to 5"), choices=list(RATING_LABELS.items()), validate_choice=False)
    words = TextAreaField(
        _l("Why? In your own words (you can leave this empty)"),
        validators=[Optional(), Length(max=WORDS_MAX, message=TOO_LONG)],
    )
    organisation_may_read = RadioField(
        _l("May the organisation read your words?"),
        choices=[("no", _l("No, only my advocate")), ("yes", _l("Yes, they may read them (without my name)"))],
        default="no",
        validate_choice=False,
    )

    def validate_rating(self, field) -> None:
        if field.data not in RATING_LABELS:
            raise StopValidation(_l("Choose a number from 1 to 5"))


class ReviewForm(AppForm):
    """A partnership review's decision and reasons."""

    held_on = RequiredDateField(_l("Date of the review"), missing=_l("Enter the date of the review"))
    decision = RadioField(
        _l("Decision"), choices=[(d.value, label) for d, label in DECISION_LABELS.items()], validate_choice=False
    )
    change_what = TextAreaField(_l("What changes"), validators=[Optional(), Length(max=TEXT_MAX, message=TOO_LONG)])
    stop_service = SelectField(_l("Service to stop referring to"), validate_choice=False)
    stop_domain = SelectField(
        _l("For which need"), choices=[("", _l("Choose one"))] + list(NEED_DOMAINS.items()), validate_choice=False
    )
    lift_stop = SelectField(_l("Offer a stopped service again"), validate_choice=False)
    reasons = TextAreaField(_l("Reasons"), validators=[Optional(), Length(max=TEXT_MAX, message=TOO_LONG)])
