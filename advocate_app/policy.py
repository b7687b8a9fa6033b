"""The one authorisation policy: every view and service asks ``can`` or uses ``visible_people``.

Decisions rest on the user's role, their relationship to the record (the person themselves, an
advocate on their case, an organisation they share with, a coordinator who broke the glass) and, for
organisations, the consent in force and the category of information.
"""

from __future__ import annotations

from enum import StrEnum

from flask import abort, g, has_request_context
from sqlalchemy import Select, false, select

from advocate_app import db
from advocate_app.accounts.models import Role, User
from advocate_app.people.models import Assignment, Person


class Action(StrEnum):
    PERSON_CREATE = "person.create"
    PERSON_VIEW = "person.view"
    PERSON_EDIT = "person.edit"
    PERSON_SETUP_LOGIN = "person.setup_login"
    PERSON_CLOSE = "person.close"
    SHARED_VIEW = "shared.view"
    ASSIGNMENTS_MANAGE = "assignments.manage"
    ORGANISATIONS_MANAGE = "organisations.manage"
    USERS_MANAGE = "users.manage"
    LINKS_MANAGE = "links.manage"
    REFERRALS_RECEIVE = "referrals.receive"
    PLAN_VIEW = "plan.view"
    PLAN_WRITE = "plan.write"
    PLAN_START = "plan.start"
    CONSENT_VIEW = "consent.view"
    CONSENT_RECORD = "consent.record"
    CONSENT_WITHDRAW = "consent.withdraw"
    OVERRIDE_REQUEST = "override.request"
    OVERRIDE_DECIDE = "override.decide"
    BREAK_GLASS = "break_glass.open"
    RECORD_EXPORT = "record.export"
    ACCESS_LOG_VIEW = "access_log.view"
    REFERRAL_MAKE = "referral.make"
    REFERRALS_OF_PERSON = "referrals.of_person"
    DIRECTORY_VIEW = "directory.view"
    EVIDENCE_VIEW = "evidence.view"
    EVIDENCE_EXPORT = "evidence.export"
    EVALUATION_PLAN_WRITE = "evaluation_plan.write"
    EVALUATION_REPORT_VIEW = "evaluation_report.view"
    SMS_INBOX = "sms.inbox"


# Actions decided by role alone.
_ROLE_ACTIONS: dict[Action, frozenset[Role]] = {
    Action.PERSON_CREATE: frozenset({Role.ADVOCATE}),
    Action.ASSIGNMENTS_MANAGE: frozenset({Role.COORDINATOR}),
    Action.ORGANISATIONS_MANAGE: frozenset({Role.COORDINATOR}),
    Action.USERS_MANAGE: frozenset({Role.COORDINATOR}),
    Action.LINKS_MANAGE: frozenset({Role.COORDINATOR}),
    Action.OVERRIDE_DECIDE: frozenset({Role.COORDINATOR}),
    Action.BREAK_GLASS: frozenset({Role.COORDINATOR}),
    Action.REFERRALS_RECEIVE: frozenset({Role.ORG_WORKER}),
    Action.DIRECTORY_VIEW: frozenset({Role.ADVOCATE, Role.ORG_WORKER, Role.COORDINATOR}),
    # Aggregate figures only: a coordinator's across organisations, an advocate's over their own caseload.
    Action.EVIDENCE_VIEW: frozenset({Role.ADVOCATE, Role.COORDINATOR}),
    Action.EVIDENCE_EXPORT: frozenset({Role.COORDINATOR}),
    Action.EVALUATION_PLAN_WRITE: frozenset({Role.COORDINATOR}),
    Action.EVALUATION_REPORT_VIEW: frozenset({Role.COORDINATOR}),
}

# What the person may do with their own record, and an advocate with a record on their caseload.
_OWN_OR_CASELOAD = frozenset(
    {
        Action.PERSON_VIEW,
        Action.PLAN_VIEW,
        Action.PLAN_WRITE,
        Action.CONSENT_VIEW,
        Action.CONSENT_RECORD,
        Action.CONSENT_WITHDRAW,
        Action.RECORD_EXPORT,
        Action.ACCESS_LOG_VIEW,
        Action.REFERRALS_OF_PERSON,
    }
)
# Only an advocate on the caseload.
_CASELOAD_ONLY = frozenset(
    {
        Action.PERSON_EDIT,
        Action.PERSON_SETUP_LOGIN,
        Action.PLAN_START,
        Action.OVERRIDE_REQUEST,
        Action.PERSON_CLOSE,
        Action.REFERRAL_MAKE,
        Action.SMS_INBOX,
    }
)
# What a coordinator may read, for the short time a break-glass is open.
_BREAK_GLASS_READS = frozenset({Action.PERSON_VIEW, Action.PLAN_VIEW})


