"""Views of the team around the person: the order of needs, a need's lead, waiting for the leading organisation,
and people with no direct contact for a while."""

from __future__ import annotations

from flask import abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from advocate_app import db, policy
from advocate_app.accounts.auth import signed_in_user
from advocate_app.clock import local_today
from advocate_app.directory import services as directory_services
from advocate_app.i18n import isolated
from advocate_app.needs import NEED_DOMAINS
from advocate_app.plans.models import ItemKind
from advocate_app.policy import Action
from advocate_app.team import contact, services
from advocate_app.team.models import WITH_PERSON, LeadKind
from advocate_app.wording import is_the_person


def _plan_url(person) -> str:
    if is_the_person(signed_in_user()):
        return url_for("people.my_plan", _anchor="who-is-helping")
    return url_for("plans.plan", person_id=person.id, _anchor="who-is-helping")


def _entry_or_404(person, raw_id: str | None, kind: ItemKind):
    """The entry of ``kind`` named in the address, when it is in the person's active plan (None when none named)."""
    if not raw_id:
        return None
    entry = services.active_plan_entry(person.id, int(raw_id), kind) if raw_id.isdigit() else None
    if entry is None:
        abort(404)
    return entry


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
        is_person=is_the_person(signed_in_user()),
        back=_plan_url(person),
    )


@policy.requires(Action.NEED_LEAD_SET)
def set_lead(person_id: int, need_id: int):
    """The person or their advocate takes the lead of a need no organisation is leading."""
    person = policy.person_or_404(current_user, person_id, Action.NEED_LEAD_SET)
    need = _entry_or_404(person, str(need_id), ItemKind.NEED)
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
    raw_service = request.args.get("service", "")
    service = directory_services.service_to_refer_to(int(raw_service)) if raw_service.isdigit() else None
    if service is None:
        abort(404)
    step = _entry_or_404(person, request.args.get("step"), ItemKind.STEP)
    named_need = None if step else _entry_or_404(person, request.args.get("need"), ItemKind.NEED)
    overlap = services.overlap_for_referral(person.id, step, named_need, service)
    if overlap is None:
        flash(_("Nobody else is leading this need now: you can send the referral."))
        return redirect(
            url_for(
                "referrals.new_referral",
                person_id=person.id,
                service=service.id,
                step=step.id if step else None,
                need=named_need.id if named_need else None,
            )
        )
    _decision, step_made = services.wait_for_lead(
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
        url_for("plans.goal", person_id=person.id, item_id=step_made.parent_id, _anchor=f"item-{step_made.id}")
    )


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


# For the "How was this done?" choice on staff forms (templates/team/_contact_choice.html): template globals, each
# called only by the templates that show the choice.
CONTACT_WITH_PERSON = frozenset(mode.value for mode in WITH_PERSON)


def contact_choice_shown() -> bool:
    """Whether the signed-in user records how things were done."""
    return current_user.is_authenticated and contact.records_contact(signed_in_user())


def contact_default() -> str:
    """The choice made unless the user changes it: asked once a page however many steps show the choice."""
    if "contact_default" not in g:
        g.contact_default = contact.default_mode(signed_in_user()).value
    return g.contact_default


def contact_modes() -> list[tuple[str, str]]:
    """Each way of doing it and its words, in the language in force."""
    return [(mode.value, label) for mode, label in contact.MODE_LABELS.items()]
