"""Views for the advocate's caseload, a person's record, the person's own page, and assignments."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from advocate_app import db, policy
from advocate_app.accounts import services as account_services
from advocate_app.accounts.auth import signed_in_user
from advocate_app.accounts.models import User
from advocate_app.audit.services import record as audit
from advocate_app.clock import local_today
from advocate_app.consent import services as consent_services
from advocate_app.i18n import isolated
from advocate_app.paging import requested_page
from advocate_app.people import services
from advocate_app.people.forms import WEEKDAYS, AssignAdvocateForm, PersonForm
from advocate_app.people.models import Person, PersonStatus
from advocate_app.people.phones import for_display
from advocate_app.plans.pages import render_plan
from advocate_app.policy import Action
from advocate_app.team import helping as team_helping


def _details_from(form: PersonForm, *, keep_code_word: bool) -> services.PersonDetails:
    if form.remove_code_word.data:
        code_word = ""
    elif form.code_word.data:
        code_word = form.code_word.data
    else:
        code_word = None if keep_code_word else ""
    return services.PersonDetails(
        preferred_name=form.preferred_name.data,
        language=form.language.data,
        phone_e164=getattr(form, "phone_e164", None) if form.phone.data else None,
        date_of_birth=form.date_of_birth.data,
        area=form.area.data or "",
        sms_allowed=form.sms_allowed.data == "yes",
        shared_phone=form.shared_phone.data == "yes",
        may_name_organisation=form.may_name_organisation.data == "yes",
        contact_review_date=form.contact_review_date.data,
        contact_notes=form.contact_notes.data or "",
        safe_windows=form.safe_windows(),
        code_word=code_word,
    )


def _fill_form(form: PersonForm, person: Person) -> None:
    form.preferred_name.data = person.preferred_name
    form.language.data = person.language
    form.phone.data = for_display(person.phone_e164)
    form.date_of_birth.process(None, person.date_of_birth)
    form.area.data = person.area
    form.sms_allowed.data = "yes" if person.sms_allowed else "no"
    form.shared_phone.data = "yes" if person.shared_phone else "no"
    form.may_name_organisation.data = "yes" if person.may_name_organisation else "no"
    form.contact_review_date.process(None, person.contact_review_date)
    form.contact_notes.data = person.contact_notes
    for window in person.safe_windows:
        start, end = form.window_fields(window.weekday)
        start.data, end.data = window.starts_at, window.ends_at


@policy.requires(Action.CASELOAD_VIEW)
def caseload():
    """The advocate's people, 25 at a time, by name; ``?q=`` finds names containing the words typed."""
    me = signed_in_user()
    shown = services.caseload_page(
        me, today=local_today(), search=request.args.get("q", "")[:100], page=requested_page()
    )
    return render_template("people/caseload.html", caseload=shown, rows=shown.rows, team_alerts=shown.team)


@policy.requires(Action.PERSON_CREATE)
def new_person():
    form = PersonForm()
    if form.validate_on_submit():
        me = signed_in_user()
        person = services.create_person(_details_from(form, keep_code_word=False), advocate=me)
        db.session.commit()
        flash(_("%(name)s has been added to your caseload.", name=isolated(person.preferred_name)), "success")
        lookalikes = services.lookalikes_on_caseload(me, person.preferred_name, other_than=person.id)
        if lookalikes:
            flash(
                _(
                    "This name looks the same as %(names)s, already on your caseload. "
                    "Check it is not the same person, or add something that tells them apart.",
                    names=", ".join(isolated(name) for name in lookalikes),
                ),
                "warning",
            )
        return redirect(url_for("people.person", person_id=person.id))
    return render_template("people/form.html", form=form, weekdays=WEEKDAYS, person=None)


@policy.requires(Action.CASE_VIEW)
def person(person_id: int):
    """A person's record: for their advocates, and read-only for a coordinator while a break glass is open."""
    policy.person_or_404(current_user, person_id, Action.CASE_VIEW)
    record, login = services.record_page(person_id)
    audit("view", actor=signed_in_user(), person_id=person_id, object_type="person", object_id=person_id)
    db.session.commit()
    return render_template(
        "people/person.html",
        person=record,
        login=login,
        weekdays=WEEKDAYS,
        phone=for_display(record.phone_e164),
        # A coordinator here has broken the glass: they read, they never change anything.
        read_only=not policy.can(current_user, Action.PERSON_EDIT, record),
        # Whether there is a wall, never with whom: the other record's name must not appear here.
        behind_wall=bool(consent_services.walled_from(person_id)),
        # Staff who work on both sides of a wall (with a coordinator's written reason) are marked, never the other side.
        across=consent_services.advocates_across_walls([person_id]).get(person_id, set()),
        break_glass_minutes=consent_services.BREAK_GLASS_MINUTES,
        helping=team_helping.who_is_helping(record, viewer=signed_in_user()),
    )


