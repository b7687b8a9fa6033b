"""Partnership reviews: the coordinator's list of reviews due, and one organisation's review with its decision."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from advocate_app import db, policy
from advocate_app.accounts.auth import signed_in_user
from advocate_app.clock import local_today
from advocate_app.directory.models import Organisation
from advocate_app.i18n import isolated
from advocate_app.needs import NEED_DOMAINS
from advocate_app.policy import Action
from advocate_app.team import reviews
from advocate_app.team.review_forms import DECISION_LABELS, ReviewForm
from advocate_app.team.review_models import ReviewDecision

_ERRORS = {
    "decision": lambda: _("Choose a decision"),
    "held_on": lambda: _("The date of the review must be today or earlier"),
    "reasons": lambda: _("Write the reasons for the decision"),
    "too_long": lambda: _("This is too long: use at most %(max)d characters", max=reviews.TEXT_MAX),
    "change_what": lambda: _("Write what changes"),
    "stop_service": lambda: _("Choose the service to stop referring to"),
    "stop_domain": lambda: _("Choose the need it should no longer be offered for"),
    "lift_stop": lambda: _("Choose a service this review stopped, or none"),
    "lift_with_stop": lambda: _("A decision to stop cannot also offer a service again: choose keep or change"),
}


def _months() -> int:
    return current_app.config["PARTNERSHIP_REVIEW_MONTHS"]


@policy.requires(Action.PARTNERSHIP_REVIEW)
def reviews_due():
    """Every partner organisation by when its review is due, flagged when its referrals showed no engagement or no
    movement over two cycles."""
    today = local_today()
    rows = reviews.due_reviews(today, _months())
    return render_template(
        "team/reviews_due.html",
        due_now=[r for r in rows if reviews.is_due(r, today)],
        later=[r for r in rows if not reviews.is_due(r, today)],
        months=_months(),
        today=today,
    )


@policy.requires(Action.PARTNERSHIP_REVIEW)
def partnership_review(organisation_id: int):
    """One organisation's figures since its last review, and the decision: keep, change (what), or stop for a need."""
    organisation = db.session.get(Organisation, organisation_id)
    if organisation is None:
        abort(404)
    today = local_today()
    figures = reviews.review_figures(organisation, today=today, months=_months())
    form = ReviewForm(data={"held_on": today})
    form.stop_service.choices = [("", _("Choose one"))] + [(str(s.id), s.name) for s in figures.services]
    form.lift_stop.choices = [("", _("None: keep every stop"))] + [
        (
            str(stop.id),
            _("%(service)s, for %(need)s", service=isolated(name), need=NEED_DOMAINS.get(stop.domain, stop.domain)),
        )
        for stop, name in figures.stops
    ]
    if form.validate_on_submit():
        try:
            reviews.hold_review(
                organisation,
                reviews.Decision(
                    decision=ReviewDecision(form.decision.data) if form.decision.data in set(ReviewDecision) else None,
                    held_on=form.held_on.data,
                    reasons=form.reasons.data or "",
                    change_what=form.change_what.data or "",
                    stop_service_id=int(form.stop_service.data) if (form.stop_service.data or "").isdigit() else None,
                    stop_domain=form.stop_domain.data or "",
                    lift_stop_id=int(form.lift_stop.data) if (form.lift_stop.data or "").isdigit() else None,
                ),
                by=signed_in_user(),
                today=today,
                months=_months(),
            )
        except reviews.ReviewError as error:
            db.session.rollback()
            getattr(form, error.field).errors = [_ERRORS[error.code]()]
        else:
            db.session.commit()
            flash(_("The review of %(name)s has been recorded.", name=isolated(organisation.name)), "success")
            return redirect(url_for("team.partnership_review", organisation_id=organisation.id))
    return render_template(
        "team/review.html",
        organisation=organisation,
        figures=figures,
        form=form,
        decision_labels=DECISION_LABELS,
        domains=NEED_DOMAINS,
        minimum=reviews.verdicts.MIN_ANSWERS,
        today=today,
    )
