"""Making and following referrals (the advocate and the person): find a service, refer, follow, withdraw."""

from __future__ import annotations

from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user

from advocate_app import db, policy
from advocate_app.accounts.auth import signed_in_user
from advocate_app.audit.services import record as audit
from advocate_app.clock import local_today
from advocate_app.consent import services as consent_services
from advocate_app.consent.models import Category
from advocate_app.directory import services as directory_services
from advocate_app.directory.models import Service
from advocate_app.i18n import isolated
from advocate_app.people.models import Person
from advocate_app.plans import services as plans
from advocate_app.plans.models import ItemKind, PlanItem, PlanStatus
from advocate_app.policy import Action
from advocate_app.referrals import services
from advocate_app.referrals.forms import URGENCY_LABELS, FindServiceForm, ReferralForm
from advocate_app.referrals.models import DeclineReason, Referral, ReferralStatus, Urgency
from advocate_app.team import services as team
from advocate_app.team import verdicts
from advocate_app.team.forms import OverlapForm
from advocate_app.team.models import OverlapChoice
from advocate_app.wording import CATEGORIES, Reader, is_the_person, labels, reader_of

DECLINE_REASON_LABELS = {
    DeclineReason.NO_CAPACITY: (lambda: _("They have no space at the moment")),
    DeclineReason.NOT_ELIGIBLE: (lambda: _("The person is not eligible for this service")),
    DeclineReason.PERSON_DECLINED: (lambda: _("The person told them they did not want it")),
    DeclineReason.UNABLE_TO_CONTACT: (lambda: _("They could not get in touch with the person")),
    DeclineReason.DUPLICATE: (lambda: _("They already have a referral for this person")),
    DeclineReason.OTHER: (lambda: _("Another reason")),
}


def _entry_or_404(person: Person, raw_id: str | None, kind: ItemKind) -> PlanItem | None:
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


def _step_or_404(person: Person, raw_step_id: str | None) -> PlanItem | None:
    """The step named in the address, when it is a step of the person's active plan."""
    return _entry_or_404(person, raw_step_id, ItemKind.STEP)


def _need_or_404(person: Person, raw_need_id: str | None) -> PlanItem | None:
    """The need named in the address (a referral made straight from it), when it is in the person's active plan."""
    return _entry_or_404(person, raw_need_id, ItemKind.NEED)


def _need_domain_of(step: PlanItem | None) -> str | None:
    goal = db.session.get(PlanItem, step.parent_id) if step is not None and step.parent_id else None
    need = db.session.get(PlanItem, goal.parent_id) if goal is not None and goal.parent_id else None
    return need.domain if need is not None else None


def _as_label(words: str) -> str:
    """A phrase made to sit inside a sentence ("the goals and steps in Sam's plan"), as a box's label."""
    return words[:1].upper() + words[1:]


def _age_on(born: date | None, today: date) -> int | None:
    if born is None:
        return None
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


@policy.requires(Action.REFERRAL_MAKE)
def find_service(person_id: int):
    """Services that could help with a need, filtered like a directory, each with how it really answers."""
    person = policy.person_or_404(current_user, person_id, Action.REFERRAL_MAKE)
    step = _step_or_404(person, request.args.get("step"))
    need = None if step else _need_or_404(person, request.args.get("need"))
    if "filtered" in request.args:
        form = FindServiceForm(formdata=request.args)
        form.validate()
    else:
        form = FindServiceForm(
            formdata=None,
            data={
                "step": str(step.id) if step else "",
                "need": str(need.id) if need else "",
                "domain": (need.domain if need else _need_domain_of(step)) or "",
                "area": person.area or "",
                "language": person.language or "",
                "age": _age_on(person.date_of_birth, local_today()),
                "open": True,
            },
        )
    # A filter typed wrongly is shown with its error and left out, rather than matching nothing.
    usable = {name: (None if form[name].errors else form[name].data) for name in ("domain", "area", "language", "age")}
    found = services.find_services(
        domain=usable["domain"] or None,
        area=(usable["area"] or "").strip() or None,
        language=usable["language"] or None,
        age=usable["age"],
        open_only=bool(form.open.data),
    )
    return render_template(
        "referrals/find.html",
        person=person,
        step=step,
        need=need,
        form=form,
        found=found,
        filters_open=not (step or need) or bool(form.errors),
        figures=services.service_figures([s.id for s in found]),
        verdicts=verdicts.by_service([s.id for s in found]),
        verdict_minimum=verdicts.MIN_ANSWERS,
        sharing_with=consent_services.organisations_shared_with(person.id, include_spent=True),
    )


def _service_or_404(raw_service_id: str | None) -> Service:
    service = None
    if raw_service_id and raw_service_id.isdigit():
        service = directory_services.service_to_refer_to(int(raw_service_id))
    if service is None:
        abort(404)
    return service


def _referral_error_message(code: str, person: Person, service: Service) -> str:
    messages = {
        "consent": _nothing_covered(person, service),
        "categories": _("Choose what they may see"),
        "closed": _("%(service)s is not taking referrals at the moment. Choose another service.", service=service.name),
        "stopped": _(
            "The partnership has stopped referring to %(service)s for this need. Choose another service.",
            service=service.name,
        ),
        "step": _("That step is not part of this plan."),
    }
    return messages.get(code, _("The referral could not be made. Please try again."))


def _nothing_covered(person: Person, service: Service) -> str:
    return _(
        "%(name)s has not agreed to share anything with %(organisation)s. Ask them, or record their agreement first.",
        name=isolated(person.preferred_name),
        organisation=isolated(service.organisation.name),
    )


