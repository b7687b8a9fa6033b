"""Who leads each need, and one organisation at a time.

Each need of the active plan has one lead at a time: the person, their advocate (the lead when nobody else is
recorded), or an organisation through an accepted referral. Referral events move the lead (``referral_moved``,
called when a referral changes status); every change is a row of ``NeedLead`` and an audit event. When a
referral would put a second organisation on a need another organisation leads, the advocate chooses: wait (a step
reminds them, and the caseload says when the first has finished), replace (the leading referral is withdrawn) or
send anyway with a reason. Every choice is a row of ``OverlapDecision``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache

from sqlalchemy import Integer, bindparam, select
from sqlalchemy.orm import aliased, joinedload

from advocate_app import db, events
from advocate_app.accounts.models import User
from advocate_app.audit.services import record as audit
from advocate_app.db import utcnow
from advocate_app.directory.models import Service, ServiceNeedDomain
from advocate_app.people.models import Person
from advocate_app.plans import services as plans
from advocate_app.plans.models import ItemKind, Plan, PlanItem, PlanStatus, StepOwner, Voice
from advocate_app.referrals import services as referrals
from advocate_app.referrals.models import OPEN_STATUSES, Referral, ReferralStatus
from advocate_app.team.models import LeadKind, LeadReason, NeedLead, NeedOrder, OverlapChoice, OverlapDecision

# A step "refer when … finishes" is due this many days on, so it comes up again even if nobody finishes.
WAIT_CHECK_DAYS = 28


class TeamError(ValueError):
    """A rule about leads or overlaps was broken; ``field`` names the form field to show it next to."""

    def __init__(self, code: str, field: str | None = None):
        super().__init__(code)
        self.code = code
        self.field = field


# Which need ----------------------------------------------------------------------------------------------------


def need_of_step(step_id: int | None) -> PlanItem | None:
    """The need a step sits under (step → goal → need), in one query."""
    if step_id is None:
        return None
    step, goal = aliased(PlanItem), aliased(PlanItem)
    return db.session.scalar(
        select(PlanItem)
        .join(goal, goal.parent_id == PlanItem.id)
        .join(step, step.parent_id == goal.id)
        .where(step.id == step_id, PlanItem.kind == ItemKind.NEED)
    )


def need_of_referral(referral: Referral) -> PlanItem | None:
    """The need a referral was made for, through the step it came from (none for a referral made without one)."""
    return need_of_step(referral.step_id)


# Leads ---------------------------------------------------------------------------------------------------------


def current_lead(need_id: int) -> NeedLead | None:
    """Who leads the need now, as recorded (None: nobody recorded, so the advocate)."""
    return db.session.scalar(
        select(NeedLead)
        .where(NeedLead.need_id == need_id, NeedLead.ended_at.is_(None))
        .options(joinedload(NeedLead.organisation))
    )


def _change_lead(
    need: PlanItem,
    kind: LeadKind,
    *,
    reason: LeadReason,
    by: User | None,
    organisation_id: int | None = None,
    referral_id: int | None = None,
    now: datetime | None = None,
) -> NeedLead:
    """End the need's current lead and start another; nothing changes when it is the same lead."""
    # Two changes at once (an accept and a withdrawal) take turns on the need's row.
    db.lock(PlanItem, need.id)
    current = current_lead(need.id)
    if current is not None and (current.kind, current.organisation_id, current.referral_id) == (
        kind,
        organisation_id,
        referral_id,
    ):
        return current
    now = now or utcnow()
    if current is not None:
        current.ended_at = now
        db.session.flush()
    lead = NeedLead(
        need_id=need.id,
        person_id=_person_of(need),
        kind=kind,
        organisation_id=organisation_id,
        referral_id=referral_id,
        reason=reason,
        started_at=now,
        started_by_id=by.id if by is not None else None,
    )
    db.session.add(lead)
    db.session.flush()
    # A change a referral made is about that referral: what the person may see of it follows the referral (a share
    # they were not told about stays out of their access log, as the referral does).
    about = ("referral", referral_id) if referral_id is not None else ("need_lead", lead.id)
    if current is not None and current.referral_id is not None and referral_id is None:
        about = ("referral", current.referral_id)
    audit("lead_changed", actor=by, person_id=lead.person_id, object_type=about[0], object_id=about[1])
    return lead


