"""Demonstration data for trying the app: organisations, staff and three people. Never in production."""

from __future__ import annotations

from datetime import time

import pyotp
from flask import current_app
from sqlalchemy import select

from advocate_app import db
from advocate_app.accounts import services as accounts
from advocate_app.accounts.models import Role, User
from advocate_app.consent import services as consent
from advocate_app.consent.models import Category, Consent, ConsentKind, GivenHow, Purpose
from advocate_app.directory.models import (
    CapacityStatus,
    Organisation,
    OrganisationKind,
    Service,
    ServiceLanguage,
    ServiceNeedDomain,
)
from advocate_app.people import services as people
from advocate_app.people.models import Person
from advocate_app.team import review_demo
from advocate_app.team.demo import seed_team

ORGANISATIONS = [
    {
        "name": "Harbour Housing Advice",
        "description": "Free, confidential advice on finding and keeping a safe home.",
        "services": [
            ("Housing advice", ["housing", "money"], ["en", "pl"], CapacityStatus.OPEN, 3, "Anyone aged 16 or over"),
            (
                "Tenancy support",
                ["housing"],
                ["en"],
                CapacityStatus.WAITING_LIST,
                10,
                "Tenants at risk of losing their home",
            ),
        ],
    },
    {
        "name": "Open Door Wellbeing",
        "description": "Peer support, counselling and groups for people who have lived through hard times.",
        "services": [
            ("One-to-one counselling", ["mental_wellbeing"], ["en", "ur"], CapacityStatus.WAITING_LIST, 7, "Adults"),
            ("Peer support group", ["mental_wellbeing", "community"], ["en"], CapacityStatus.OPEN, 5, "Adults"),
        ],
    },
    {
        "name": "Northside Community Hub",
        "description": "Help with money, work and getting involved locally.",
        "services": [
            ("Debt and benefits advice", ["money"], ["en", "pl", "ur"], CapacityStatus.OPEN, 5, "Anyone"),
            ("Back to work coaching", ["education_work"], ["en"], CapacityStatus.CLOSED, 14, "Aged 18 to 64"),
        ],
    },
]

WEEKDAY_EVENINGS = {day: (time(17, 0), time(20, 0)) for day in range(5)}


# Demo staff sign in with a code from an authenticator app set up with this key (or `advocate-app demo code`).
DEMO_TOTP_SECRET = "PLANTOGETHERDEMOPLANTOGETHERDEMO"  # noqa: S105 # nosec B105 # demo only


class DemoRefused(RuntimeError):
    """Demo data must never be written to a production database."""


def _user(
    email: str, name: str, role: Role, password: str, organisation: Organisation | None = None
) -> tuple[User, bool]:
    user = db.session.scalar(select(User).where(User.email == email))
    if user is not None:
        return user, False
    user = accounts.create_staff_user(
        email=email,
        display_name=name,
        role=role,
        organisation_id=organisation.id if organisation else None,
        created_by=None,
    )
    accounts.set_password(user, password)
    user.totp_secret = DEMO_TOTP_SECRET
    user.totp_enabled_at = db.utcnow()
    return user, True


def current_code() -> str:
    """The code demo staff type after their passphrase right now."""
    return pyotp.TOTP(DEMO_TOTP_SECRET).now()


def _organisation(spec: dict) -> tuple[Organisation, bool]:
    organisation = db.session.scalar(select(Organisation).where(Organisation.name == spec["name"]))
    if organisation is not None:
        return organisation, False
    organisation = Organisation(name=spec["name"], kind=OrganisationKind.VOLUNTARY, description=spec["description"])
    db.session.add(organisation)
    db.session.flush()
    for name, domains, languages, capacity, days, eligibility in spec["services"]:
        db.session.add(
            Service(
                organisation_id=organisation.id,
                name=name,
                description=f"{name} from {spec['name']}.",
                eligibility_description=eligibility,
                capacity_status=capacity,
                response_target_days=days,
                area_description="Northshire",
                need_domains=[ServiceNeedDomain(domain=d) for d in domains],
                languages=[ServiceLanguage(language=code) for code in languages],
            )
        )
    return organisation, True


