"""Partnership reviews: each partner organisation looked at on a cycle, with a decision that can say stop.

A review brings together the referral loop, the needs the organisation led and how they moved (check-ins in that
domain), the people's verdicts (suppressed below five people), and its part in the team around people (overlaps it
was in, and the share of its actions done with the person).
A decision to stop referring to a service for a need takes it out of "find a service" for that need only.
Partners whose referrals showed no engagement or no movement over the last two cycles are flagged before the review.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import aliased, joinedload

from advocate_app import db
from advocate_app.audit.services import record as audit
from advocate_app.clock import LOCAL_ZONE
from advocate_app.directory.models import Organisation, ReferralStop, Service, ServiceNeedDomain
from advocate_app.evidence import partnership
from advocate_app.evidence.period import Period, add_months
from advocate_app.evidence.queries import Scope
from advocate_app.needs import NEED_DOMAINS
from advocate_app.plans.models import CheckIn, PlanItem, RatedBy
from advocate_app.referrals.models import Referral, ReferralEvent, ReferralStatus
from advocate_app.team import verdicts
from advocate_app.team.models import ContactRecord, OverlapChoice, OverlapDecision
from advocate_app.team.review_models import PartnershipReview, ReviewDecision

DEFAULT_CYCLE_MONTHS = 6
# Listed as due from this many days before the date.
DUE_SOON_DAYS = 30
# Whose ratings tell a person's own story best (as the person's own change page): theirs, together, the advocate's.
PREFERRED_RATERS = (RatedBy.PERSON, RatedBy.TOGETHER, RatedBy.ADVOCATE)
ENGAGED = (ReferralStatus.ENGAGED, ReferralStatus.COMPLETED)
NO_ENGAGEMENT = "no_engagement"
NO_MOVEMENT = "no_movement"
TEXT_MAX = 4000


class ReviewError(ValueError):
    """A review rule was broken; ``field`` names the form field to show it next to."""

    def __init__(self, code: str, field: str | None = None):
        super().__init__(code)
        self.code = code
        self.field = field


def months_after(day: date, months: int) -> date:
    """The same day ``months`` later (or earlier), or the month's last day when it is shorter."""
    first = add_months(day, months)
    following = add_months(first, 1)
    return first.replace(day=min(day.day, (following - first).days))


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time(), LOCAL_ZONE)


# Stopped services ---------------------------------------------------------------------------------------------


def stops_of(organisation_id: int) -> list[tuple[ReferralStop, str]]:
    """The stops in force for an organisation's services, with each service's name. One query."""
    return [
        (stop, name)
        for stop, name in db.session.execute(
            select(ReferralStop, Service.name)
            .join(Service, Service.id == ReferralStop.service_id)
            .where(Service.organisation_id == organisation_id)
            .order_by(Service.name, ReferralStop.domain)
        )
    ]


# Movement in the needs an organisation led --------------------------------------------------------------------


@dataclass
class Movement:
    """People an organisation helped with one need, and how their check-ins in that domain moved."""

    domain: str
    people: int = 0
    better: int = 0
    same: int = 0
    worse: int = 0

    @property
    def measured(self) -> int:
        return self.better + self.same + self.worse

    @property
    def label(self) -> str:
        return str(NEED_DOMAINS.get(self.domain, self.domain))


def _led(since: date, until: date, organisation_id: int | None):
    """(organisation, domain, person) for referrals accepted in the window: the need the referral's step sits
    under, else the first domain the service serves. One query."""
    goal, need = aliased(PlanItem), aliased(PlanItem)
    first_domain = (
        select(func.min(ServiceNeedDomain.domain))
        .where(ServiceNeedDomain.service_id == Referral.service_id)
        .correlate(Referral)
        .scalar_subquery()
    )
    query = (
        select(Referral.organisation_id, func.coalesce(need.domain, first_domain), Referral.person_id)
        .outerjoin(PlanItem, PlanItem.id == Referral.step_id)
        .outerjoin(goal, goal.id == PlanItem.parent_id)
        .outerjoin(need, need.id == goal.parent_id)
        .where(
            Referral.responded_at.is_not(None),
            Referral.decline_reason.is_(None),
            Referral.created_at >= _start_of(since),
            Referral.created_at < _start_of(until),
        )
        .distinct()
    )
    if organisation_id is not None:
        query = query.where(Referral.organisation_id == organisation_id)
    return [(o, d, p) for o, d, p in db.session.execute(query) if d]


