"""Factories that build people, staff, organisations, plans and their entries, consents and referrals through
the real services."""

from __future__ import annotations

import functools
import itertools
from datetime import date

from flask import has_app_context

from advocate_app import db
from advocate_app.accounts import services as accounts
from advocate_app.accounts.models import Role, User
from advocate_app.clock import local_today
from advocate_app.consent import services as consents
from advocate_app.consent.models import Consent, ConsentKind, GivenHow
from advocate_app.directory.models import Organisation, OrganisationKind, Service
from advocate_app.people import services as people
from advocate_app.plans import services as plans
from advocate_app.plans.models import ItemKind, Plan, PlanItem
from advocate_app.referrals import services as referrals

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
def individual(person_record, username: str | None = None, password: str = PASSWORD, locale: str = "en") -> User:
    """Give a person their own login, as the in-person setup would, reading the app in ``locale``."""
    user = User(
        username=username or f"person{next(_counter)}",
        display_name=person_record.preferred_name,
        role=Role.INDIVIDUAL,
        person_id=person_record.id,
        locale=locale,
    )
    accounts.set_password(user, password)
    db.session.add(user)
    db.session.commit()
    return user


def _joined(build):
    """Run a factory in the caller's app context and transaction (the caller commits, as with the services);
    called outside any app context, in one of its own, committed."""

    @functools.wraps(build)
    def wrapped(*args, **kwargs):
        if has_app_context():
            return build(*args, **kwargs)
        with _app.app_context():
            made = build(*args, **kwargs)
            db.session.commit()
            return made

    return wrapped


@_joined
def plan(person_record, *, by: User) -> Plan:
    """The person's active plan, started by ``by`` if they have none."""
    return plans.plan_for(person_record.id, by=by)


@_joined
def entry(plan_record: Plan, kind: ItemKind, text: str, *, by: User, parent=None, **fields) -> PlanItem:
    """An entry of the plan (a need, goal, step...), written by ``by``; ``fields`` as in ``plans.ItemFields``."""
    return plans.add_item(plan_record, kind, plans.ItemFields(text, **fields), by=by, parent=parent)


@_joined
def consent(
    person_record,
    kind: ConsentKind = ConsentKind.SHARING,
    *,
    by: User | None,
    organisation: Organisation | None = None,
    purpose: str = "",
    categories=(),
    language: str = "en",
    given_how: GivenHow = GivenHow.VERBAL,
    **options,
) -> Consent:
    """A consent recorded through the real service, by default as an advocate records it after reading the
    statement out in English; ``options`` (``now``, ``days``) as ``consent.give`` takes them."""
    return consents.give(
        person_record,
        kind,
        given_how=given_how,
        by=by,
        language=language,
        organisation=organisation,
        purpose=purpose,
        categories=categories,
        **options,
    )


def sharing(person_record, organisation: Organisation, categories, *, by: User, purpose: str = "help", **options):
    """Agreement to share ``categories`` with ``organisation``."""
    return consent(
        person_record,
        ConsentKind.SHARING,
        by=by,
        organisation=organisation,
        purpose=purpose,
        categories=categories,
        **options,
    )


def texts(person_record, *, by: User | None, **options) -> Consent:
    """Agreement to be sent text messages."""
    return consent(person_record, ConsentKind.SMS, by=by, **options)


@_joined
def referral(person_record, service: Service, categories, *, by: User, today: date | None = None, **options):
    """A referral to ``service`` sharing ``categories`` (a consent must cover them); ``options`` (``step``,
    ``note``, ``urgency``) as ``referrals.make_referral`` takes them."""
    return referrals.make_referral(
        person_record, service, categories=categories, by=by, today=today or local_today(), **options
    )
