"""What an organisation's worker sees of a person's record: only the categories policy says are shared right now,
section by section, with the headings the organisation's side reads (used by the shared record and a referral)."""

from __future__ import annotations

from collections import defaultdict

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from advocate_app import db, policy
from advocate_app.consent.models import Category
from advocate_app.directory.models import Organisation
from advocate_app.people.models import Person, SafeWindow
from advocate_app.people.phones import for_display
from advocate_app.plans.models import CheckIn, ItemKind, Plan, PlanComment, PlanItem, PlanStatus, RatedBy

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

# The categories that need the plan's entries loaded (comments hang on entries).
_PLAN_CATEGORIES = frozenset({Category.NEEDS, Category.PLAN, Category.NOTES})


def organisation_of(user) -> Organisation | None:
    """The organisation a worker belongs to."""
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


def shared_sections(person: Person, covered: frozenset[Category]) -> dict:
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
            shown = policy.entry_shared(covered, entry.kind)
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
