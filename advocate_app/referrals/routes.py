"""The organisation worker's side of referrals: the inbox, one referral, answering it and recording what happened."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from advocate_app import db, policy
from advocate_app.accounts.auth import signed_in_user
from advocate_app.audit.services import record as audit
from advocate_app.clock import local_today
from advocate_app.consent import shared_view
from advocate_app.consent.shared_view import RATED_BY_LABELS, SHARED_HEADINGS
from advocate_app.paging import requested_page
from advocate_app.people.forms import WEEKDAYS
from advocate_app.plans.forms import GOAL_STATUS_LABELS, PRIORITY_LABELS
from advocate_app.plans.models import StepOwner
from advocate_app.policy import Action
from advocate_app.referrals import services
from advocate_app.referrals.inbox import SECTIONS, inbox_page
from advocate_app.referrals.inbox_forms import (
    DECLINE_REASON_LABELS,
    STATUS_LABELS,
    UPDATE_STATUSES,
    URGENCY_LABELS,
    AcceptForm,
    DeclineForm,
    StatusForm,
)
from advocate_app.referrals.models import NEXT_STATUSES, DeclineReason, Referral, ReferralStatus
from advocate_app.team import contact as team_contact
from advocate_app.team.models import ActionKind
from advocate_app.templating import worded_once

# The inbox's sections, in the order a worker should deal with them.


def _labels() -> dict:
    return {
        "status_labels": worded_once(STATUS_LABELS),
        "urgency_labels": worded_once(URGENCY_LABELS),
        "decline_reason_labels": worded_once(DECLINE_REASON_LABELS),
    }


@policy.requires(Action.REFERRALS_RECEIVE)
def inbox():
    """Every referral to the worker's organisation: overdue first, then due soon, new, under way and finished.

    The first few of each section show here; ``?section=overdue`` lists one section 25 at a time.
    """
    me = signed_in_user()
    chosen = request.args.get("section")
    chosen = chosen if chosen in SECTIONS else None
    shown = inbox_page(me, local_today(), chosen, requested_page())
    counts = shown.counts
    return render_template(
        "referrals/inbox.html",
        organisation_name=shown.organisation_name,
        sections=shown.sections,
        counts=counts,
        section_order=[chosen] if chosen else SECTIONS,
        chosen=chosen,
        page=shown.page,
        preview=services.INBOX_PREVIEW,
        total=sum(counts.values()),
        overdue=counts["overdue"],
        overdue_text=overdue_message(counts["overdue"]),
        **_labels(),
    )


def _referral_or_404(referral_id: int) -> Referral:
    """The referral, when the worker's organisation receives it; otherwise 404, so its existence is not revealed."""
    referral = services.load(referral_id)
    if referral is None or not policy.may_handle_referral(signed_in_user(), referral):
        abort(404)
    return referral


def _back_to(referral: Referral):
    return redirect(url_for("referrals.referral", referral_id=referral.id))


@policy.requires(Action.REFERRALS_RECEIVE)
def referral(referral_id: int):
    """One referral: what the organisation is asked, its history, and what the person shares for it right now."""
    me = signed_in_user()
    item = _referral_or_404(referral_id)
    # Asked afresh on every request: after a withdrawal nothing of the person shows from the next page on.
    shared_now = policy.shared_categories(me, item.person)
    covered = frozenset(c for c in shared_now if c.value in item.category_set)
    sections = shared_view.shared_sections(item.person, covered)
    audit("view", actor=me, person_id=item.person_id, object_type="referral", object_id=item.id)
    db.session.commit()
    return render_template(
        "referrals/referral.html",
        page="view",
        referral=item,
        organisation=shared_view.organisation_of(me),
        shared_now=bool(shared_now),
        sections=sections,
        asked_for=[label for category, label in SHARED_HEADINGS.items() if category.value in item.category_set],
        not_shared=[
            label
            for category, label in SHARED_HEADINGS.items()
            if category.value in item.category_set and category not in covered
        ],
        can_update=bool(NEXT_STATUSES[item.status] & frozenset(UPDATE_STATUSES)),
        is_overdue=item.status is ReferralStatus.SENT and item.respond_by < local_today(),
        headings=SHARED_HEADINGS,
        weekdays=WEEKDAYS,
        priority_labels=PRIORITY_LABELS,
        goal_status_labels=GOAL_STATUS_LABELS,
        owner_labels={
            StepOwner.ME: item.person.preferred_name,
            StepOwner.ADVOCATE: _("Their advocate"),
            StepOwner.ORGANISATION: _("An organisation"),
        },
        rated_by_labels=RATED_BY_LABELS,
        **_labels(),
    )


