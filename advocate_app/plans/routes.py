"""Views for the plan as a whole: the plan and a goal's page, agreeing it, starting a new one, earlier plans
and the summary to print after a meeting."""

from __future__ import annotations

from collections import defaultdict

from flask import abort, flash, make_response, redirect, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from advocate_app import db, policy
from advocate_app.accounts.auth import signed_in_user
from advocate_app.audit.services import record as audit
from advocate_app.clock import local_today
from advocate_app.i18n import isolated
from advocate_app.needs import NEED_DOMAINS
from advocate_app.people.models import Person
from advocate_app.plans import access, chart, outcomes, services, view_models
from advocate_app.plans.forms import (
    GOAL_STATUS_LABELS,
    PRIORITY_LABELS,
)
from advocate_app.plans.models import (
    ItemKind,
    Plan,
    PlanItem,
    PlanStatus,
    StepOwner,
    Voice,
)
from advocate_app.plans.pages import (
    audit_staff_view,
    plan_url,
    rater_labels,
    render_goal,
    render_plan,
    review_overdue,
)
from advocate_app.policy import Action
from advocate_app.wording import ABOUT_TOPICS, Reader, is_the_person


@policy.requires(Action.PLAN_VIEW)
def goal(person_id: int, item_id: int):
    """One goal and its steps: ticking them off, who does them, and the referrals made from them.

    ``?since=`` is the plan version the reader had seen before opening the plan, so the steps changed
    after it are marked here as they were counted on the plan page.
    """
    me = signed_in_user()
    person = access.person_for(person_id)
    entry = services.load_item(item_id)
    if entry is None or entry.kind is not ItemKind.GOAL or entry.plan.person_id != person.id:
        abort(404)
    if me.is_staff:
        audit("view", actor=me, person_id=person.id, object_type="plan_item", object_id=entry.id)
    db.session.commit()
    return render_goal(person, entry, since=request.args.get("since", type=int))


@policy.requires(Action.PLAN_VIEW)
def plan(person_id: int):
    """The plan; a coordinator reaches it only while their break glass is open (the policy decides)."""
    person = access.person_for(person_id)
    if current_user.is_staff:
        audit("view", actor=signed_in_user(), person_id=person.id, object_type="plan")
    return render_plan(person)


@policy.requires(Action.PLAN_WRITE)
def agree(person_id: int):
    person = access.person_for(person_id, Action.PLAN_WRITE)
    current = access.active_plan_for(person)
    if current is None:
        abort(404)
    services.agree(current, by=signed_in_user())
    db.session.commit()
    flash(_("You have agreed this version of the plan."), "success")
    return redirect(plan_url(person, "agreement"))


@policy.requires(Action.PLAN_WRITE)
def withdraw_agreement(person_id: int):
    """Are you sure? Then the signed-in user's agreement to the plan is taken back (one confirmation)."""
    person = access.person_for(person_id, Action.PLAN_WRITE)
    current = access.active_plan_for(person)
    if current is None:
        abort(404)
    if request.method == "POST":
        if services.withdraw_agreement(current, by=signed_in_user()):
            db.session.commit()
            flash(_("You have withdrawn your agreement to the plan."), "success")
        else:
            flash(_("You had not agreed this plan, so there was nothing to withdraw."))
        return redirect(plan_url(person, "agreement"))
    return render_template(
        "plans/withdraw_agreement.html",
        person=person,
        back=plan_url(person, "agreement"),
        is_person=is_the_person(current_user),
    )


@policy.requires(Action.PLAN_START)
def start_new_plan(person_id: int):
    person = access.person_for(person_id, Action.PLAN_START)
    services.start_plan(person.id, by=signed_in_user())
    db.session.commit()
    flash(_("A new plan has been started. The earlier plan is kept and can still be read."), "success")
    return redirect(plan_url(person))


@policy.requires(Action.PLAN_FOLLOW)
def earlier_plans(person_id: int):
    person = access.person_for(person_id, Action.PLAN_FOLLOW)
    plans = services.earlier_plans(person.id)
    return render_template("plans/earlier.html", person=person, plans=plans, back=plan_url(person))


@policy.requires(Action.PLAN_FOLLOW)
def earlier_plan(person_id: int, plan_id: int):
    person = access.person_for(person_id, Action.PLAN_FOLLOW)
    old = access.plan_or_404(person, plan_id)
    if old.status is PlanStatus.ACTIVE:
        return redirect(plan_url(person))
    return render_plan(person, read_only_plan=old)


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


@policy.requires(Action.PLAN_FOLLOW)
def summary(person_id: int):
    person = access.person_for(person_id, Action.PLAN_FOLLOW)
    me = signed_in_user()
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
        audit_staff_view(person, "plan", plan.id if plan else None)
    db.session.commit()
    html = render_template(
        "plans/summary.html",
        person=person,
        plan=plan,
        latest=latest,
        latest_rows=view_models.latest_check_in_rows(latest, rater_labels(person, first_person=False)),
        agreement_rows=view_models.agreement_rows(
            person, plan, agreements, last_review, review_overdue=review_overdue(plan)
        ),
        credit=view_models.summary_credit(person, services.writer_names(plan.items) if plan else {}),
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
