"""Views for check-ins, the journey chart, reviews and the meeting summary."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from flask import flash, make_response, redirect, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user

from advocate_app import db, policy
from advocate_app.accounts.auth import roles_required
from advocate_app.accounts.models import Role, User
from advocate_app.audit.services import record as audit
from advocate_app.clock import local_today
from advocate_app.i18n import isolated
from advocate_app.needs import NEED_DOMAINS
from advocate_app.people.models import Person
from advocate_app.plans import access, bp, chart, outcomes, services, view_models
from advocate_app.plans.forms import GOAL_STATUS_LABELS, PRIORITY_LABELS
from advocate_app.plans.models import ItemKind, Plan, PlanItem, RatedBy, StepOwner, Voice
from advocate_app.plans.outcome_forms import NEXT_REVIEW_MESSAGES, SCORES, CheckInForm, NextReviewForm, ReviewForm
from advocate_app.plans.routes import ABOUT_TOPICS, plan_url
from advocate_app.policy import Action
from advocate_app.wording import Reader

PERSON_OR_ADVOCATE = (Role.INDIVIDUAL, Role.ADVOCATE)


def _me() -> User:
    return current_user._get_current_object()


def _is_person(user: User) -> bool:
    return user.role is Role.INDIVIDUAL


def rater_labels(person: Person, *, first_person: bool) -> dict[RatedBy, str]:
    """Whose rating a check-in is: in the person's own words when they read it, otherwise about them."""
    if first_person:
        return {
            RatedBy.PERSON: _("My rating"),
            RatedBy.ADVOCATE: _("My advocate's rating"),
            RatedBy.TOGETHER: _("Agreed together"),
        }
    return {
        RatedBy.PERSON: _("%(name)s's rating", name=isolated(person.preferred_name)),
        RatedBy.ADVOCATE: _("Advocate's rating"),
        RatedBy.TOGETHER: _("Agreed together"),
    }


def _audit_staff_view(person: Person, object_type: str, object_id: int | None = None) -> None:
    # The person looking at their own record is not an access to record; staff looking is.
    if not _is_person(_me()):
        audit("view", actor=_me(), person_id=person.id, object_type=object_type, object_id=object_id)


# Check-ins ---------------------------------------------------------------------------------------


@bp.route("/people/<int:person_id>/check-ins/new", methods=["GET", "POST"])
@roles_required(*PERSON_OR_ADVOCATE)
def new_check_in(person_id: int):
    person = access.person_for(person_id, Action.PLAN_WRITE)
    form = CheckInForm()
    if not _is_person(_me()):
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
                by=_me(),
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
        is_person=_is_person(_me()),
        scores=SCORES,
        score_words=chart.SCORE_WORDS,
        back=url_for("plans.journey", person_id=person.id),
    )


@bp.get("/people/<int:person_id>/journey")
@roles_required(*PERSON_OR_ADVOCATE)
def journey(person_id: int):
    person = access.person_for(person_id)
    me = _me()
    journeys = chart.journeys(outcomes.check_ins(person.id), NEED_DOMAINS)
    plan = services.active_plan(person.id)
    past_reviews = outcomes.reviews(plan.id) if plan else []
    _audit_staff_view(person, "check_ins")
    db.session.commit()
    raters = rater_labels(person, first_person=_is_person(me))
    shown = {point.rated_by for j in journeys for point in j.chart.points}
    return render_template(
        "plans/journey.html",
        person=person,
        is_person=_is_person(me),
        journeys=journeys,
        raters=raters,
        check_in_tables=view_models.check_in_tables(journeys, raters),
        key=[(r, chart.marker_path(r, 10, 10), raters[r]) for r in RatedBy if r in shown],
        plan=plan,
        reviews=past_reviews,
        review_overdue=_overdue(plan),
        may_review=policy.can(me, Action.PLAN_START, person),
        back=plan_url(person),
    )


def _overdue(plan: Plan | None) -> bool:
    return bool(plan and plan.next_review_date and plan.next_review_date < local_today())


# Reviews -----------------------------------------------------------------------------------------


def _render_reviews(person: Person, review_form: ReviewForm, next_form: NextReviewForm):
    plan = services.active_plan(person.id)
    return render_template(
        "plans/review.html",
        person=person,
        plan=plan,
        reviews=outcomes.reviews(plan.id) if plan else [],
        review_overdue=_overdue(plan),
        form=review_form,
        next_form=next_form,
        back=plan_url(person),
    )


def _new_review_forms() -> tuple[ReviewForm, NextReviewForm]:
    review_form, next_form = ReviewForm(), NextReviewForm()
    if not review_form.is_submitted():
        review_form.held_on.process(None, local_today())
    return review_form, next_form