def movement(since: date, until: date, organisation_id: int | None = None) -> dict[int, list[Movement]]:
    """Per organisation, per need it led (accepted referrals sent in the window): how many people, and how their
    check-ins in that domain moved from the first to the latest in the window. Two queries."""
    led = _led(since, until, organisation_id)
    people = {p for _o, _d, p in led}
    readings: dict[tuple[int, str], list[tuple[RatedBy, int]]] = defaultdict(list)
    if people:
        for person_id, domain, rated_by, score in db.session.execute(
            select(CheckIn.person_id, CheckIn.domain, CheckIn.rated_by, CheckIn.score)
            .where(CheckIn.person_id.in_(people), CheckIn.taken_on >= since, CheckIn.taken_on < until)
            .order_by(CheckIn.person_id, CheckIn.domain, CheckIn.taken_on, CheckIn.id)
        ):
            readings[(person_id, domain)].append((RatedBy(rated_by), score))
    table: dict[int, dict[str, Movement]] = defaultdict(dict)
    for organisation, domain, person_id in led:
        row = table[organisation].setdefault(domain, Movement(domain))
        row.people += 1
        story = _story(readings.get((person_id, domain), []))
        if len(story) < 2:
            continue
        change = story[-1] - story[0]
        if change > 0:
            row.better += 1
        elif change < 0:
            row.worse += 1
        else:
            row.same += 1
    order = list(NEED_DOMAINS)
    return {
        org: sorted(rows.values(), key=lambda m: order.index(m.domain) if m.domain in order else len(order))
        for org, rows in table.items()
    }


def _story(readings: list[tuple[RatedBy, int]]) -> list[int]:
    for rater in PREFERRED_RATERS:
        scores = [score for who, score in readings if who is rater]
        if scores:
            return scores
    return []


# Flags --------------------------------------------------------------------------------------------------------


def flags(today: date, months: int) -> dict[int, list[str]]:
    """Organisations whose referrals over the last two cycles showed no engagement (referrals sent, none engaged
    or completed) or no movement (people's check-ins measured, none better). Three queries."""
    since = months_after(today, -2 * months)
    engaged = select(ReferralEvent.referral_id).where(ReferralEvent.status.in_(ENGAGED)).distinct().scalar_subquery()
    found: dict[int, list[str]] = defaultdict(list)
    for organisation_id, sent, engaged_count in db.session.execute(
        select(
            Referral.organisation_id,
            func.count(Referral.id),
            func.count(Referral.id).filter(Referral.id.in_(engaged)),
        )
        .where(Referral.created_at >= _start_of(since), Referral.created_at < _start_of(today + timedelta(days=1)))
        .group_by(Referral.organisation_id)
    ):
        if sent and not engaged_count:
            found[organisation_id].append(NO_ENGAGEMENT)
    for organisation_id, rows in movement(since, today + timedelta(days=1)).items():
        measured = sum(m.measured for m in rows)
        if measured and not sum(m.better for m in rows):
            found[organisation_id].append(NO_MOVEMENT)
    return dict(found)


# The list of reviews ------------------------------------------------------------------------------------------


@dataclass
class DueReview:
    organisation: Organisation
    last: PartnershipReview | None
    due_on: date
    flags: list[str] = field(default_factory=list)


def _latest_reviews():
    latest = select(func.max(PartnershipReview.id)).group_by(PartnershipReview.organisation_id)
    return select(PartnershipReview).where(PartnershipReview.id.in_(latest))


def last_reviewed(organisation_ids) -> dict[int, date]:
    """When each organisation was last reviewed (for the directory's "reviewed on …"). One query."""
    organisation_ids = list(organisation_ids)
    if not organisation_ids:
        return {}
    return dict(
        db.session.execute(
            select(PartnershipReview.organisation_id, func.max(PartnershipReview.held_on))
            .where(PartnershipReview.organisation_id.in_(organisation_ids))
            .group_by(PartnershipReview.organisation_id)
        ).all()
    )


