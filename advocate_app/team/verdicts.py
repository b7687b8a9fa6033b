"""The person's verdict on the help: asked once a referral is finished, counted for others only in aggregate.

Advocates choosing a service see "8 of 10 people said this helped" only once ``MIN_ANSWERS`` people answered;
the organisation sees its own figures the same way, and the person's own words only when they said it may.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import cache

from sqlalchemy import Integer, bindparam, case, exists, func, select
from sqlalchemy.orm import joinedload

from advocate_app import db, policy
from advocate_app.audit.services import record as audit
from advocate_app.db import utcnow
from advocate_app.directory.models import Organisation, Service
from advocate_app.evidence.disclosure import MIN_CELL
from advocate_app.evidence.package import SUPPRESSED
from advocate_app.referrals.models import Referral, ReferralStatus
from advocate_app.team.review_models import Verdict, VerdictGivenHow

# Help is finished when the organisation has recorded the end of it (after accepting it).
FINISHED_STATUSES = frozenset({ReferralStatus.COMPLETED, ReferralStatus.DID_NOT_ENGAGE, ReferralStatus.CLOSED})
RATINGS = (1, 2, 3, 4, 5)
# A rating of 4 or 5 counts as "said this helped".
HELPED_FROM = 4
# Fewer answers than this are no pattern, and could point at the people who gave them.
MIN_ANSWERS = MIN_CELL
WORDS_MAX = 2000


class VerdictError(ValueError):
    """A verdict rule was broken; ``field`` names the form field to show it next to."""

    def __init__(self, code: str, field: str | None = None):
        super().__init__(code)
        self.code = code
        self.field = field


def is_finished(referral: Referral) -> bool:
    return referral.status in FINISHED_STATUSES


def waiting_for(person_id: int) -> list:
    """The person's finished referrals they have not said anything about yet (never one kept from them): each one's
    ``id``, ``organisation_id`` and ``service_name``, newest first. One query."""
    return db.session.execute(_waiting_statement(), {"person_id": person_id}).all()


def may_be_waiting_for(person_id):
    """Whether the person may have finished help they have said nothing about yet, as a column for a statement that
    reads something of theirs (``person_id`` is its column of the person's id): when not, ``waiting_for`` would find
    nothing. It may say so of help kept from them (``waiting_for`` then leaves it out): it only spares a statement."""
    return (
        exists()
        .where(Referral.person_id == person_id, Referral.status.in_(FINISHED_STATUSES))
        .where(~Referral.id.in_(select(Verdict.referral_id)))
        .label("may_be_waiting")
    )


@cache
def _waiting_statement():
    """``waiting_for``'s query, built once (every plan page asks it) and run with the person's id; it reads only
    what the plan page shows (whole referrals and services cost more to read than the rest of the question)."""
    person_id = bindparam("person_id", type_=Integer)
    return (
        select(Referral.id, Referral.organisation_id, Service.name.label("service_name"))
        .outerjoin(Service, Service.id == Referral.service_id)
        .where(
            Referral.person_id == person_id,
            Referral.status.in_(FINISHED_STATUSES),
            policy.referrals_shown_to_person(person_id),
            ~Referral.id.in_(select(Verdict.referral_id)),
        )
        .order_by(Referral.updated_at.desc(), Referral.id.desc())
    )


def of_referral(referral_id: int) -> Verdict | None:
    return db.session.scalar(select(Verdict).where(Verdict.referral_id == referral_id))


def give(
    referral: Referral,
    *,
    rating: int | None,
    words: str = "",
    organisation_may_read: bool = False,
    by,
    how: VerdictGivenHow,
    now: datetime | None = None,
) -> Verdict:
    """Record (or change) the person's verdict on a finished referral.

    :raises VerdictError: when the help is not finished yet, or the rating is not 1 to 5.
    """
    if not is_finished(referral):
        raise VerdictError("not_finished", field="rating")
    if rating not in RATINGS:
        raise VerdictError("rating", field="rating")
    words = (words or "").strip()
    if len(words) > WORDS_MAX:
        raise VerdictError("words", field="words")
    now = now or utcnow()
    # Two answers at once (the app and a text, a double tap) make one row: the insert that loses does nothing.
    db.insert_new(
        Verdict,
        {
            "referral_id": referral.id,
            "person_id": referral.person_id,
            "organisation_id": referral.organisation_id,
            "service_id": referral.service_id,
            "rating": rating,
            "words": words,
            "organisation_may_read": bool(organisation_may_read and words),
            "given_how": how,
            "given_by_id": getattr(by, "id", None),
            "given_at": now,
            "updated_at": now,
        },
        conflict=[Verdict.referral_id],
    )
    verdict = db.session.scalar(
        select(Verdict).where(Verdict.referral_id == referral.id).execution_options(populate_existing=True)
    )
    verdict.rating = rating
    verdict.words = words
    verdict.organisation_may_read = bool(organisation_may_read and words)
    verdict.given_how = how
    verdict.given_by_id = getattr(by, "id", None)
    verdict.updated_at = now
    db.session.flush()
    audit("verdict_given", actor=by, person_id=referral.person_id, object_type="referral", object_id=referral.id)
    return verdict


def record_by_text(referral: Referral, rating: int, words: str, *, by) -> bool:
    """A number texted back to the one question. Only a first answer counts (one given in the app stands);
    whatever else was typed is kept as the person's words, never shown to the organisation.

    :returns: True when it was recorded.
    """
    if not is_finished(referral) or rating not in RATINGS or of_referral(referral.id) is not None:
        return False
    give(referral, rating=rating, words=words[:WORDS_MAX], organisation_may_read=False, by=by, how=VerdictGivenHow.SMS)
    return True


# Aggregates ---------------------------------------------------------------------------------------------------


@dataclass
class Aggregate:
    """How many people answered and how many said it helped; ``shown`` only from ``MIN_ANSWERS`` people."""

    answered: int = 0
    helped: int = 0

    @property
    def shown(self) -> bool:
        return self.answered >= MIN_ANSWERS

    @property
    def helped_shown(self) -> int | None:
        return self.helped if self.shown else None


# People, not answers: someone helped twice by one service is one person among the five it takes to show a figure
# (and counts as helped when any of their answers said so).
def _answered():
    return func.count(func.distinct(Verdict.person_id))


def _helped():
    return func.count(func.distinct(case((Verdict.rating >= HELPED_FROM, Verdict.person_id))))


def by_service(service_ids, since: datetime | None = None) -> dict[int, Aggregate]:
    """Each service's verdicts (given since ``since``), counted in one query (services nobody rated are left out)."""
    service_ids = list(service_ids)
    if not service_ids:
        return {}
    query = select(Verdict.service_id, _answered(), _helped()).where(Verdict.service_id.in_(service_ids))
    if since is not None:
        query = query.where(Verdict.given_at >= since)
    rows = db.session.execute(query.group_by(Verdict.service_id))
    return {service_id: Aggregate(answered, helped) for service_id, answered, helped in rows}


def of_organisation(organisation_id: int, since: datetime | None = None) -> Aggregate:
    """All of an organisation's verdicts (given since ``since``), in one query."""
    query = select(_answered(), _helped()).where(Verdict.organisation_id == organisation_id)
    if since is not None:
        query = query.where(Verdict.given_at >= since)
    answered, helped = db.session.execute(query).one()
    return Aggregate(answered or 0, helped or 0)


@dataclass
class OrganisationView:
    """What an organisation reads about its own help: figures per service, and the words people let it read."""

    overall: Aggregate
    services: list[tuple[Service, Aggregate]] = field(default_factory=list)
    words: list[str] = field(default_factory=list)


def organisation_view(organisation_id: int) -> OrganisationView:
    """The organisation's own verdicts. Four queries. The words come without rating, name or date, so they
    cannot be matched to the person the organisation worked with."""
    services = db.session.scalars(
        select(Service).where(Service.organisation_id == organisation_id).order_by(Service.name, Service.id)
    ).all()
    figures = by_service([s.id for s in services])
    words = db.session.scalars(
        select(Verdict.words)
        .where(Verdict.organisation_id == organisation_id, Verdict.organisation_may_read.is_(True), Verdict.words != "")
        .order_by(func.random())
    ).all()
    return OrganisationView(
        overall=of_organisation(organisation_id),
        services=[(s, figures.get(s.id, Aggregate())) for s in services],
        words=list(words),
    )


def of_person(person_id: int) -> list[Verdict]:
    """The person's own verdicts with the referral's service and organisation, for their copy of the record."""
    return list(
        db.session.scalars(
            select(Verdict)
            .where(
                Verdict.person_id == person_id,
                Verdict.referral_id.in_(
                    select(Referral.id).where(
                        Referral.person_id == person_id, policy.referrals_shown_to_person(person_id)
                    )
                ),
            )
            .options(
                joinedload(Verdict.referral).joinedload(Referral.service),
                joinedload(Verdict.referral).joinedload(Referral.organisation),
            )
            .order_by(Verdict.given_at, Verdict.id)
        )
    )


# The evaluators' export ------------------------------------------------------------------------------------------


def _hidden(count: int) -> bool:
    return 0 < count < MIN_ANSWERS


def export_rows(scope) -> list[dict]:
    """One row per service: verdicts given in the period by people in ``scope`` (an ``evidence.queries.Scope``).

    Nothing is shown from fewer than ``MIN_ANSWERS`` answers; "said it helped" is suppressed when it, or the
    answers that did not say so (answered minus helped), is from 1 to 4, so neither can be worked out. One query.
    """
    rows = db.session.execute(
        select(Organisation.name, Service.name, _answered(), _helped())
        .join(Service, Service.id == Verdict.service_id)
        .join(Organisation, Organisation.id == Verdict.organisation_id)
        .where(
            scope.covers(Verdict.person_id),
            Verdict.given_at >= scope.period.starts_at,
            Verdict.given_at < scope.period.ends_at,
        )
        .group_by(Organisation.name, Service.name, Service.id)
        .order_by(Organisation.name, Service.name, Service.id)
    )
    result = []
    for organisation, service, answered, helped in rows:
        enough = not _hidden(answered)
        helped_shown = enough and not _hidden(helped) and not _hidden(answered - helped)
        result.append(
            {
                "organisation": organisation,
                "service": service,
                "answered": answered if enough else SUPPRESSED,
                "said_it_helped": helped if helped_shown else SUPPRESSED,
                "said_it_helped_percent": round(100 * helped / answered) if helped_shown else SUPPRESSED,
            }
        )
    return result
