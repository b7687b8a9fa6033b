"""Views of the team around the person: the order of needs, a need's lead, waiting for the leading organisation,
and people with no direct contact for a while."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from advocate_app import db, policy
from advocate_app.accounts.auth import signed_in_user
from advocate_app.clock import local_today
from advocate_app.directory import services as directory_services
from advocate_app.directory.models import Service
from advocate_app.i18n import isolated
from advocate_app.needs import NEED_DOMAINS
from advocate_app.plans import services as plans
from advocate_app.plans.models import ItemKind, PlanItem, PlanStatus
from advocate_app.policy import Action
from advocate_app.team import contact, services
from advocate_app.team.models import LeadKind
from advocate_app.wording import is_the_person


def _entry_or_404(person, raw_id: str | None, kind: ItemKind) -> PlanItem | None:
    """The plan entry of ``kind`` named in the address, when it is in the person's active plan."""
    if not raw_id:
        return None
    if not raw_id.isdigit():
        abort(404)
    entry = plans.load_item(int(raw_id))
    if (
        entry is None
        or entry.kind is not kind
        or entry.plan.person_id != person.id
        or entry.plan.status is not PlanStatus.ACTIVE
    ):
        abort(404)
    return entry


def _step_or_404(person, raw_id: str | None) -> PlanItem | None:
    return _entry_or_404(person, raw_id, ItemKind.STEP)


def _need_or_404(person, raw_id: str | None) -> PlanItem | None:
    return _entry_or_404(person, raw_id, ItemKind.NEED)


def _service_or_404(raw_service_id: str | None) -> Service:
    service = None
    if raw_service_id and raw_service_id.isdigit():
        service = directory_services.service_to_refer_to(int(raw_service_id))
    if service is None:
        abort(404)
    return service


def _plan_url(person) -> str:
    if is_the_person(current_user):
        return url_for("people.my_plan", _anchor="who-is-helping")
    return url_for("plans.plan", person_id=person.id, _anchor="who-is-helping")


@policy.requires(Action.NEEDS_ORDER)
def order_needs(person_id: int):
    """Put the needs in the order to work on them: first, second, … (a choice per need, no script needed)."""
    person = policy.person_or_404(current_user, person_id, Action.NEEDS_ORDER)
    needs = services.active_needs(person.id)
    chosen = {need.id: index for index, need in enumerate(needs, start=1)}
    error = None
    if request.method == "POST":
        try:
            chosen = {need.id: int(request.form.get(f"place-{need.id}", "")) for need in needs}
            services.order_needs(person, chosen, by=signed_in_user())
        except (ValueError, services.TeamError):
            db.session.rollback()
            error = _("Give each need a different place: 1 for the first to work on, 2 for the next, and so on.")
        else:
            db.session.commit()
            flash(_("The order of the needs is saved."), "success")
            return redirect(_plan_url(person))
    return render_template(
        "team/order.html",
        person=person,
        needs=needs,
        chosen=chosen,
        error=error,
        need_domains=NEED_DOMAINS,
        is_person=is_the_person(current_user),
        back=_plan_url(person),
    )


@policy.requires(Action.NEED_LEAD_SET)
def set_lead(person_id: int, need_id: int):
    """The person or their advocate takes the lead of a need no organisation is leading."""
    person = policy.person_or_404(current_user, person_id, Action.NEED_LEAD_SET)
    need = _need_or_404(person, str(need_id))
    raw = request.form.get("lead")
    if raw not in (LeadKind.PERSON.value, LeadKind.ADVOCATE.value):
        flash(_("Choose who leads this need."))
        return redirect(_plan_url(person))
    try:
        services.set_lead(need, LeadKind(raw), by=signed_in_user())
    except services.TeamError:
        db.session.rollback()
        flash(_("An organisation is leading this need through a referral. That changes when the referral ends."))
    else:
        db.session.commit()
        flash(_("Saved: who leads this need."), "success")
    return redirect(_plan_url(person))


@policy.requires(Action.OVERLAP_DECIDE)
def wait_for_lead(person_id: int):
    """Wait for the organisation leading the need to finish before referring to another: a step reminds the
    advocate, and the caseload says when the first has finished."""
    person = policy.person_or_404(current_user, person_id, Action.OVERLAP_DECIDE)
    service = _service_or_404(request.args.get("service"))
    step = _step_or_404(person, request.args.get("step"))
    need = services.need_for_referral(step, None if step else _need_or_404(person, request.args.get("need")))
    overlap = services.overlap_for(need, service)
    if overlap is None:
        flash(_("Nobody else is leading this need now: you can send the referral."))
        return redirect(
            url_for(
                "referrals.new_referral",
                person_id=person.id,
                service=service.id,
                step=step.id if step else None,
                need=None if step else (need.id if need else None),
            )
        )
    if need.plan.status is not PlanStatus.ACTIVE or need.kind is not ItemKind.NEED:
        abort(404)
    decision = services.wait_for_lead(
        person,
        overlap,
        service,
        by=signed_in_user(),
        today=local_today(),
        words=(
            _("Get help from %(service)s", service=service.name),
            _(
                "Refer to %(service)s when %(organisation)s finishes",
                service=service.name,
                organisation=overlap.organisation_name,
            ),
        ),
    )
    db.session.commit()
    flash(
        _(
            "Nothing was sent. A step reminds you to refer to %(service)s when %(organisation)s finishes.",
            service=isolated(service.name),
            organisation=isolated(overlap.organisation_name),
        ),
        "success",
    )
    return redirect(
        url_for(
            "plans.goal", person_id=person.id, item_id=_goal_of(decision.step_id), _anchor=f"item-{decision.step_id}"
        )
    )


def _goal_of(step_id: int) -> int:
    return plans.load_item(step_id).parent_id


def no_contact_weeks() -> int:
    """How many weeks without direct contact puts someone on the list (``?weeks=``, else the setting)."""
    default = current_app.config.get("NO_DIRECT_CONTACT_WEEKS", 4)
    weeks = request.args.get("weeks", type=int)
    return weeks if weeks is not None and 1 <= weeks <= 52 else default


@policy.requires(Action.NO_CONTACT_LIST)
def no_contact():
    """The advocate's people with no action done with them (face to face, phone, texts, the app together) lately."""
    weeks = no_contact_weeks()
    return render_template(
        "team/no_contact.html",
        weeks=weeks,
        rows=contact.people_without_direct_contact(signed_in_user(), weeks=weeks),
    )
