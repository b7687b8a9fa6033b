"""Rules for people's records: creating and editing them, safe-contact windows, and assigning advocates."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time
from functools import cache
from typing import NamedTuple

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Date, Integer, String, bindparam, func, select
from sqlalchemy.orm import selectinload

from advocate_app import db, events, policy
from advocate_app.accounts import sessions
from advocate_app.accounts.models import Role, User
from advocate_app.audit.services import record as audit
from advocate_app.consent import services as consent_services
from advocate_app.db import utcnow
from advocate_app.paging import PAGE_SIZE, Page, page_of
from advocate_app.people.models import Assignment, Person, PersonStatus, SafeWindow
from advocate_app.plans.models import ItemKind, Plan, PlanItem, PlanStatus
from advocate_app.plans.services import unseen_changes_of
from advocate_app.referrals.models import Referral, ReferralStatus
from advocate_app.team import alerts as team_alerts
from advocate_app.text import skeleton, without_hidden

_code_word_hasher = PasswordHasher()


@dataclass
class PersonDetails:
    """What an advocate records about a person; the form fills this, the service applies it."""

    preferred_name: str
    language: str = "en"
    phone_e164: str | None = None
    date_of_birth: date | None = None
    area: str = ""
    sms_allowed: bool = False
    shared_phone: bool = False
    may_name_organisation: bool = False
    contact_review_date: date | None = None
    contact_notes: str = ""
    # Weekday (0 = Monday) → (from, until); days missing from the mapping have no safe window.
    safe_windows: dict[int, tuple[time, time]] = field(default_factory=dict)
    # None leaves the code word as it is; "" removes it; anything else replaces it.
    code_word: str | None = None


def _apply(person: Person, details: PersonDetails) -> None:
    person.preferred_name = details.preferred_name.strip()
    person.language = details.language
    person.phone_e164 = details.phone_e164
    person.date_of_birth = details.date_of_birth
    person.area = details.area.strip()
    person.sms_allowed = details.sms_allowed
    person.shared_phone = details.shared_phone
    person.may_name_organisation = details.may_name_organisation
    person.contact_review_date = details.contact_review_date
    person.contact_notes = details.contact_notes.strip()
    if details.code_word is not None:
        word = details.code_word.strip()
        person.code_word_hash = _code_word_hasher.hash(word.lower()) if word else None
    existing = {window.weekday: window for window in person.safe_windows}
    for weekday, window in list(existing.items()):
        if weekday not in details.safe_windows:
            person.safe_windows.remove(window)
    for weekday, (starts_at, ends_at) in details.safe_windows.items():
        window = existing.get(weekday)
        if window is None:
            person.safe_windows.append(SafeWindow(weekday=weekday, starts_at=starts_at, ends_at=ends_at))
        else:
            window.starts_at, window.ends_at = starts_at, ends_at


def create_person(details: PersonDetails, *, advocate: User) -> Person:
    """Record a new person; the advocate who records them becomes their lead advocate."""
    person = Person(created_by_id=advocate.id, safe_windows=[])
    _apply(person, details)
    db.session.add(person)
    db.session.flush()
    db.session.add(Assignment(person_id=person.id, advocate_id=advocate.id, is_lead=True, assigned_by_id=advocate.id))
    audit("create", actor=advocate, person_id=person.id, object_type="person", object_id=person.id)
    return person


def update_person(person: Person, details: PersonDetails, *, by: User) -> None:
    """Change a person's details and safe-contact profile.

    The person's row is held and their safe windows read again first, so two saves at once cannot both add
    the same weekday's window.
    """
    db.lock(Person, person.id)
    db.session.scalar(
        select(Person)
        .where(Person.id == person.id)
        .options(selectinload(Person.safe_windows))
        .execution_options(populate_existing=True)
    )
    _apply(person, details)
    person.updated_at = utcnow()
    audit("update", actor=by, person_id=person.id, object_type="person", object_id=person.id)
    events.contact_details_changed.send(person, by=by)


def lookalikes_on_caseload(advocate: User, name: str, *, other_than: int | None = None) -> list[str]:
    """Names on the advocate's caseload that look the same as ``name`` (``text.skeleton``), to warn about.

    Two people may share a name, so this warns and never refuses.
    """
    target = skeleton(name)
    rows = db.session.execute(
        select(Person.id, Person.preferred_name).where(Person.id.in_(policy.caseload_person_ids(advocate)))
    ).all()
    return [found for person_id, found in rows if person_id != other_than and skeleton(found) == target]


def load_for_edit(person_id: int) -> Person | None:
    """A person with the safe windows the edit form shows."""
    return db.session.scalar(select(Person).where(Person.id == person_id).options(selectinload(Person.safe_windows)))


def check_code_word(person: Person, word: str) -> bool:
    """True when ``word`` is the person's code word (case does not matter)."""
    if not person.code_word_hash:
        return False
    try:
        return _code_word_hasher.verify(person.code_word_hash, word.strip().lower())
    except (VerificationError, InvalidHashError):
        return False