def _refused(error: services.ReferralError) -> str:
    """What to tell the worker when the referral could not make the move (someone may have got there first)."""
    if error.code == "transition":
        return _("This referral has moved on since you opened it. Check its status and try again.")
    if error.code == "not_allowed":
        return _("Only the organisation the referral was sent to can answer it.")
    return _("Check what you entered and try again.")


def _form_page(page: str, item: Referral, form, shared_now: bool):
    return render_template(
        "referrals/referral.html",
        page=page,
        referral=item,
        form=form,
        shared_now=shared_now,
        organisation=shared_view.organisation_of(signed_in_user()),
        **_labels(),
    )


@policy.requires(Action.REFERRALS_RECEIVE)
def accept(referral_id: int):
    """Accept the referral: the person will hear from the organisation."""
    item = _referral_or_404(referral_id)
    if not AcceptForm().validate_on_submit():
        flash(_("The form had expired. Please try again."))
        return _back_to(item)
    try:
        services.change_status(item, ReferralStatus.ACCEPTED, by=signed_in_user())
    except services.ReferralError as error:
        db.session.rollback()
        flash(_refused(error))
        return _back_to(item)
    db.session.commit()
    flash(_("You accepted this referral. Record each step as it happens."), "success")
    return _back_to(item)


@policy.requires(Action.REFERRALS_RECEIVE)
def decline(referral_id: int):
    """Decline the referral with a coded reason ("another reason" needs words), so the advocate can look elsewhere."""
    me = signed_in_user()
    item = _referral_or_404(referral_id)
    if item.status is not ReferralStatus.SENT:
        flash(_("This referral has already been answered."))
        return _back_to(item)
    form = DeclineForm()
    if form.validate_on_submit():
        reason = form.chosen_reason
        text = (form.reason_text.data or "").strip() if reason is DeclineReason.OTHER else ""
        try:
            services.change_status(item, ReferralStatus.DECLINED, by=me, reason=reason, reason_text=text, note=text)
        except services.ReferralError as error:
            db.session.rollback()
            field = getattr(form, error.field or "", None)
            if field is not None and error.code != "transition":
                field.errors = [_refused(error)]
            else:
                flash(_refused(error))
                return _back_to(item)
        else:
            db.session.commit()
            flash(_("You declined this referral. The advocate will see your reason."), "success")
            return _back_to(item)
    shared_now = bool(policy.shared_categories(me, item.person))
    return _form_page("decline", item, form, shared_now)


@policy.requires(Action.REFERRALS_RECEIVE)
def update_status(referral_id: int):
    """After accepting: record what has happened (in contact, engaged, completed, did not engage, closed)."""
    me = signed_in_user()
    item = _referral_or_404(referral_id)
    if item.status is ReferralStatus.SENT:
        flash(_("Accept or decline this referral first."))
        return _back_to(item)
    allowed = NEXT_STATUSES[item.status] & frozenset(UPDATE_STATUSES)
    if not allowed:
        flash(_("This referral is finished: there is nothing more to record."))
        return _back_to(item)
    form = StatusForm(allowed=allowed)
    mode = team_contact.mode_from(request.form, me)
    if mode is None:
        form.status.errors = [_("Choose how it was done, with the person or about them, from the list.")]
    elif form.validate_on_submit():
        try:
            services.change_status(item, form.chosen_status, by=me, note=form.note.data or "")
        except services.ReferralError as error:
            db.session.rollback()
            flash(_refused(error))
            return _back_to(item)
        team_contact.record_action(item.person_id, ActionKind.REFERRAL, item.id, mode, by=me)
        db.session.commit()
        flash(
            _("Status updated: %(status)s.", status=str(STATUS_LABELS[item.status])),
            "success",
        )
        return _back_to(item)
    if form.status.errors and form.status.data in {s.value for s in ReferralStatus} - {item.status.value}:
        # A move the referral cannot make (from a stale page, or typed by hand): say where it stands.
        form.status.errors = [
            _(
                "This referral is now “%(current)s”, so it cannot be marked “%(chosen)s”. Choose one of the "
                "updates offered.",
                current=str(STATUS_LABELS[item.status]),
                chosen=str(STATUS_LABELS[ReferralStatus(form.status.data)]),
            )
        ]
    shared_now = bool(policy.shared_categories(me, item.person))
    return _form_page("status", item, form, shared_now)


def overdue_message(count: int) -> str:
    """The flag at the top of the inbox: referrals nobody has answered in time."""
    return ngettext(
        "%(num)d referral is past its reply-by date. Answer it first: nobody should be left waiting.",
        "%(num)d referrals are past their reply-by date. Answer them first: nobody should be left waiting.",
        count,
    )
