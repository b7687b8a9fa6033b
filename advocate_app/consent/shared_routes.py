"""Views for organisation workers (what is shared with them), break glass and information walls."""

from __future__ import annotations

from collections import defaultdict

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from advocate_app import db, policy
from advocate_app.audit.services import record as audit
from advocate_app.consent import bp, services
from advocate_app.consent.forms import LinkForm, ReasonForm
from advocate_app.consent.models import Category, PersonLink
from advocate_app.directory.models import Organisation
from advocate_app.i18n import isolated
from advocate_app.people.forms import WEEKDAYS
from advocate_app.people.models import Person, SafeWindow
from advocate_app.people.phones import for_display
from advocate_app.plans.forms import GOAL_STATUS_LABELS, PRIORITY_LABELS
from advocate_app.plans.models import CheckIn, ItemKind, Plan, PlanComment, PlanItem, PlanStatus, RatedBy, StepOwner
from advocate_app.policy import Action

# What each kind of information is called on the organisation's side (the statements speak to the person).
SHARED_HEADINGS = {
    Category.CONTACT: _l("Contact details"),
    Category.NEEDS: _l("Needs"),
    Category.PLAN: _l("Goals and steps"),
    Category.NOTES: _l("Notes and comments"),
    Category.CHECK_INS: _l("Check-ins"),
    Category.CHECK_IN_NOTES: _l("Notes from check-ins"),
}
RATED_BY_LABELS = {
    RatedBy.PERSON: _l("Their own rating"),
    RatedBy.ADVOCATE: _l("Their advocate's rating"),
    RatedBy.TOGETHER: _l("Agreed together"),
}
COMMENT_ON = {
    ItemKind.ABOUT: _l("On something they wrote about themselves"),
    ItemKind.NEED: _l("On a need"),
    ItemKind.GOAL: _l("On a goal"),
    ItemKind.STEP: _l("On a step"),
}
# Which category lets an organisation see an entry itself (not only the comments on it).
_ENTRY_CATEGORY = {ItemKind.NEED: Category.NEEDS, ItemKind.GOAL: Category.PLAN, ItemKind.STEP: Category.PLAN}
_PLAN_CATEGORIES = frozenset({Category.NEEDS, Category.PLAN, Category.NOTES})


def _me():
    return current_user._get_current_object()


# Organisation workers: what people share with their organisation ------------------------------


@bp.get("/shared")
@policy.requires(Action.SHARED_VIEW)
def shared_people():
    """Everyone who shares something with the worker's organisation right now; names only."""
    me = _me()
    people = db.session.scalars(policy.visible_people(me).order_by(Person.preferred_name, Person.id)).all()
    return render_template("consent/shared_people.html", people=people, organisation=_organisation_of(me))


def _organisation_of(user) -> Organisation | None:
    return db.session.get(Organisation, user.organisation_id) if user.organisation_id else None


def _plan_entries(person_id: int, covered: frozenset[Category]) -> list[PlanItem]:
    """The entries of the active plan, when any of its categories is shared (comments only when notes are)."""
    if not covered & _PLAN_CATEGORIES:
        return []
    query = (
        select(PlanItem)
        .join(Plan, Plan.id == PlanItem.plan_id)
        .where(Plan.person_id == person_id, Plan.status == PlanStatus.ACTIVE)
        .order_by(PlanItem.id)
    )
    if Category.NOTES in covered:
        query = query.options(selectinload(PlanItem.comments).joinedload(PlanComment.author))
    return list(db.session.scalars(query))


def _shared_sections(person: Person, covered: frozenset[Category]) -> dict:
    """Only what ``covered`` lets the organisation see, section by section; nothing else is even loaded."""
    sections: dict = {}
    if Category.CONTACT in covered:
        sections["contact"] = {
            "phone": for_display(person.phone_e164),
            "windows": db.session.scalars(
                select(SafeWindow).where(SafeWindow.person_id == person.id).order_by(SafeWindow.weekday)
            ).all(),
        }
    entries = _plan_entries(person.id, covered)
    if Category.NEEDS in covered:
        needs = [e for e in entries if e.kind is ItemKind.NEED]
        sections["needs"] = sorted(needs, key=lambda e: (e.priority or 9, e.id))
    if Category.PLAN in covered:
        steps = defaultdict(list)
        for entry in entries:
            if entry.kind is ItemKind.STEP:
                steps[entry.parent_id].append(entry)
        sections["goals"] = [(e, steps[e.id]) for e in entries if e.kind is ItemKind.GOAL]
    if Category.NOTES in covered:
        notes = []
        for entry in entries:
            shown = _ENTRY_CATEGORY.get(entry.kind) in covered
            notes.extend((comment, entry if shown else None, COMMENT_ON[entry.kind]) for comment in entry.comments)
        sections["notes"] = sorted(notes, key=lambda note: (note[0].created_at, note[0].id), reverse=True)
    # Ratings and the notes written with them are separate choices: each shows only what it says.
    ratings, notes = Category.CHECK_INS in covered, Category.CHECK_IN_NOTES in covered
    if ratings or notes:
        query = select(CheckIn).where(CheckIn.person_id == person.id)
        if not ratings:
            query = query.where(CheckIn.note != "")
        sections["check_ins"] = db.session.scalars(query.order_by(CheckIn.taken_on.desc(), CheckIn.id.desc())).all()
        sections["check_in_parts"] = {"ratings": ratings, "notes": notes}
    return sections