def assign_advocate(person: Person, advocate: User, *, lead: bool, by: User, justification: str = "") -> Assignment:
    """Put ``advocate`` on the person's case; making them lead moves the lead from anyone else.

    When it puts them on both sides of an information wall (lead or not), a coordinator's written
    ``justification`` is needed; it is kept with the wall and audited in both records.

    :raises ValueError: when the user is not an active advocate.
    :raises consent.services.ConsentError: when the wall needs a justification and none (long enough) is given.
    """
    if not policy.can(advocate, policy.Action.CASELOAD_VIEW):
        raise ValueError("only an active advocate can be assigned")
    # The person's row is held while their assignments change, so two at once cannot both add a lead.
    db.lock(Person, person.id)
    walls = consent_services.links_needing_justification(person.id, advocate.id)
    if walls:
        consent_services.justify_lead(walls, advocate=advocate, reason=justification, by=by)
    current = db.session.scalars(
        select(Assignment)
        .where(Assignment.person_id == person.id, Assignment.ended_at.is_(None))
        .execution_options(populate_existing=True)
    ).all()
    mine = next((a for a in current if a.advocate_id == advocate.id), None)
    if lead:
        for other in current:
            if other.is_lead and other is not mine:
                other.is_lead = False
        db.session.flush()
    if mine is None:
        mine = Assignment(person_id=person.id, advocate_id=advocate.id, is_lead=lead, assigned_by_id=by.id)
        db.session.add(mine)
    elif lead:
        mine.is_lead = True
    db.session.flush()
    audit("assign", actor=by, person_id=person.id, object_type="assignment", object_id=mine.id)
    return mine


def end_assignment(assignment: Assignment, *, by: User) -> None:
    """Take an advocate off a case (the lead cannot be removed this way; give the lead to someone first)."""
    if assignment.is_lead:
        raise ValueError("the lead advocate cannot be removed")
    assignment.ended_at = utcnow()
    audit("unassign", actor=by, person_id=assignment.person_id, object_type="assignment", object_id=assignment.id)


class CaseloadPerson(NamedTuple):
    """What a caseload line shows of a person: the link to their record, their name, whether the case is closed."""

    id: int
    preferred_name: str
    status: PersonStatus


@dataclass
class CaseloadRow:
    """One line of an advocate's caseload."""

    person: CaseloadPerson
    is_lead: bool
    has_login: bool
    next_review_date: date | None
    overdue_steps: int
    review_overdue: bool
    # Referrals still unanswered after their respond-by date: nobody is left waiting unnoticed.
    overdue_referrals: int = 0
    # Entries of the plan others changed since the advocate last looked.
    unseen_changes: int = 0


@dataclass
class CaseloadPage:
    """One page of an advocate's caseload, with the figures the page shows above it."""

    rows: list[CaseloadRow]
    page: Page
    search: str
    # Over the whole caseload, not only this page: referrals still waiting past their reply date.
    waiting_referrals: int
    # The team around the caseload's people: no direct contact lately, referrals that can be made now.
    team: team_alerts.CaseloadAlerts
    # What the features add to the figures (``events.caseload_figures``), by name.
    figures: dict = field(default_factory=dict)


@cache
def _caseload_statements(search: bool, dialect: str):
    """The caseload's two statements (counts, then one page of rows) and the names and readers of the figures the
    features added to the counts, built once per kind and run with the advocate's id, the day and the page as
    parameters: building them cost more than running them."""
    advocate = bindparam("advocate_id", type_=Integer)
    today = bindparam("today", type_=Date)
    # Driven from the advocate's assignments (a couple of hundred rows by index), not from everyone.
    mine = policy.caseload_person_ids(advocate)
    if search:
        mine = mine.join(Person, Person.id == Assignment.person_id).where(
            Person.preferred_name.ilike(bindparam("pattern", type_=String), escape="\\")
        )
    waiting = (
        select(func.count(Referral.id))
        .where(
            Referral.person_id.in_(policy.caseload_person_ids(advocate)),
            Referral.status == ReferralStatus.SENT,
            Referral.respond_by < today,
        )
        .scalar_subquery()
    )
    # With the team's two figures and what the features add: the page's figures in one round trip.
    added = [figure for _receiver, figure in events.caseload_figures.send(dialect)]
    counts = select(
        select(func.count()).select_from(mine.subquery()).scalar_subquery(),
        waiting,
        *team_alerts.figure_columns(),
        *(column for _name, column, _read in added),
    )
    named = mine if search else mine.join(Person, Person.id == Assignment.person_id)
    on_page = (
        named.add_columns(Person.preferred_name)
        .order_by(Person.preferred_name, Person.id)
        .limit(bindparam("limit", type_=Integer))
        .offset(bindparam("offset", type_=Integer))
        .subquery()
    )
    overdue_steps = (
        select(func.count(PlanItem.id))
        .join(Plan, Plan.id == PlanItem.plan_id)
        .where(
            Plan.person_id == Person.id,
            Plan.status == PlanStatus.ACTIVE,
            PlanItem.kind == ItemKind.STEP,
            PlanItem.done_at.is_(None),
            PlanItem.due_date < today,
        )
        .correlate(Person)
        .scalar_subquery()
    )
    overdue_referrals = (
        select(func.count(Referral.id))
        .where(Referral.person_id == Person.id, Referral.status == ReferralStatus.SENT, Referral.respond_by < today)
        .correlate(Person)
        .scalar_subquery()
    )
    listing = (
        select(
            # The three values a line shows, not the person's record: 25 records a page cost more than the query.
            Person.id,
            Person.preferred_name,
            Person.status,
            Assignment.is_lead,
            User.id.is_not(None).label("has_login"),
            Plan.next_review_date,
            overdue_steps.label("overdue_steps"),
            overdue_referrals.label("overdue_referrals"),
            unseen_changes_of(Plan.id, advocate, dialect=dialect).label("unseen_changes"),
        )
        .join(on_page, on_page.c.person_id == Person.id)
        .join(
            Assignment,
            (Assignment.person_id == Person.id) & (Assignment.advocate_id == advocate) & Assignment.ended_at.is_(None),
        )
        .outerjoin(User, User.person_id == Person.id)
        .outerjoin(Plan, (Plan.person_id == Person.id) & (Plan.status == PlanStatus.ACTIVE))
        .order_by(Person.preferred_name, Person.id)
    )
    return counts, listing, tuple((name, read) for name, _column, read in added)


