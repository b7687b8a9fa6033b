"""Finding the person and plan a plan view is about, through the one policy."""

from __future__ import annotations

from functools import cache

from flask import abort
from flask_login import current_user
from sqlalchemy import Integer, bindparam, select

from advocate_app import db, policy
from advocate_app.accounts.models import User
from advocate_app.people.models import Person
from advocate_app.plans import services
from advocate_app.plans.models import Plan
from advocate_app.policy import Action


def person_for(person_id: int, action: Action = Action.PLAN_VIEW) -> Person:
    """The person, when the signed-in user may do ``action`` to their plan; otherwise 404."""
    return policy.person_or_404(current_user, person_id, action)


def active_plan_for(person: Person, *, start: bool = False) -> Plan | None:
    """The person's active plan; with ``start``, one is begun if there is none yet."""
    if start:
        return services.plan_for(person.id, by=current_user._get_current_object())
    return services.active_plan(person.id)


def plan_or_404(person: Person, plan_id: int) -> Plan:
    """A plan (active or earlier) of this person."""
    plan = db.session.get(Plan, plan_id)
    if plan is None or plan.person_id != person.id:
        abort(404)
    return plan


def person_has_login(person_id: int) -> bool:
    """True when the person can sign in for themselves (so only they decide on their own words)."""
    return db.session.scalar(_login_statement(), {"person_id": person_id}) is not None


@cache
def _login_statement():
    """``person_has_login``'s query, built once (every plan page asks it) and run with the person's id."""
    return select(User.id).where(User.person_id == bindparam("person_id", type_=Integer))