@bp.get("/shared/<int:person_id>")
@policy.requires(Action.SHARED_VIEW)
def shared_person(person_id: int):
    """What one person shares with the worker's organisation, right now, and what they do not."""
    me = _me()
    person = policy.person_or_404(me, person_id, Action.SHARED_VIEW)
    # Asked afresh on every request: a withdrawal or an expiry hides everything from the next page on.
    covered = policy.shared_categories(me, person)
    sections = _shared_sections(person, covered)
    audit("view", actor=me, person_id=person.id, object_type="shared_record")
    db.session.commit()
    return render_template(
        "consent/shared_person.html",
        person=person,
        organisation=_organisation_of(me),
        sections=sections,
        not_shared=[label for category, label in SHARED_HEADINGS.items() if category not in covered],
        headings=SHARED_HEADINGS,
        weekdays=WEEKDAYS,
        priority_labels=PRIORITY_LABELS,
        goal_status_labels=GOAL_STATUS_LABELS,
        owner_labels={
            StepOwner.ME: person.preferred_name,
            StepOwner.ADVOCATE: _("Their advocate"),
            StepOwner.ORGANISATION: _("An organisation"),
        },
        rated_by_labels=RATED_BY_LABELS,
    )


# Coordinators: break glass ---------------------------------------------------------------------


def _person_or_404(person_id: int) -> Person:
    person = db.session.get(Person, person_id)
    if person is None:
        abort(404)
    return person


@bp.route("/admin/people/<int:person_id>/break-glass", methods=["GET", "POST"])
@policy.requires(Action.BREAK_GLASS)
def break_glass(person_id: int):
    """A coordinator opens one record, read-only, for a short time and a written reason."""
    me = _me()
    if not policy.can(me, Action.BREAK_GLASS):
        abort(403)
    person = _person_or_404(person_id)
    form = ReasonForm()
    if form.validate_on_submit():
        try:
            services.open_break_glass(me, person, form.reason.data)
        except services.ConsentError:
            form.reason.errors = [_("Write the reason in full (at least 20 characters)")]
        else:
            db.session.commit()
            flash(
                _(
                    "You can read %(name)s's record for the next %(minutes)d minutes. What you open is recorded.",
                    name=isolated(person.preferred_name),
                    minutes=services.BREAK_GLASS_MINUTES,
                ),
                "success",
            )
            return redirect(url_for("people.person", person_id=person.id))
    return render_template("consent/break_glass.html", form=form, person=person, minutes=services.BREAK_GLASS_MINUTES)


# Coordinators: information walls ---------------------------------------------------------------


def _current_links(person_id: int) -> list[tuple[PersonLink, str]]:
    """The walls around a person, each with the name of the person on the other side."""
    links = db.session.scalars(
        select(PersonLink)
        .where(
            or_(PersonLink.person_id == person_id, PersonLink.other_person_id == person_id),
            PersonLink.ended_at.is_(None),
        )
        .order_by(PersonLink.created_at)
    ).all()
    others = {link.other_person_id if link.person_id == person_id else link.person_id for link in links}
    names = dict(db.session.execute(select(Person.id, Person.preferred_name).where(Person.id.in_(others))).all())
    return [
        (link, names.get(link.other_person_id if link.person_id == person_id else link.person_id, "")) for link in links
    ]


@bp.route("/admin/people/<int:person_id>/links", methods=["GET", "POST"])
@policy.requires(Action.LINKS_MANAGE)
def links(person_id: int):
    """Record a harm link between two people: from then on nothing of one shows in the other."""
    me = _me()
    if not policy.can(me, Action.LINKS_MANAGE):
        abort(403)
    person = _person_or_404(person_id)
    form = LinkForm()
    everyone_else = select(Person.id, Person.preferred_name).where(Person.id != person.id)
    rows = db.session.execute(everyone_else.order_by(Person.preferred_name, Person.id)).all()
    form.other_person_id.choices = [("", _("Choose a person"))] + [
        (str(other_id), _("%(name)s (record %(number)d)", name=name, number=other_id)) for other_id, name in rows
    ]
    if form.validate_on_submit():
        other = _person_or_404(int(form.other_person_id.data))
        try:
            services.record_link(
                person, other, description=form.description.data, justification=form.justification.data or "", by=me
            )
        except services.ConsentError as error:
            # Nothing was added: the wall would put someone on both sides, and no reason was written.
            if error.code != "justification":
                abort(400)
            form.justification.errors = [
                _(
                    "An advocate already works with both people. Write why they should go on working with both "
                    "(at least 20 characters), or change the advocates first"
                )
            ]
            return render_template("consent/links.html", form=form, person=person, links=_current_links(person.id))
        db.session.commit()
        flash(
            _(
                "There is now an information wall between %(name)s and %(other)s.",
                name=isolated(person.preferred_name),
                other=isolated(other.preferred_name),
            ),
            "success",
        )
        return redirect(url_for("consent.links", person_id=person.id))
    return render_template("consent/links.html", form=form, person=person, links=_current_links(person.id))