def caseload_page(
    advocate: User, *, today: date, search: str = "", page: int = 1, size: int = PAGE_SIZE
) -> CaseloadPage:
    """A page of the advocate's people (by name, optionally only names containing ``search``) with what
    needs attention, in two queries whatever the caseload or page size."""
    search = without_hidden(search).strip()  # names are stored in NFC, without hidden characters
    counts, listing, added = _caseload_statements(bool(search), db.session.get_bind().dialect.name)
    values = {"advocate_id": advocate.id, "today": today, **team_alerts.figure_values(advocate)}
    if search:
        escaped = search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        values["pattern"] = f"%{escaped}%"
    total, waiting_referrals, no_contact, ready, *more = db.session.execute(counts, values).one()
    shown = page_of(total, page, size)
    rows = [
        CaseloadRow(
            person=CaseloadPerson(person_id, name, status),
            is_lead=is_lead,
            has_login=has_login,
            next_review_date=review_date,
            overdue_steps=steps or 0,
            review_overdue=review_date is not None and review_date < today,
            overdue_referrals=referrals or 0,
            unseen_changes=unseen or 0,
        )
        for person_id, name, status, is_lead, has_login, review_date, steps, referrals, unseen in db.session.execute(
            listing, {**values, "limit": shown.size, "offset": shown.offset}
        )
    ]
    return CaseloadPage(
        rows=rows,
        page=shown,
        search=search,
        waiting_referrals=waiting_referrals or 0,
        team=team_alerts.alerts_from(no_contact, ready),
        figures={name: read(value) for (name, read), value in zip(added, more, strict=True)},
    )


def close_case(person: Person, *, by: User) -> None:
    """Close a person's case: their login stops working at once, and the retention clock starts."""
    person.status = PersonStatus.CLOSED
    person.closed_at = utcnow()
    login = db.session.scalar(select(User).where(User.person_id == person.id))
    if login is not None:
        sessions.end_all(login.id, "case_closed")
    audit("close", actor=by, person_id=person.id, object_type="person", object_id=person.id)


def reopen_case(person: Person, *, by: User) -> None:
    """Open a closed case again (before the retention rule has anonymised it)."""
    if person.anonymised_at is not None:
        raise ValueError("an anonymised record cannot be reopened")
    person.status = PersonStatus.OPEN
    person.closed_at = None
    audit("reopen", actor=by, person_id=person.id, object_type="person", object_id=person.id)


def _with_current_advocates():
    return selectinload(Person.assignments.and_(Assignment.ended_at.is_(None))).joinedload(Assignment.advocate)


def record_page(person_id: int) -> tuple[Person | None, User | None]:
    """A person's record with their safe times and current advocates, and their own login if they have one."""
    person = db.session.scalar(
        select(Person)
        .where(Person.id == person_id)
        .options(selectinload(Person.safe_windows), _with_current_advocates())
    )
    login = db.session.scalar(select(User).where(User.person_id == person_id))
    return person, login


def has_login(person_id: int) -> bool:
    """Whether the person has a login of their own."""
    return db.session.scalar(select(User.id).where(User.person_id == person_id)) is not None


def everyone_with_advocates() -> list[Person]:
    """Every person, by name, with their current advocates (the coordinator's list)."""
    return list(db.session.scalars(select(Person).options(_with_current_advocates()).order_by(Person.preferred_name)))


def with_advocates(person_id: int) -> Person | None:
    """One person with their current advocates."""
    return db.session.scalar(select(Person).where(Person.id == person_id).options(_with_current_advocates()))


def active_advocates() -> list[tuple[int, str]]:
    """Every active advocate's id and name, by name (to choose whom to assign)."""
    rows = db.session.execute(
        select(User.id, User.display_name).where(User.role == Role.ADVOCATE, User.active).order_by(User.display_name)
    )
    return [(user_id, name) for user_id, name in rows]
