"""With the person, or about them: every step ticked off, note written and task dealt with by a member of staff
records how it was done, and the caseload lists people nobody has been in direct contact with for a while."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, select

from advocate_app import db, policy
from advocate_app.accounts.models import User
from advocate_app.audit.services import record as audit
from advocate_app.db import utcnow
from advocate_app.people.models import Person, PersonStatus
from advocate_app.team.models import WITH_PERSON, ActionKind, ContactDefault, ContactMode, ContactRecord

# The choice on the form, in the order shown: with the person first, then about them.
MODE_LABELS = {
    ContactMode.FACE_TO_FACE: _l("Face to face"),
    ContactMode.PHONE: _l("On the phone"),
    ContactMode.TEXT: _l("By text messages"),
    ContactMode.APP_TOGETHER: _l("In the app together"),
    ContactMode.PROFESSIONALS: _l("Between professionals"),
    ContactMode.MEETING: _l("In a meeting"),
    ContactMode.PAPERWORK: _l("Paperwork"),
}
FIELD_NAME = "contact_mode"
DEFAULT_MODE = ContactMode.FACE_TO_FACE


def records_contact(user: User) -> bool:
    """Staff record how each action was done; a person's own actions in the app are their own."""
    return policy.can(user, policy.Action.CONTACT_RECORD)


def default_mode(user: User) -> ContactMode:
    """The way of working ``user`` chose last (face to face before they ever chose)."""
    mode = db.session.scalar(select(ContactDefault.mode).where(ContactDefault.user_id == user.id))
    return mode or DEFAULT_MODE


def parse_mode(raw: str | None, user: User) -> ContactMode:
    """The choice sent with a form; without one (a form from before, a client that sent none) the user's default.

    :raises ValueError: for a value that is not a way of working.
    """
    if not raw:
        return default_mode(user)
    return ContactMode(raw)


def mode_from(form, user: User) -> ContactMode | None:
    """The way of working chosen on a form (``contact_mode``), the user's default when none was sent, or None for
    something that is not a way of working."""
    try:
        return parse_mode(form.get(FIELD_NAME), user)
    except ValueError:
        return None


def record_action(
    person_id: int,
    action: ActionKind,
    object_id: int | None,
    mode: ContactMode,
    *,
    by: User,
    now: datetime | None = None,
) -> ContactRecord | None:
    """Record how a member of staff's action was done, and remember the choice as their default for next time.

    Nothing is recorded for the person's own actions (``records_contact``).
    """
    if not records_contact(by):
        return None
    now = now or utcnow()
    record = ContactRecord(
        person_id=person_id,
        action=action,
        object_id=object_id,
        mode=mode,
        with_person=mode in WITH_PERSON,
        by_id=by.id,
        by_role=by.role.value,
        organisation_id=by.organisation_id,
        at=now,
    )
    db.session.add(record)
    remembered = db.session.get(ContactDefault, by.id)
    if remembered is None:
        db.session.add(ContactDefault(user_id=by.id, mode=mode, updated_at=now))
    elif remembered.mode is not mode:
        remembered.mode, remembered.updated_at = mode, now
    db.session.flush()
    audit("contact_recorded", actor=by, person_id=person_id, object_type="contact_record", object_id=record.id)
    return record


@dataclass(frozen=True)
class NoContactRow:
    person: Person
    last_direct: datetime | None


def people_without_direct_contact(advocate: User, *, weeks: int, now: datetime | None = None) -> list[NoContactRow]:
    """The advocate's open cases with no action done with the person in the last ``weeks`` weeks (never, first),
    in one query."""
    now = now or utcnow()
    since = now - timedelta(weeks=weeks)
    last = (
        select(ContactRecord.person_id, func.max(ContactRecord.at).label("last_direct"))
        .where(ContactRecord.with_person.is_(True))
        .group_by(ContactRecord.person_id)
        .subquery()
    )
    rows = db.session.execute(
        select(Person, last.c.last_direct)
        .outerjoin(last, last.c.person_id == Person.id)
        .where(
            Person.id.in_(policy.caseload_person_ids(advocate)),
            Person.status == PersonStatus.OPEN,
            (last.c.last_direct.is_(None)) | (last.c.last_direct < since),
        )
        .order_by(last.c.last_direct.asc().nulls_first(), Person.preferred_name, Person.id)
    ).all()
    return [NoContactRow(person, _aware(moment)) for person, moment in rows]


def no_direct_contact_count(advocate, since) -> Select:
    """A query counting the advocate's open cases with no direct contact since ``since``.

    ``advocate`` and ``since`` may be bound parameters (the caseload's figures are a statement built once).
    """
    # NOT EXISTS, not NOT IN: PostgreSQL turns it into an anti-join from the caseload's people, each looked up in
    # ix_contact_record_person_at, where NOT IN read every person against a list of every recent contact.
    recent = (
        select(ContactRecord.id)
        .where(ContactRecord.person_id == Person.id, ContactRecord.with_person.is_(True), ContactRecord.at >= since)
        .exists()
    )
    return select(func.count(Person.id)).where(
        Person.id.in_(policy.caseload_person_ids(advocate)),
        Person.status == PersonStatus.OPEN,
        ~recent,
    )


def _aware(moment: datetime | None) -> datetime | None:
    # SQLite hands back an aggregate's timestamp as naive UTC.
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment
