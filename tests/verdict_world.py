"""People helped by an organisation and finished with it, for the tests of verdicts and partnership reviews."""

from __future__ import annotations

from advocate_app import db
from advocate_app.consent.models import Category
from advocate_app.directory.models import Organisation, Service, ServiceNeedDomain
from advocate_app.referrals import services as referrals
from advocate_app.referrals.models import ReferralStatus
from advocate_app.team import verdicts
from advocate_app.team.review_models import VerdictGivenHow
from tests import factories


def service(organisation, name: str, domains=("housing",)) -> Service:
    made = Service(
        organisation_id=organisation.id,
        name=name,
        response_target_days=3,
        need_domains=[ServiceNeedDomain(domain=d) for d in domains],
    )
    db.session.add(made)
    db.session.flush()
    return made


def finished_referral(advocate, worker, to: Service, *, name: str | None = None, person=None, step=None):
    """A person referred to ``to``, accepted and completed by ``worker`` (in the caller's app context)."""
    person = person or factories.person(advocate, name=name)
    factories.sharing(person, _organisation_of(to), [Category.CONTACT, Category.NEEDS], by=advocate)
    referral = factories.referral(person, to, [Category.CONTACT], by=advocate, step=step)
    referrals.change_status(referral, ReferralStatus.ACCEPTED, by=worker)
    referrals.change_status(referral, ReferralStatus.COMPLETED, by=worker)
    db.session.flush()
    return person, referral


def _organisation_of(service_record: Service):
    return db.session.get(Organisation, service_record.organisation_id)


def rated(advocate, worker, to: Service, ratings, *, words: str = "", may_read: bool = False):
    """One finished referral per rating, each with the person's verdict; returns the referrals."""
    made = []
    for rating in ratings:
        _person, referral = finished_referral(advocate, worker, to)
        verdicts.give(
            referral,
            rating=rating,
            words=words,
            organisation_may_read=may_read,
            by=advocate,
            how=VerdictGivenHow.ADVOCATE,
        )
        made.append(referral)
    db.session.commit()
    return made