def _person_of(need: PlanItem) -> int:
    return db.session.scalar(select(Plan.person_id).where(Plan.id == need.plan_id))


def set_lead(need: PlanItem, kind: LeadKind, *, by: User) -> NeedLead:
    """The person or the advocate takes the lead of a need (an organisation leads only through a referral).

    :raises TeamError: for an organisation, a need of no active plan, or while an organisation leads it (its
        referral must finish, or be withdrawn, first).
    """
    if kind is LeadKind.ORGANISATION:
        raise TeamError("kind", field="lead")
    if need.kind is not ItemKind.NEED or need.plan.status is not PlanStatus.ACTIVE:
        raise TeamError("need")
    current = current_lead(need.id)
    if current is not None and current.kind is LeadKind.ORGANISATION:
        raise TeamError("organisation_leads", field="lead")
    return _change_lead(need, kind, reason=LeadReason.CHOSEN, by=by)


_ENDING_REASONS = {
    ReferralStatus.DECLINED: LeadReason.REFERRAL_DECLINED,
    ReferralStatus.WITHDRAWN: LeadReason.REFERRAL_WITHDRAWN,
}


def referral_moved(referral: Referral, *, by: User | None, now: datetime | None = None) -> None:
    """A referral changed status: accepted, its organisation leads the need; finished, declined or withdrawn while
    it led, the lead goes back to the advocate, and any advocate waiting for it is told it has finished."""
    need = need_of_referral(referral)
    if need is None:
        return
    now = now or utcnow()
    if referral.status is ReferralStatus.ACCEPTED:
        _change_lead(
            need,
            LeadKind.ORGANISATION,
            reason=LeadReason.REFERRAL_ACCEPTED,
            by=by,
            organisation_id=referral.organisation_id,
            referral_id=referral.id,
            now=now,
        )
        return
    if referral.status in OPEN_STATUSES:
        return
    current = current_lead(need.id)
    if current is not None and current.referral_id == referral.id:
        reason = _ENDING_REASONS.get(referral.status, LeadReason.REFERRAL_FINISHED)
        _change_lead(need, LeadKind.ADVOCATE, reason=reason, by=by, now=now)
    waits = db.session.scalars(
        select(OverlapDecision).where(
            OverlapDecision.choice == OverlapChoice.WAIT,
            OverlapDecision.released_at.is_(None),
            OverlapDecision.need_id == need.id,
            OverlapDecision.leading_organisation_id == referral.organisation_id,
        )
    )
    for wait in waits:
        wait.released_at = now


def _on_referral_moved_on(referral: Referral, *, by: User | None = None, **_event) -> None:
    referral_moved(referral, by=by, now=referral.updated_at)


def follow_the_record() -> None:
    """Subscribe the leads to the referrals' events: accepted, the organisation leads the need; finished, declined
    or withdrawn while it led, the advocate does again. Safe to call again (every app the tests build)."""
    events.referral_moved_on.connect(_on_referral_moved_on, weak=False)


# The order of needs --------------------------------------------------------------------------------------------


def active_needs(person_id: int) -> list[PlanItem]:
    """The needs of the person's active plan, in the order the person and advocate chose (then by priority)."""
    rows = db.session.execute(_order_statements()[0], {"person_id": person_id}).all()
    return [need for need, _p in sorted(rows, key=lambda r: (r[1] or 999, r[0].priority or 9, r[0].id))]


def order_positions(need_ids: list[int]) -> dict[int, int]:
    """Where each of these needs comes in the chosen order (needs not placed are left out)."""
    if not need_ids:
        return {}
    return dict(db.session.execute(_order_statements()[1], {"need_ids": need_ids}).all())