def _person(name: str, language: str, phone: str | None, advocate: User) -> tuple[Person, bool]:
    person = db.session.scalar(select(Person).where(Person.preferred_name == name))
    if person is not None:
        return person, False
    details = people.PersonDetails(
        preferred_name=name,
        language=language,
        phone_e164=phone,
        area="Northshire",
        sms_allowed=phone is not None,
        safe_windows=dict(WEEKDAY_EVENINGS) if phone else {},
    )
    return people.create_person(details, advocate=advocate), True


def _consents_for_sam(sam: Person, advocate: User, harbour: Organisation) -> str | None:
    """Sam agreed (at a visit) to texts, and to Harbour Housing Advice seeing contact details, needs and plan."""
    if db.session.scalar(select(Consent.id).where(Consent.person_id == sam.id)) is not None:
        return None
    consent.give(sam, ConsentKind.SMS, given_how=GivenHow.VERBAL, by=advocate, language=sam.language)
    consent.give(
        sam,
        ConsentKind.SHARING,
        given_how=GivenHow.VERBAL,
        by=advocate,
        language=sam.language,
        organisation=harbour,
        purpose_code=Purpose.HOUSING,
        categories=[Category.CONTACT, Category.NEEDS, Category.PLAN],
    )
    return "Sam Okafor's consents (text messages; sharing with Harbour Housing Advice)"


def seed(password: str) -> list[str]:
    """Create whatever demo data is missing; returns what was created.

    :raises DemoRefused: when ``APP_ENV`` is production.
    """
    if current_app.config["APP_ENV"] == "production":
        raise DemoRefused("Refusing to add demo data: APP_ENV is production.")
    created: list[str] = []

    def note(label: str, was_created: bool) -> None:
        if was_created:
            created.append(label)

    organisations = []
    for spec in ORGANISATIONS:
        organisation, made = _organisation(spec)
        organisations.append(organisation)
        note(organisation.name, made)

    coordinator, made = _user("coordinator@example.org", "Casey Brennan", Role.COORDINATOR, password)
    note("coordinator@example.org", made)
    advocate, made = _user("advocate@example.org", "Alex Morgan", Role.ADVOCATE, password)
    note("advocate@example.org", made)
    advocate2, made = _user("advocate2@example.org", "Priya Shah", Role.ADVOCATE, password)
    note("advocate2@example.org", made)
    worker, made = _user("worker@example.org", "Dan Hughes", Role.ORG_WORKER, password, organisations[0])
    note("worker@example.org", made)

    sam, made = _person("Sam Okafor", "en", "+447700900123", advocate)
    note("Sam Okafor", made)
    _jo, made = _person("Jo Kowalski", "pl", "+447700900456", advocate)
    note("Jo Kowalski", made)
    _ali, made = _person("Ali Rahman", "ur", None, advocate2)
    note("Ali Rahman", made)

    db.session.flush()
    if made_sam_consent := _consents_for_sam(sam, advocate, organisations[0]):
        created.append(made_sam_consent)
    if db.session.scalar(select(User).where(User.person_id == sam.id)) is None:
        db.session.add(
            User(
                username="sam",
                display_name=sam.preferred_name,
                role=Role.INDIVIDUAL,
                person_id=sam.id,
                password_hash=accounts.passwords.hash_password(password),
                locale="en",
            )
        )
        created.append("login for Sam Okafor (username sam)")
    db.session.flush()
    if made_team := seed_team(sam, advocate, worker, organisations):
        created.append(made_team)
    created += review_demo.seed(
        harbour=organisations[0],
        advocate=advocate,
        advocate2=advocate2,
        worker=worker,
        coordinator=coordinator,
        sam=sam,
    )
    db.session.commit()
    return created