@policy.requires(Action.PERSON_EDIT)
def edit_person(person_id: int):
    policy.person_or_404(current_user, person_id, Action.PERSON_EDIT)
    record = services.load_for_edit(person_id)
    form = PersonForm()
    if form.validate_on_submit():
        services.update_person(record, _details_from(form, keep_code_word=True), by=signed_in_user())
        db.session.commit()
        flash(_("Details saved."), "success")
        return redirect(url_for("people.person", person_id=person_id))
    if not form.is_submitted():
        _fill_form(form, record)
    return render_template("people/form.html", form=form, weekdays=WEEKDAYS, person=record)


@policy.requires(Action.PERSON_CLOSE)
def close_case(person_id: int):
    record = policy.person_or_404(current_user, person_id, Action.PERSON_CLOSE)
    if record.status is PersonStatus.OPEN:
        services.close_case(record, by=signed_in_user())
        db.session.commit()
        flash(_("The case is closed. Their login no longer works."), "success")
    return redirect(url_for("people.person", person_id=person_id))


@policy.requires(Action.PERSON_CLOSE)
def reopen_case(person_id: int):
    record = policy.person_or_404(current_user, person_id, Action.PERSON_CLOSE)
    if record.status is PersonStatus.CLOSED and record.anonymised_at is None:
        services.reopen_case(record, by=signed_in_user())
        db.session.commit()
        flash(_("The case is open again."), "success")
    return redirect(url_for("people.person", person_id=person_id))


@policy.requires(Action.PERSON_SETUP_LOGIN)
def person_setup_code(person_id: int):
    record = policy.person_or_404(current_user, person_id, Action.PERSON_SETUP_LOGIN)
    if services.has_login(person_id):
        flash(_("%(name)s already has a login.", name=isolated(record.preferred_name)))
        return redirect(url_for("people.person", person_id=person_id))
    lifetime = current_app.config["SETUP_CODE_LIFETIME"]
    code = account_services.issue_setup_code(created_by=signed_in_user(), person=record, lifetime=lifetime)
    db.session.commit()
    return render_template(
        "people/setup_code.html",
        person=record,
        code=account_services.format_code(code),
        minutes=int(lifetime.total_seconds() // 60),
    )


@policy.requires(Action.OWN_RECORD)
def my_plan():
    """The person's own home: their plan."""
    return render_plan(policy.person_or_404(current_user, current_user.person_id or 0))


@policy.requires(Action.OWN_RECORD)
def my_details():
    """The person's own details and how they may be contacted."""
    policy.person_or_404(current_user, current_user.person_id or 0)
    record, _login = services.record_page(current_user.person_id)
    return render_template(
        "people/my_details.html", person=record, weekdays=WEEKDAYS, phone=for_display(record.phone_e164)
    )


# Coordinator: who advocates for whom -------------------------------------------------------------


@policy.requires(Action.ASSIGNMENTS_MANAGE)
def assignments():
    people = services.everyone_with_advocates()
    return render_template(
        "admin/people.html", people=people, across=consent_services.advocates_across_walls([p.id for p in people])
    )


@policy.requires(Action.ASSIGNMENTS_MANAGE)
def assign(person_id: int):
    record = services.with_advocates(person_id)
    if record is None:
        abort(404)
    form = AssignAdvocateForm()
    form.advocate_id.choices = [(str(user_id), name) for user_id, name in services.active_advocates()]
    walls = _walls_to_justify(record.id, form)
    form.justification_required = bool(walls)
    if form.validate_on_submit():
        me = signed_in_user()
        advocate = db.session.get(User, int(form.advocate_id.data))
        try:
            services.assign_advocate(
                record, advocate, lead=form.lead.data == "yes", by=me, justification=form.justification.data or ""
            )
        except consent_services.ConsentError:
            # A wall recorded since the form was checked: nothing was saved; the reason is asked for.
            db.session.rollback()
            form.justification_required = True
            form.justification.errors = [str(form.justification_message)]
        else:
            db.session.commit()
            flash(
                _(
                    "%(advocate)s now works with %(name)s.",
                    advocate=isolated(advocate.display_name),
                    name=isolated(record.preferred_name),
                ),
                "success",
            )
            return redirect(url_for("people.assignments"))
    return render_template(
        "admin/assign.html",
        form=form,
        person=record,
        # Only asked where it can matter: the person has a harm link with someone.
        ask_justification=form.justification_required or bool(consent_services.walled_from(record.id)),
        justifications=consent_services.justifications_for(record.id),
        across=consent_services.advocates_across_walls([record.id]).get(record.id, set()),
    )


def _walls_to_justify(person_id: int, form: AssignAdvocateForm) -> list:
    """The harm links that putting the chosen advocate on the case (lead or not) would straddle with no
    justification yet."""
    chosen = form.advocate_id.data
    offered = {value for value, _label in form.advocate_id.choices}
    if not form.is_submitted() or chosen not in offered:
        return []
    return consent_services.links_needing_justification(person_id, int(chosen))