@cache
def _order_statements():
    """The needs of the active plan with their places, and the places of some needs: built once, run with the ids
    (every plan page asks both; building them cost more than running them)."""
    needs = (
        select(PlanItem, NeedOrder.position)
        .join(Plan, Plan.id == PlanItem.plan_id)
        .outerjoin(NeedOrder, NeedOrder.need_id == PlanItem.id)
        .where(
            Plan.person_id == bindparam("person_id", type_=Integer),
            Plan.status == PlanStatus.ACTIVE,
            PlanItem.kind == ItemKind.NEED,
        )
    )
    places = select(NeedOrder.need_id, NeedOrder.position).where(
        NeedOrder.need_id.in_(bindparam("need_ids", expanding=True, type_=Integer))
    )
    return needs, places


def order_needs(person: Person, positions: dict[int, int], *, by: User, now: datetime | None = None) -> None:
    """Put the person's needs in the order they want to work on them ("first somewhere to live, then money").

    :param positions: need id → place (1 first); every need of the active plan, each place once.
    :raises TeamError: for a need that is not in the person's active plan, or the same place twice.
    """
    needs = {need.id: need for need in active_needs(person.id)}
    if set(positions) != set(needs):
        raise TeamError("needs", field="order")
    if sorted(positions.values()) != list(range(1, len(needs) + 1)):
        raise TeamError("places", field="order")
    now = now or utcnow()
    existing = {row.need_id: row for row in db.session.scalars(select(NeedOrder).where(NeedOrder.need_id.in_(needs)))}
    for need_id, place in positions.items():
        row = existing.get(need_id)
        if row is None:
            db.session.add(NeedOrder(need_id=need_id, person_id=person.id, position=place, set_by_id=by.id, set_at=now))
        elif row.position != place:
            row.position, row.set_by_id, row.set_at = place, by.id, now
    db.session.flush()
    audit("needs_ordered", actor=by, person_id=person.id, object_type="need_order")


# One organisation at a time -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Overlap:
    """Another organisation already leads the need a referral is for."""

    need: PlanItem
    lead: NeedLead
    organisation_name: str

    @property
    def since(self) -> datetime:
        return self.lead.started_at


def active_plan_entry(person_id: int, item_id: int, kind: ItemKind) -> PlanItem | None:
    """The entry ``item_id`` of ``kind`` when it is in the person's active plan (with its plan loaded), else None."""
    entry = plans.load_item(item_id)
    if (
        entry is None
        or entry.kind is not kind
        or entry.plan.person_id != person_id
        or entry.plan.status is not PlanStatus.ACTIVE
    ):
        return None
    return entry


def need_for_referral(step: PlanItem | None, need: PlanItem | None) -> PlanItem | None:
    """The need a referral about to be made is for: the one named, or the one its step sits under."""
    if need is not None:
        return need
    found = need_of_step(step.id if step is not None else None)
    return plans.load_item(found.id) if found is not None else None


def overlap_for(need: PlanItem | None, service: Service) -> Overlap | None:
    """Would referring to ``service`` put a second organisation on ``need``? The leading organisation, if so."""
    if need is None:
        return None
    lead = current_lead(need.id)
    if lead is None or lead.kind is not LeadKind.ORGANISATION or lead.organisation_id == service.organisation_id:
        return None
    return Overlap(need=need, lead=lead, organisation_name=lead.organisation.name)


