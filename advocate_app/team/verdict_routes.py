"""The person's verdict on finished help, and an organisation's own view of the verdicts on its help."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from advocate_app import db, policy
from advocate_app.accounts.auth import signed_in_user
from advocate_app.i18n import isolated
from advocate_app.policy import Action
from advocate_app.referrals import services as referrals
from advocate_app.team import verdicts
from advocate_app.team.review_forms import VerdictForm
from advocate_app.team.review_models import VerdictGivenHow
from advocate_app.wording import is_the_person

_ERRORS = {
    "not_finished": lambda: _("You can say how useful the help was once it has finished."),
    "rating": lambda: _("Choose a number from 1 to 5"),
    "words": lambda: _("This is too long: use at most %(max)d characters", max=verdicts.WORDS_MAX),
}


@policy.requires(Action.VERDICT_GIVE)
def give_verdict(person_id: int, referral_id: int):
    """How useful was the help? 1 to 5, why in their own words, and whether the organisation may read them."""
    person = policy.person_or_404(current_user, person_id, Action.VERDICT_GIVE)
    referral = referrals.load(referral_id)
    is_person = is_the_person(current_user)
    if referral is None or referral.person_id != person.id:
        abort(404)
    if is_person and referrals.kept_from_person(referral):
        abort(404)
    given = verdicts.of_referral(referral.id)
    form = VerdictForm(
        data=None
        if given is None
        else {
            "rating": str(given.rating),
            "words": given.words,
            "organisation_may_read": "yes" if given.organisation_may_read else "no",
        }
    )
    if form.validate_on_submit():
        try:
            verdicts.give(
                referral,
                rating=int(form.rating.data),
                words=form.words.data or "",
                organisation_may_read=form.organisation_may_read.data == "yes",
                by=signed_in_user(),
                how=VerdictGivenHow.APP if is_person else VerdictGivenHow.ADVOCATE,
            )
        except verdicts.VerdictError as error:
            db.session.rollback()
            getattr(form, error.field or "rating").errors = [_ERRORS[error.code]()]
        else:
            db.session.commit()
            flash(
                _("Thank you. Your answer has been saved.") if is_person else _("The answer has been saved."), "success"
            )
            return redirect(url_for("people.my_plan") if is_person else url_for("plans.plan", person_id=person.id))
    return render_template(
        "team/verdict.html",
        person=person,
        referral=referral,
        form=form,
        is_person=is_person,
        finished=verdicts.is_finished(referral),
        organisation_name=isolated(referral.organisation.name),
        back=url_for("people.my_plan") if is_person else url_for("referrals.person_referrals", person_id=person.id),
    )


@policy.requires(Action.VERDICTS_OF_ORGANISATION)
def organisation_verdicts():
    """What the people said about the organisation's own help: figures from five people, words they let it read."""
    if current_user.organisation_id is None:
        abort(403)
    view = verdicts.organisation_view(current_user.organisation_id)
    return render_template("team/verdicts_organisation.html", view=view, minimum=verdicts.MIN_ANSWERS)