@policy.requires(Action.REFERRAL_MAKE)
def new_referral(person_id: int):
    """Refer the person to a service, sharing only what their agreement with that organisation covers."""
    person = policy.person_or_404(current_user, person_id, Action.REFERRAL_MAKE)
    service = _service_or_404(request.args.get("service"))
    step = _step_or_404(person, request.args.get("step"))
    need = None if step else _need_or_404(person, request.args.get("need"))
    covered = consent_services.referable_categories(person.id, service.organisation_id)
    form = ReferralForm(
        covered_choices=[
            (c.value, _as_label(CATEGORIES[c].say(Reader.ADVOCATE, person.preferred_name)))
            for c in Category
            if c in covered
        ],
        nothing_covered_message=_nothing_covered(person, service),
        beyond_message=_(
            "You can only share what %(name)s has agreed to share with %(organisation)s.",
            name=isolated(person.preferred_name),
            organisation=isolated(service.organisation.name),
        ),
    )
    today = local_today()
    # Another organisation already leading the need: the advocate is told, and chooses (see team.services).
    overlap = team.overlap_for_referral(person.id, step, need, service)
    overlap_form = OverlapForm(prefix="overlap") if overlap is not None else None
    if form.validate_on_submit() and (overlap_form is None or overlap_form.validate()):
        try:
            referral, step = services.refer_from_plan(
                person,
                service,
                categories=form.categories.data,
                by=signed_in_user(),
                today=today,
                step=step,
                need=need,
                step_words=(
                    _("Get help from %(service)s", service=service.name),
                    _("Referred to %(service)s", service=service.name),
                ),
                note=form.note.data or "",
                urgency=Urgency(form.urgency.data),
            )
            if overlap is not None:
                team.referred_over(
                    person,
                    overlap,
                    referral,
                    OverlapChoice(overlap_form.choice.data),
                    reason=overlap_form.reason.data or "",
                    by=signed_in_user(),
                )
        except services.ReferralError as error:
            # Refused before anything was added, so there is nothing to undo.
            form.categories.errors = [_referral_error_message(error.code, person, service)]
        else:
            db.session.commit()
            flash(
                _(
                    "Referral sent to %(service)s. They are asked to reply by %(date)s.",
                    service=service.name,
                    date=_format_date(referral.respond_by),
                ),
                "success",
            )
            if step is not None:
                return redirect(
                    url_for("plans.goal", person_id=person.id, item_id=step.parent_id, _anchor=f"item-{step.id}")
                )
            return redirect(url_for("referrals.person_referrals", person_id=person.id))
    return render_template(
        "referrals/new.html",
        person=person,
        service=service,
        step=step,
        need=need,
        form=form,
        covered=covered,
        respond_by=services.respond_by_date(service, today),
        closed=service.capacity_status.value == "closed",
        overlap=overlap,
        overlap_form=overlap_form,
    )


def _format_date(value: date) -> str:
    return format_date(value, "d MMMM yyyy")


@policy.requires(Action.REFERRALS_OF_PERSON)
def person_referrals(person_id: int):
    """The person's referrals in plain words; their advocate also sees reasons, history and other places to try."""
    person = policy.person_or_404(current_user, person_id, Action.REFERRALS_OF_PERSON)
    is_person = is_the_person(current_user)
    referrals = services.of_person(person.id, viewer=signed_in_user(), with_history=not is_person)
    alternatives: dict[int, list[Service]] = {}
    figures: dict[int, dict] = {}
    verdict_figures: dict = {}
    not_told: set[int] = set()
    same_organisation_left_out: set[int] = set()
    if not is_person:
        not_told = policy.referral_ids_kept_from_person(person.id)
        audit("view", actor=signed_in_user(), person_id=person.id, object_type="referrals")
        declined = [r for r in referrals if r.status is ReferralStatus.DECLINED]
        alternatives = services.alternatives_for(declined)
        same_organisation_left_out = {r.id for r in declined if not services.same_organisation_allowed(r)}
        offered = sorted({s.id for found in alternatives.values() for s in found})
        figures = services.service_figures(offered)
        verdict_figures = verdicts.by_service(offered)
        db.session.commit()
    return render_template(
        "referrals/person_list.html",
        person=person,
        is_person=is_person,
        referrals=referrals,
        alternatives=alternatives,
        figures=figures,
        verdicts=verdict_figures,
        verdict_minimum=verdicts.MIN_ANSWERS,
        not_told=not_told,
        same_organisation_left_out=same_organisation_left_out,
        today=local_today(),
        decline_reasons=DECLINE_REASON_LABELS,
        category_labels=labels(CATEGORIES, reader_of(current_user), person.preferred_name),
        urgency_labels=URGENCY_LABELS,
        may_refer=not is_person and policy.can(current_user, Action.REFERRAL_MAKE, person),
        plan_url=url_for("people.my_plan") if is_person else url_for("plans.plan", person_id=person.id),
    )


@policy.requires(Action.REFERRAL_MAKE)
def withdraw_referral(person_id: int, referral_id: int):
    """Stop an open referral (the organisation sees it withdrawn on its next look)."""
    person = policy.person_or_404(current_user, person_id, Action.REFERRAL_MAKE)
    referral = db.session.get(Referral, referral_id)
    if referral is None or referral.person_id != person.id:
        abort(404)
    try:
        services.change_status(referral, ReferralStatus.WITHDRAWN, by=signed_in_user())
    except services.ReferralError:
        db.session.rollback()
        flash(_("This referral is no longer open, so it cannot be withdrawn."))
    else:
        db.session.commit()
        flash(_("The referral has been withdrawn."), "success")
    return redirect(url_for("referrals.person_referrals", person_id=person.id, _anchor=f"referral-{referral_id}"))