def due_reviews(today: date, months: int) -> list[DueReview]:
    """Every partner organisation with when its next review is due (the last one's date; an organisation never reviewed
    falls due a cycle after it joined), soonest first, with its flags. Four queries."""
    # Partners are the organisations with a service to refer to (not, say, the advocates' own employer).
    organisations = db.session.scalars(
        select(Organisation)
        .where(Organisation.id.in_(select(Service.organisation_id)))
        .order_by(Organisation.name, Organisation.id)
    ).all()
    latest = {r.organisation_id: r for r in db.session.scalars(_latest_reviews())}
    flagged = flags(today, months)
    rows = []
    for organisation in organisations:
        last = latest.get(organisation.id)
        joined = organisation.created_at.astimezone(LOCAL_ZONE).date()
        due_on = last.next_due if last is not None else months_after(joined, months)
        rows.append(DueReview(organisation, last, due_on, flagged.get(organisation.id, [])))
    return sorted(rows, key=lambda r: (r.due_on, r.organisation.name))


def is_due(row: DueReview, today: date) -> bool:
    return (row.due_on - today).days <= DUE_SOON_DAYS


# One organisation's review ------------------------------------------------------------------------------------


@dataclass
class ReviewFigures:
    organisation: Organisation
    since: date
    last: PartnershipReview | None
    loop: partnership.LoopFigures | None
    services_loop: list[partnership.LoopFigures]
    movement: list[Movement]
    verdicts: verdicts.Aggregate
    service_verdicts: dict[int, verdicts.Aggregate]
    team: TeamFigures
    stops: list[tuple[ReferralStop, str]]
    flags: list[str]
    services: list[Service]
    history: list[PartnershipReview]


@dataclass
class TeamFigures:
    """One organisation's part in the team around people: overlaps it was in, and its actions with the person."""

    overlaps: int = 0
    overlaps_avoided: int = 0
    overlaps_sent_anyway: int = 0
    with_person: int = 0
    about_person: int = 0

    @property
    def actions(self) -> int:
        return self.with_person + self.about_person

    @property
    def with_person_percent(self) -> int | None:
        """The share of its actions done with the person; None below ``MIN_CELL`` actions (no pattern yet)."""
        if self.actions < verdicts.MIN_ANSWERS:
            return None
        return round(100 * self.with_person / self.actions)


def team_figures(organisation_id: int, since: datetime) -> TeamFigures:
    """Overlaps this organisation was in (leading the need, or the second one asked) decided since ``since``, and
    its staff's actions with and about the person, from the team records. Two queries."""
    figures = TeamFigures()
    for choice, count in db.session.execute(
        select(OverlapDecision.choice, func.count(OverlapDecision.id))
        .where(
            (OverlapDecision.leading_organisation_id == organisation_id)
            | (OverlapDecision.organisation_id == organisation_id),
            OverlapDecision.decided_at >= since,
        )
        .group_by(OverlapDecision.choice)
    ):
        figures.overlaps += count
        if OverlapChoice(choice) is OverlapChoice.SEND_ANYWAY:
            figures.overlaps_sent_anyway += count
        else:
            figures.overlaps_avoided += count
    for with_person, count in db.session.execute(
        select(ContactRecord.with_person, func.count(ContactRecord.id))
        .where(ContactRecord.organisation_id == organisation_id, ContactRecord.at >= since)
        .group_by(ContactRecord.with_person)
    ):
        if with_person:
            figures.with_person += count
        else:
            figures.about_person += count
    return figures


def review_figures(organisation: Organisation, *, today: date, months: int) -> ReviewFigures:
    """Everything a review of ``organisation`` looks at, since its last review (else over one cycle)."""
    history = list(
        db.session.scalars(
            select(PartnershipReview)
            .where(PartnershipReview.organisation_id == organisation.id)
            .options(joinedload(PartnershipReview.offered_again_service))
            .order_by(PartnershipReview.held_on.desc(), PartnershipReview.id.desc())
        )
    )
    last = history[0] if history else None
    since = last.held_on if last is not None else months_after(today, -months)
    period = Period(since.replace(day=1), today.replace(day=1))
    referred = select(Referral.person_id).where(Referral.organisation_id == organisation.id)
    loop = partnership.referral_loop(Scope(people=referred, period=period, today=today))
    services = list(
        db.session.scalars(
            select(Service).where(Service.organisation_id == organisation.id).order_by(Service.name, Service.id)
        )
    )
    names = {s.name for s in services}
    return ReviewFigures(
        organisation=organisation,
        since=since,
        last=last,
        loop=next((o for o in loop.organisations if o.organisation == organisation.name), None),
        services_loop=[s for s in loop.services if s.organisation == organisation.name and s.service in names],
        movement=movement(since, today + timedelta(days=1), organisation.id).get(organisation.id, []),
        verdicts=verdicts.of_organisation(organisation.id, since=_start_of(since)),
        service_verdicts=verdicts.by_service([s.id for s in services], since=_start_of(since)),
        team=team_figures(organisation.id, _start_of(since)),
        stops=stops_of(organisation.id),
        flags=flags(today, months).get(organisation.id, []),
        services=services,
        history=history,
    )