def caseload_person_ids(user: User) -> Select:
    """A query for the ids of the people ``user`` currently advocates for (from their assignments alone)."""
    return select(Assignment.person_id).where(Assignment.advocate_id == user.id, Assignment.ended_at.is_(None))


def _on_caseload_clause(user: User):
    return Person.id.in_(caseload_person_ids(user))


def is_on_caseload(user: User, person_id: int) -> bool:
    """True when ``user`` currently advocates for the person.

    Asked once per request and person: a page asks it for every link it offers.
    """
    key = (user.id, person_id)
    known = g.setdefault("_on_caseload", {}) if has_request_context() else {}
    if key not in known:
        known[key] = bool(
            db.session.scalar(
                select(Assignment.id).where(
                    Assignment.person_id == person_id,
                    Assignment.advocate_id == user.id,
                    Assignment.ended_at.is_(None),
                )
            )
        )
    return known[key]


def shared_categories(user: User, person: Person):
    """The categories of a person's information an organisation worker may see right now (empty for others)."""
    from advocate_app.consent.services import shared_categories as categories

    if user.role is not Role.ORG_WORKER or user.organisation_id is None:
        return frozenset()
    return categories(person.id, user.organisation_id)


def can(user: User | None, action: Action, record: Person | None = None, category=None) -> bool:
    """May ``user`` do ``action`` (to ``record``, when the action is about a person)?

    :param category: for ``SHARED_VIEW``, the kind of information (a ``consent.models.Category``).
    """
    if user is None or not getattr(user, "is_authenticated", False) or not user.active:
        return False
    if action in _ROLE_ACTIONS:
        return user.role in _ROLE_ACTIONS[action]
    if record is None:
        return False
    if action in _OWN_OR_CASELOAD or action in _CASELOAD_ONLY:
        if user.role is Role.INDIVIDUAL:
            return action in _OWN_OR_CASELOAD and user.person_id == record.id
        if user.role is Role.ADVOCATE:
            return is_on_caseload(user, record.id)
        if user.role is Role.COORDINATOR and action in _BREAK_GLASS_READS:
            from advocate_app.consent.services import has_break_glass

            return has_break_glass(user, record.id)
        return False
    if action is Action.SHARED_VIEW:
        covered = shared_categories(user, record)
        return bool(covered) if category is None else category in covered
    return False


def may_handle_referral(user: User | None, referral) -> bool:
    """The receiving organisation's workers answer a referral and keep its status up to date."""
    return bool(
        user is not None
        and getattr(user, "is_authenticated", False)
        and user.active
        and user.role is Role.ORG_WORKER
        and user.organisation_id is not None
        and user.organisation_id == referral.organisation_id
    )


def may_follow_referral(user: User | None, referral) -> bool:
    """The person and the advocates on their case follow a referral (and an advocate may withdraw it)."""
    person = db.session.get(Person, referral.person_id)
    return person is not None and can(user, Action.REFERRALS_OF_PERSON, person)


def may_edit_service(user: User | None, service) -> bool:
    """Coordinators keep any entry current; an organisation's workers keep their own services current."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.active:
        return False
    if user.role is Role.COORDINATOR:
        return True
    return bool(
        user.role is Role.ORG_WORKER
        and user.organisation_id is not None
        and user.organisation_id == service.organisation_id
    )


def may_add_service(user: User | None) -> bool:
    """Only coordinators add services to an organisation."""
    return can(user, Action.ORGANISATIONS_MANAGE)


def visible_people(user: User) -> Select:
    """A query for exactly the people whose records ``user`` may open."""
    query = select(Person)
    if user.role is Role.INDIVIDUAL:
        return query.where(Person.id == user.person_id)
    if user.role is Role.ADVOCATE:
        return query.where(_on_caseload_clause(user))
    if user.role is Role.ORG_WORKER and user.organisation_id is not None:
        from advocate_app.consent.services import people_sharing_with

        return query.where(Person.id.in_(people_sharing_with(user.organisation_id)))
    return query.where(false())


def person_or_404(user: User, person_id: int, action: Action = Action.PERSON_VIEW) -> Person:
    """The person, when ``user`` may do ``action`` to them; otherwise 404, so a record's existence is not revealed."""
    person = db.session.get(Person, person_id)
    if person is None or not can(user, action, person):
        abort(404)
    return person
