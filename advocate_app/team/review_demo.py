"""Demo data for the people's verdicts and partnership reviews: five people who finished with Harbour and said how
useful it was, Sam's finished help waiting for Sam's answer, and an earlier review of Harbour."""

from __future__ import annotations

from sqlalchemy import select

from advocate_app import db
from advocate_app.accounts.models import User
from advocate_app.clock import local_today
from advocate_app.consent import services as consent
from advocate_app.consent.models import Category, ConsentKind, GivenHow, Purpose
from advocate_app.directory.models import Organisation, Service
from advocate_app.people import services as people
from advocate_app.people.models import Person
from advocate_app.referrals import services as referrals
from advocate_app.referrals.models import Referral, ReferralStatus
from advocate_app.team import reviews, verdicts
from advocate_app.team.review_models import PartnershipReview, ReviewDecision, VerdictGivenHow

# (name, how useful, in their words, whether Harbour may read the words)
PEOPLE = [
    ("Chris Evans", 5, "They found me a flat near my sister.", True),
    ("Dee Patel", 4, "", False),
    ("Eli Jones", 4, "Quick to call back, and they explained everything.", True),
    ("Fran Nowak", 5, "", False),
    ("Gus Ahmed", 2, "I waited weeks for a call.", False),
]


def _service(organisation: Organisation, name: str) -> Service:
    return db.session.scalar(select(Service).where(Service.organisation_id == organisation.id, Service.name == name))


def _finish(person: Person, service: Service, *, advocate: User, worker: User) -> Referral:
    referral = referrals.make_referral(person, service, categories=[Category.CONTACT], by=advocate, today=local_today())
    referrals.change_status(referral, ReferralStatus.ACCEPTED, by=worker)
    referrals.change_status(referral, ReferralStatus.COMPLETED, by=worker, note="Moved in; tenancy signed.")
    return referral


def seed(*, harbour: Organisation, advocate: User, advocate2: User, worker: User, coordinator: User, sam: Person):
    """Add whatever of this demo data is missing; returns what was created."""
    created: list[str] = []
    housing = _service(harbour, "Housing advice")
    tenancy = _service(harbour, "Tenancy support")
    for name, rating, words, may_read in PEOPLE:
        if db.session.scalar(select(Person.id).where(Person.preferred_name == name)) is not None:
            continue
        person = people.create_person(
            people.PersonDetails(preferred_name=name, language="en", area="Northshire"), advocate=advocate2
        )
        consent.give(
            person,
            ConsentKind.SHARING,
            given_how=GivenHow.VERBAL,
            by=advocate2,
            language="en",
            organisation=harbour,
            purpose_code=Purpose.HOUSING,
            categories=[Category.CONTACT],
        )
        referral = _finish(person, housing, advocate=advocate2, worker=worker)
        verdicts.give(
            referral,
            rating=rating,
            words=words,
            organisation_may_read=may_read,
            by=advocate2,
            how=VerdictGivenHow.ADVOCATE,
        )
        created.append(f"{name}, helped by Harbour Housing Advice, and how useful it was")
    if (
        db.session.scalar(select(Referral.id).where(Referral.person_id == sam.id, Referral.service_id == tenancy.id))
        is None
    ):
        _finish(sam, tenancy, advocate=advocate, worker=worker)
        created.append("Sam Okafor's finished help from Tenancy support, waiting for Sam's answer")
    if db.session.scalar(select(PartnershipReview.id).where(PartnershipReview.organisation_id == harbour.id)) is None:
        today = local_today()
        reviews.hold_review(
            harbour,
            reviews.Decision(
                decision=ReviewDecision.KEEP,
                held_on=reviews.months_after(today, -5),
                reasons="Referrals are answered within days and people say the help is useful.",
            ),
            by=coordinator,
            today=today,
            months=reviews.DEFAULT_CYCLE_MONTHS,
        )
        created.append("a partnership review of Harbour Housing Advice")
    return created