@dataclass
class Decision:
    decision: ReviewDecision | None
    held_on: date | None
    reasons: str = ""
    change_what: str = ""
    stop_service_id: int | None = None
    stop_domain: str = ""
    lift_stop_id: int | None = None  # an earlier review's stop to lift (keep or change only)


def hold_review(organisation: Organisation, decision: Decision, *, by, today: date, months: int) -> PartnershipReview:
    """Record a review's decision; a stop takes the service out of "find a service" for that need at once, and a
    keep or change decision may lift an earlier stop, so the service is offered for that need again.

    :raises ReviewError: for a missing decision, date (or one in the future), reasons, what to change, a
        stop without a service of this organisation and a need, or a stop to lift that is not this organisation's
        (or lifted by a decision to stop).
    """
    if decision.decision is None:
        raise ReviewError("decision", field="decision")
    if decision.held_on is None or decision.held_on > today:
        raise ReviewError("held_on", field="held_on")
    reasons = decision.reasons.strip()
    if not reasons:
        raise ReviewError("reasons", field="reasons")
    if len(reasons) > TEXT_MAX or len(decision.change_what) > TEXT_MAX:
        raise ReviewError("too_long", field="reasons")
    if decision.decision is ReviewDecision.CHANGE and not decision.change_what.strip():
        raise ReviewError("change_what", field="change_what")
    service = None
    if decision.decision is ReviewDecision.STOP:
        service = db.session.get(Service, decision.stop_service_id) if decision.stop_service_id else None
        if service is None or service.organisation_id != organisation.id:
            raise ReviewError("stop_service", field="stop_service")
        if decision.stop_domain not in NEED_DOMAINS:
            raise ReviewError("stop_domain", field="stop_domain")
    lifted = _stop_to_lift(organisation, decision)
    review = PartnershipReview(
        organisation_id=organisation.id,
        held_on=decision.held_on,
        held_by_id=by.id,
        decision=decision.decision,
        change_what=decision.change_what.strip() if decision.decision is ReviewDecision.CHANGE else "",
        reasons=reasons,
        next_due=months_after(decision.held_on, months),
        offered_again_service_id=lifted.service_id if lifted is not None else None,
        offered_again_domain=lifted.domain if lifted is not None else None,
    )
    db.session.add(review)
    db.session.flush()
    audit("partnership_review", actor=by, object_type="organisation", object_id=organisation.id)
    if service is not None:
        # Stopped already (by an earlier review, or a second coordinator at the same moment): one stop stands.
        db.insert_new(
            ReferralStop,
            {"service_id": service.id, "domain": decision.stop_domain, "review_id": review.id},
            conflict=[ReferralStop.service_id, ReferralStop.domain],
        )
        audit("referrals_stopped", actor=by, object_type="service", object_id=service.id)
    if lifted is not None:
        # Lifted already by a second coordinator at the same moment: deleting nothing is the same outcome.
        db.session.execute(delete(ReferralStop).where(ReferralStop.id == lifted.id))
        audit("referrals_resumed", actor=by, object_type="service", object_id=lifted.service_id)
    return review


def _stop_to_lift(organisation: Organisation, decision: Decision) -> ReferralStop | None:
    if decision.lift_stop_id is None:
        return None
    if decision.decision is ReviewDecision.STOP:
        raise ReviewError("lift_with_stop", field="lift_stop")
    stop = db.session.get(ReferralStop, decision.lift_stop_id)
    service = db.session.get(Service, stop.service_id) if stop is not None else None
    if service is None or service.organisation_id != organisation.id:
        raise ReviewError("lift_stop", field="lift_stop")
    return stop