def overlap_for_referral(
    person_id: int, step: PlanItem | None, need: PlanItem | None, service: Service
) -> Overlap | None:
    """Would this referral put a second organisation on a need? For one made for a step or a need, that need; for
    one made from the directory with neither, each need of the person's active plan in the service's domains, the
    first in the chosen order that another organisation leads."""
    if step is not None or need is not None:
        return overlap_for(need_for_referral(step, need), service)
    domains = select(ServiceNeedDomain.domain).where(ServiceNeedDomain.service_id == service.id)
    needs = [n for n in active_needs(person_id) if n.domain is not None]
    if not needs:
        return None
    led = {
        lead.need_id: lead
        for lead in db.session.scalars(
            select(NeedLead)
            .join(PlanItem, PlanItem.id == NeedLead.need_id)
            .where(
                NeedLead.need_id.in_([n.id for n in needs]),
                NeedLead.ended_at.is_(None),
                NeedLead.kind == LeadKind.ORGANISATION,
                NeedLead.organisation_id != service.organisation_id,
                PlanItem.domain.in_(domains),
            )
            .options(joinedload(NeedLead.organisation))
        )
    }
    first = next((n for n in needs if n.id in led), None)
    if first is None:
        return None
    lead = led[first.id]
    return Overlap(need=plans.load_item(first.id), lead=lead, organisation_name=lead.organisation.name)


def wait_for_lead(
    person: Person, overlap: Overlap, service: Service, *, by: User, today: date, words: tuple[str, str]
) -> tuple[OverlapDecision, PlanItem]:
    """Wait for the leading organisation to finish: a step for the advocate ("Refer to … when … finishes"), due in
    ``WAIT_CHECK_DAYS``; when the organisation finishes, the caseload says the referral can be made now.

    :param words: the goal's text, should one be needed, and the step's.
    :returns: the decision and the step made.
    """
    goal = plans.goal_being_worked_on(overlap.need, text=words[0], by=by)
    step = plans.add_item(
        overlap.need.plan,
        ItemKind.STEP,
        plans.ItemFields(
            words[1], voice=Voice.ADVOCATE, owner=StepOwner.ADVOCATE, due_date=today + timedelta(days=WAIT_CHECK_DAYS)
        ),
        by=by,
        parent=goal,
    )
    return _decided(person, overlap, service, OverlapChoice.WAIT, by=by, step_id=step.id), step


def _decided(person, overlap, service, choice, *, by, reason="", step_id=None, referral_id=None) -> OverlapDecision:
    decision = OverlapDecision(
        person_id=person.id,
        need_id=overlap.need.id,
        leading_organisation_id=overlap.lead.organisation_id,
        leading_referral_id=overlap.lead.referral_id,
        service_id=service.id,
        organisation_id=service.organisation_id,
        choice=choice,
        reason=reason.strip(),
        step_id=step_id,
        referral_id=referral_id,
        decided_by_id=by.id,
    )
    db.session.add(decision)
    db.session.flush()
    # About the leading referral, for the same reason as a lead change (the decision row names both).
    about = (
        ("referral", decision.leading_referral_id)
        if decision.leading_referral_id
        else ("overlap_decision", decision.id)
    )
    audit(f"overlap_{choice.value}", actor=by, person_id=person.id, object_type=about[0], object_id=about[1])
    return decision


def check_choice(choice: OverlapChoice | None, reason: str) -> None:
    """Before a referral is sent over an overlap: a choice is needed, and sending anyway needs a reason.

    :raises TeamError: naming the field to show the problem next to.
    """
    if choice not in (OverlapChoice.REPLACE, OverlapChoice.SEND_ANYWAY):
        raise TeamError("choice", field="overlap-choice")
    if choice is OverlapChoice.SEND_ANYWAY and not reason.strip():
        raise TeamError("reason", field="overlap-reason")


def referred_over(
    person: Person, overlap: Overlap, referral: Referral, choice: OverlapChoice, *, reason: str, by: User
) -> OverlapDecision:
    """A referral was sent although another organisation leads the need: record the choice. Replacing withdraws
    the leading referral (the lead goes back to the advocate until the new organisation accepts).

    :raises TeamError: as ``check_choice``.
    """
    check_choice(choice, reason)
    if choice is OverlapChoice.REPLACE and overlap.lead.referral_id is not None:
        leading = db.session.get(Referral, overlap.lead.referral_id)
        if leading is not None and leading.is_open:
            referrals.change_status(leading, ReferralStatus.WITHDRAWN, by=by, note=reason)
    service = db.session.get(Service, referral.service_id)
    return _decided(person, overlap, service, choice, by=by, reason=reason, referral_id=referral.id)
