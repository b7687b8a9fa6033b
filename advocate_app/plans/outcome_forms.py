"""Forms for outcome check-ins and plan reviews."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import RadioField, SelectField, TextAreaField
from wtforms.validators import Length, Optional, StopValidation, ValidationError

from advocate_app.clock import local_today
from advocate_app.forms import TOO_LONG, AppForm, DatePartsField
from advocate_app.needs import NEED_DOMAINS
from advocate_app.plans.models import RatedBy
from advocate_app.plans.outcomes import SCORE_MAX, SCORE_MIN, next_review_problem

NOTE_MAX = 2000
REVIEW_TEXT_MAX = 4000
SCORES = [str(score) for score in range(SCORE_MIN, SCORE_MAX + 1)]


class RequiredDateField(DatePartsField):
    """A date that must be given, with its own "enter the date" message (the generic one reads badly)."""

    def __init__(self, label=None, validators=None, *, missing: str, **kwargs):
        super().__init__(label, validators, required=True, **kwargs)
        self.missing_message = missing

    def pre_validate(self, form):
        if not self.parse_error and self.data is None:
            raise StopValidation(self.missing_message)
        super().pre_validate(form)


def _not_in_future(field, message) -> None:
    if field.data is not None and field.data > local_today():
        raise ValidationError(message)


class CheckInForm(AppForm):
    """How things are in one area of life, 1–10, on a day; the advocate also says whose rating it is."""

    domain = SelectField(
        _l("Which part of life is this about?"),
        choices=[("", _l("Choose one"))] + list(NEED_DOMAINS.items()),
        validate_choice=False,
    )
    score = RadioField(
        _l("How are things with this right now?"), choices=[(s, s) for s in SCORES], validate_choice=False
    )
    rated_by = RadioField(_l("Whose rating is this?"), validate_choice=False)
    note = TextAreaField(_l("Anything to add?"), validators=[Optional(), Length(max=NOTE_MAX, message=TOO_LONG)])
    taken_on = RequiredDateField(_l("Date of the check-in"), missing=_l("Enter the date of the check-in"))

    asks_whose_rating = False

    def ask_whose_rating(self, person_name: str) -> None:
        """Advocates say whose rating it is; a person's own check-in is always their own rating."""
        self.asks_whose_rating = True
        # gettext, not lazy_gettext: a lazy string counts as safe HTML in Jinja, and the name is user text.
        self.rated_by.choices = [
            (RatedBy.PERSON.value, _("%(name)s's rating", name=person_name)),
            (RatedBy.ADVOCATE.value, _("My rating")),
            (RatedBy.TOGETHER.value, _("We agreed it together")),
        ]

    def whose_rating(self) -> RatedBy:
        return RatedBy(self.rated_by.data) if self.asks_whose_rating else RatedBy.PERSON

    def validate_domain(self, field):
        if field.data not in NEED_DOMAINS:
            raise ValidationError(_l("Choose which part of life this is about"))

    def validate_score(self, field):
        if field.data not in SCORES:
            raise ValidationError(_l("Choose a score from 1 to 10"))

    def validate_rated_by(self, field):
        if self.asks_whose_rating and field.data not in {r.value for r in RatedBy}:
            raise ValidationError(_l("Choose whose rating this is"))

    def validate_taken_on(self, field):
        _not_in_future(field, _l("The date of the check-in must be today or in the past"))


class ReviewForm(AppForm):
    """A review held: when, what went well, what has changed, and when the next one is."""

    held_on = RequiredDateField(_l("Date of the review"), missing=_l("Enter the date of the review"))
    went_well = TextAreaField(
        _l("What went well?"), validators=[Optional(), Length(max=REVIEW_TEXT_MAX, message=TOO_LONG)]
    )
    what_changed = TextAreaField(
        _l("What has changed?"), validators=[Optional(), Length(max=REVIEW_TEXT_MAX, message=TOO_LONG)]
    )
    next_review_date = RequiredDateField(_l("Date of the next review"), missing=_l("Enter the date of the next review"))

    def validate_held_on(self, field):
        _not_in_future(field, _l("The date of the review must be today or in the past"))

    def validate_next_review_date(self, field):
        if field.data is not None:
            _check_next_review(field.data, held_on=self.held_on.data)


class NextReviewForm(AppForm):
    """Just the date of the next review: set it, or move it."""

    review_date = RequiredDateField(_l("Date of the next review"), missing=_l("Enter the date of the next review"))

    def validate_review_date(self, field):
        if field.data is not None:
            _check_next_review(field.data)


NEXT_REVIEW_MESSAGES = {
    "past": _l("The next review must be today or later"),
    "next_date": _l("The next review must be after the date of this review"),
}


def _check_next_review(day, held_on=None) -> None:
    """The rule of ``outcomes.next_review_problem``, as a message next to the field."""
    problem = next_review_problem(day, today=local_today(), held_on=held_on)
    if problem:
        raise ValidationError(NEXT_REVIEW_MESSAGES[problem])
