"""Views for how things are going: check-ins, the journey so far and reviews."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from advocate_app import db, policy
from advocate_app.accounts.auth import signed_in_user
from advocate_app.clock import local_today
from advocate_app.needs import NEED_DOMAINS
from advocate_app.people.models import Person
from advocate_app.plans import access, chart, outcomes, services, view_models
from advocate_app.plans.models import (
    RatedBy,
)
from advocate_app.plans.outcome_forms import NEXT_REVIEW_MESSAGES, SCORES, CheckInForm, NextReviewForm, ReviewForm
from advocate_app.plans.pages import audit_staff_view, long_date, plan_url, rater_labels, review_overdue
from advocate_app.policy import Action
from advocate_app.wording import is_the_person

# Check-ins ---------------------------------------------------------------------------------------


@policy.requires(Action.PLAN_WRITE)
def new_check_in(person_id: int):
    person = access.person_for(person_id, Action.PLAN_WRITE)
    form = CheckInForm()
    if not is_the_person(signed_in_user()):
        form.ask_whose_rating(person.preferred_name)
    if form.validate_on_submit():
        try:
            check_in = outcomes.record_check_in(
                person.id,
                domain=form.domain.data,
                score=int(form.score.data),
                rated_by=form.whose_rating(),
                taken_on=form.taken_on.data,
                note=form.note.data or "",
                by=signed_in_user(),
            )
        except services.PlanError as error:
            # The form checks the same rules; this only guards against the two drifting apart.
            db.session.rollback()
            getattr(form, error.code, form.domain).errors.append(_("Check this answer"))
        else:
            db.session.commit()
            flash(_("Check-in saved."), "success")
            return redirect(url_for("plans.journey", person_id=person.id, _anchor=f"domain-{check_in.domain}"))
    if not form.is_submitted():
        form.taken_on.process(None, local_today())
        if request.args.get("domain") in NEED_DOMAINS:
            form.domain.data = request.args["domain"]
    return render_template(
        "plans/check_in.html",
        form=form,
        person=person,
        is_person=is_the_person(signed_in_user()),
        scores=SCORES,
        score_words=chart.SCORE_WORDS,
        back=url_for("plans.journey", person_id=person.id),
    )


@policy.requires(Action.PLAN_FOLLOW)
def journey(person_id: int):
    person = access.person_for(person_id, Action.PLAN_FOLLOW)
    me = signed_in_user()
    journeys = chart.journeys(outcomes.check_ins(person.id), NEED_DOMAINS)
    plan = services.active_plan(person.id)
    past_reviews = outcomes.reviews(plan.id) if plan else []
    audit_staff_view(person, "check_ins")
    db.session.commit()
    raters = rater_labels(person, first_person=is_the_person(me))
    shown = {point.rated_by for j in journeys for point in j.chart.points}
    return render_template(
        "plans/journey.html",
        person=person,
        is_person=is_the_person(me),
        journeys=journeys,
        raters=raters,
        check_in_tables=view_models.check_in_tables(journeys, raters),
        key=[(r, chart.marker_path(r, 10, 10), raters[r]) for r in RatedBy if r in shown],
        plan=plan,
        reviews=past_reviews,
        review_overdue=review_overdue(plan),
        may_review=policy.can(me, Action.PLAN_START, person),
        back=plan_url(person),
    )


# Reviews -----------------------------------------------------------------------------------------


def _render_reviews(person: Person, review_form: ReviewForm, next_form: NextReviewForm):
    plan = services.active_plan(person.id)
    return render_template(
        "plans/review.html",
        person=person,
        plan=plan,
        reviews=outcomes.reviews(plan.id) if plan else [],
        review_overdue=review_overdue(plan),
        form=review_form,
        next_form=next_form,
        back=plan_url(person),
    )


def _new_review_forms() -> tuple[ReviewForm, NextReviewForm]:
    review_form, next_form = ReviewForm(), NextReviewForm()
    if not review_form.is_submitted():
        review_form.held_on.process(None, local_today())
    return review_form, next_form


# The gate is the plan's: the person reaching their own review page is told it is not there (404), not refused.
@policy.requires(Action.PLAN_FOLLOW)
def review(person_id: int):
    person = access.person_for(person_id, Action.PLAN_START)
    review_form, next_form = _new_review_forms()
    if review_form.validate_on_submit():
        plan = access.active_plan_for(person, start=True)
        try:
            held = outcomes.hold_review(
                plan,
                held_on=review_form.held_on.data,
                went_well=review_form.went_well.data or "",
                what_changed=review_form.what_changed.data or "",
                next_review_date=review_form.next_review_date.data,
                by=signed_in_user(),
                today=local_today(),
            )
        except services.PlanError as error:
            db.session.rollback()
            review_form.next_review_date.errors.append(str(NEXT_REVIEW_MESSAGES.get(error.code, _("Check the date"))))
        else:
            db.session.commit()
            flash(_("Review saved. The next review is on %(date)s.", date=long_date(held.next_review_date)), "success")
            return redirect(url_for("plans.review", person_id=person.id))
    elif request.method == "GET":
        audit_staff_view(person, "plan_review")
        db.session.commit()
    return _render_reviews(person, review_form, next_form)


@policy.requires(Action.PLAN_FOLLOW)
def set_next_review(person_id: int):
    person = access.person_for(person_id, Action.PLAN_START)
    review_form, next_form = _new_review_forms()
    if next_form.validate_on_submit():
        plan = access.active_plan_for(person, start=True)
        try:
            outcomes.set_next_review(plan, next_form.review_date.data, by=signed_in_user(), today=local_today())
        except services.PlanError as error:
            db.session.rollback()
            next_form.review_date.errors.append(str(NEXT_REVIEW_MESSAGES.get(error.code, _("Check the date"))))
        else:
            db.session.commit()
            flash(_("The next review is on %(date)s.", date=long_date(plan.next_review_date)), "success")
            return redirect(url_for("plans.review", person_id=person.id))
    return _render_reviews(person, review_form, next_form)