@bp.route("/people/<int:person_id>/plan/review", methods=["GET", "POST"])
@roles_required(*PERSON_OR_ADVOCATE)
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
                by=_me(),
                today=local_today(),
            )
        except services.PlanError as error:
            db.session.rollback()
            review_form.next_review_date.errors.append(str(NEXT_REVIEW_MESSAGES.get(error.code, _("Check the date"))))
        else:
            db.session.commit()
            flash(_("Review saved. The next review is on %(date)s.", date=_long(held.next_review_date)), "success")
            return redirect(url_for("plans.review", person_id=person.id))
    elif request.method == "GET":
        _audit_staff_view(person, "plan_review")
        db.session.commit()
    return _render_reviews(person, review_form, next_form)


@bp.post("/people/<int:person_id>/plan/next-review")
@roles_required(*PERSON_OR_ADVOCATE)
def set_next_review(person_id: int):
    person = access.person_for(person_id, Action.PLAN_START)
    review_form, next_form = _new_review_forms()
    if next_form.validate_on_submit():
        plan = access.active_plan_for(person, start=True)
        try:
            outcomes.set_next_review(plan, next_form.review_date.data, by=_me(), today=local_today())
        except services.PlanError as error:
            db.session.rollback()
            next_form.review_date.errors.append(str(NEXT_REVIEW_MESSAGES.get(error.code, _("Check the date"))))
        else:
            db.session.commit()
            flash(_("The next review is on %(date)s.", date=_long(plan.next_review_date)), "success")
            return redirect(url_for("plans.review", person_id=person.id))
    return _render_reviews(person, review_form, next_form)


def _long(day: date) -> str:
    return format_date(day, "d MMMM yyyy")


# Summary for a meeting ---------------------------------------------------------------------------


def _step_owner(step: PlanItem, person: Person) -> str:
    """Who does a step, said so that anyone at the meeting understands it."""
    who = {
        StepOwner.ME: person.preferred_name,
        StepOwner.ADVOCATE: _("The advocate"),
        StepOwner.ORGANISATION: _("An organisation"),
    }[step.owner or StepOwner.ME]
    return _("%(who)s: %(detail)s", who=who, detail=step.owner_detail) if step.owner_detail else who


def _about_me(plan: Plan | None, *, include: bool) -> dict:
    """The summary's About me: left out unless asked for (to share less at meetings), and said to be left out.

    Its headings are the section's own, in the person's words ("What matters to me"), whoever prints it.
    """
    written = {item.topic: item for item in (plan.items if plan is not None else []) if item.kind is ItemKind.ABOUT}
    return {
        "include_about": include,
        "about_rows": [
            (label.say(Reader.PERSON), written[topic]) for topic, label in ABOUT_TOPICS.items() if topic in written
        ]
        if include
        else [],
        "about_written": bool(written),
    }


def _summary_context(person: Person, plan: Plan | None) -> dict:
    items = plan.items if plan is not None else []
    children: dict[int, list[PlanItem]] = defaultdict(list)
    for item in items:
        if item.parent_id is not None:
            children[item.parent_id].append(item)
    today = local_today()
    overdue = {
        item.id
        for item in items
        if (item.kind is ItemKind.STEP and item.due_date and item.due_date < today and not item.is_done)
    }
    return {
        "needs": sorted((i for i in items if i.kind is ItemKind.NEED), key=lambda i: (i.priority or 9, i.id)),
        "children": children,
        "overdue": overdue,
        "owners": {item.id: _step_owner(item, person) for item in items if item.kind is ItemKind.STEP},
        "voices": {
            Voice.PERSON: _("In %(name)s's words", name=isolated(person.preferred_name)),
            Voice.ADVOCATE: _("In the advocate's words"),
        },
        "priority_labels": PRIORITY_LABELS,
        "goal_status_labels": GOAL_STATUS_LABELS,
    }


@bp.get("/people/<int:person_id>/plan/summary")
@roles_required(*PERSON_OR_ADVOCATE)
def summary(person_id: int):
    person = access.person_for(person_id)
    me = _me()
    current = services.active_plan(person.id)
    plan = services.load_plan(current.id) if current is not None else None
    latest = chart.latest_by_domain(outcomes.check_ins(person.id), NEED_DOMAINS)
    agreements = services.latest_agreements(plan.id) if plan else {}
    last_review = next(iter(outcomes.reviews(plan.id)), None) if plan else None
    download = request.args.get("download") == "1"
    include_about = request.args.get("about") == "1"
    if download:
        audit("export", actor=me, person_id=person.id, object_type="plan", object_id=plan.id if plan else None)
    else:
        _audit_staff_view(person, "plan", plan.id if plan else None)
    db.session.commit()
    html = render_template(
        "plans/summary.html",
        person=person,
        plan=plan,
        latest=latest,
        latest_rows=view_models.latest_check_in_rows(latest, rater_labels(person, first_person=False)),
        agreement_rows=view_models.agreement_rows(person, plan, agreements, last_review, review_overdue=_overdue(plan)),
        credit=view_models.summary_credit(person),
        made_on=local_today(),
        standalone=download,
        back=plan_url(person),
        **_summary_context(person, plan),
        **_about_me(plan, include=include_about),
    )
    response = make_response(html)
    if download:
        filename = f"plan-summary-{local_today().isoformat()}.html"
        response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
