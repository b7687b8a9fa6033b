"""Factories that build people, staff and organisations through the real services."""

from __future__ import annotations

import functools
import itertools

from flask import has_app_context

from advocate_app import db
from advocate_app.accounts import services as accounts
from advocate_app.accounts.models import Role, User
from advocate_app.directory.models import Organisation, OrganisationKind
from advocate_app.people import services as people

PASSWORD = "a long test passphrase"
# Staff made here have set up an authenticator app with this key (tests compute its codes with pyotp).
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
_counter = itertools.count(1)
_app = None


def use(app) -> None:
    """Build data in this app from now on."""
    global _app
    _app = app


def _in_app(build):
    """Run a factory in its own app context, unless the caller already has one."""

    @functools.wraps(build)
    def wrapped(*args, **kwargs):
        if has_app_context():
            return build(*args, **kwargs)
        with _app.app_context():
            return build(*args, **kwargs)

    return wrapped


@_in_app
def organisation(name: str | None = None) -> Organisation:
    org = Organisation(name=name or f"Organisation {next(_counter)}", kind=OrganisationKind.VOLUNTARY)
    db.session.add(org)
    db.session.commit()
    return org


@_in_app
def staff(
    role: Role = Role.ADVOCATE,
    *,
    email: str | None = None,
    name: str | None = None,
    organisation_id: int | None = None,
    password: str = PASSWORD,
    second_factor: bool = True,
) -> User:
    n = next(_counter)
    if role is Role.ORG_WORKER and organisation_id is None:
        organisation_id = organisation().id
    user = accounts.create_staff_user(
        email=email or f"{role.value}{n}@example.org",
        display_name=name or f"{role.value.title()} {n}",
        role=role,
        organisation_id=organisation_id,
        created_by=None,
    )
    accounts.set_password(user, password)
    if second_factor:
        user.totp_secret = TOTP_SECRET
        user.totp_enabled_at = db.utcnow()
    db.session.commit()
    return user


def advocate(**kwargs) -> User:
    return staff(Role.ADVOCATE, **kwargs)


def coordinator(**kwargs) -> User:
    return staff(Role.COORDINATOR, **kwargs)


def org_worker(**kwargs) -> User:
    return staff(Role.ORG_WORKER, **kwargs)


@_in_app
def person(advocate_user: User, name: str | None = None, **details):
    record = people.create_person(
        people.PersonDetails(preferred_name=name or f"Person {next(_counter)}", **details), advocate=advocate_user
    )
    db.session.commit()
    return record


@_in_app
def individual(person_record, username: str | None = None, password: str = PASSWORD) -> User:
    """Give a person their own login, as the in-person setup would."""
    user = User(
        username=username or f"person{next(_counter)}",
        display_name=person_record.preferred_name,
        role=Role.INDIVIDUAL,
        person_id=person_record.id,
        locale="en",
    )
    accounts.set_password(user, password)
    db.session.add(user)
    db.session.commit()
    return user
