"""The one authorisation policy: every view and service asks ``can`` or uses ``visible_people``.

Decisions rest on the user's role and their relationship to the record. Later features (consent,
information walls, break glass) add their rules here, not in views.
"""

from __future__ import annotations

from enum import StrEnum

from flask import abort
from sqlalchemy import Select, false, select

from advocate_app import db
from advocate_app.accounts.models import Role, User
from advocate_app.people.models import Assignment, Person


class Action(StrEnum):
    PERSON_CREATE = "person.create"
    PERSON_VIEW = "person.view"
    PERSON_EDIT = "person.edit"
    PERSON_SETUP_LOGIN = "person.setup_login"
    ASSIGNMENTS_MANAGE = "assignments.manage"
    ORGANISATIONS_MANAGE = "organisations.manage"
    USERS_MANAGE = "users.manage"
    REFERRALS_RECEIVE = "referrals.receive"
    PLAN_VIEW = "plan.view"
    PLAN_WRITE = "plan.write"
    PLAN_START = "plan.start"


# Actions decided by role alone.
_ROLE_ACTIONS: dict[Action, frozenset[Role]] = {
    Action.PERSON_CREATE: frozenset({Role.ADVOCATE}),
    Action.ASSIGNMENTS_MANAGE: frozenset({Role.COORDINATOR}),
    Action.ORGANISATIONS_MANAGE: frozenset({Role.COORDINATOR}),
    Action.USERS_MANAGE: frozenset({Role.COORDINATOR}),
    Action.REFERRALS_RECEIVE: frozenset({Role.ORG_WORKER}),
}


def _on_caseload_clause(user: User):
    return Person.id.in_(
        select(Assignment.person_id).where(Assignment.advocate_id == user.id, Assignment.ended_at.is_(None))
    )


def is_on_caseload(user: User, person_id: int) -> bool:
    """True when ``user`` currently advocates for the person."""
    return bool(
        db.session.scalar(
            select(Assignment.id).where(
                Assignment.person_id == person_id,
                Assignment.advocate_id == user.id,
                Assignment.ended_at.is_(None),
            )
        )
    )


def can(user: User | None, action: Action, record: Person | None = None) -> bool:
    """May ``user`` do ``action`` (to ``record``, when the action is about a person)?"""
    if user is None or not getattr(user, "is_authenticated", False) or not user.active:
        return False
    if action in _ROLE_ACTIONS:
        return user.role in _ROLE_ACTIONS[action]
    if record is None:
        return False
    if action in (Action.PERSON_VIEW, Action.PLAN_VIEW, Action.PLAN_WRITE):
        # The person and the advocates on their case see and write the plan; nobody else yet.
        if user.role is Role.INDIVIDUAL:
            return user.person_id == record.id
        return user.role is Role.ADVOCATE and is_on_caseload(user, record.id)
    if action in (Action.PERSON_EDIT, Action.PERSON_SETUP_LOGIN, Action.PLAN_START):
        return user.role is Role.ADVOCATE and is_on_caseload(user, record.id)
    return False


def visible_people(user: User) -> Select:
    """A query for exactly the people whose records ``user`` may open."""
    query = select(Person)
    if user.role is Role.INDIVIDUAL:
        return query.where(Person.id == user.person_id)
    if user.role is Role.ADVOCATE:
        return query.where(_on_caseload_clause(user))
    return query.where(false())


def person_or_404(user: User, person_id: int, action: Action = Action.PERSON_VIEW) -> Person:
    """The person, when ``user`` may do ``action`` to them; otherwise 404, so a record's existence is not revealed."""
    person = db.session.get(Person, person_id)
    if person is None or not can(user, action, person):
        abort(404)
    return person
