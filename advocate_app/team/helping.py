"""'Who is helping' in plain words: for each need, in the chosen order, who leads it and since when, and each
organisation working with the person now, with what happens next.

What the person reads is built by the same rules as the rest of their pages: nothing resting on a share they were
not told about (``policy.referrals_shown_to_person``), and an organisation's name only where they agreed that it may
be named (``policy.organisations_named_to``); otherwise "an organisation".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import aliased, joinedload

from advocate_app import db, policy
from advocate_app.accounts.models import User
from advocate_app.people.models import Person
from advocate_app.plans.models import PlanItem
from advocate_app.referrals.models import OPEN_STATUSES, Referral, ReferralStatus
from advocate_app.team.models import LeadKind, NeedLead, NeedOrder, OverlapChoice, OverlapDecision
from advocate_app.team.services import active_needs


@dataclass
class Working:
    """An organisation working with the person on a need now (or asked to)."""

    referral: Referral
    name: str | None  # None: not to be named to this reader
    since: datetime
    status: ReferralStatus


@dataclass
class Waiting:
    """A referral the advocate chose to make once the leading organisation finishes."""

    service_name: str | None
    leading_name: str | None
    ready: bool


@dataclass
class HelpRow:
    need: PlanItem
    place: int | None
    lead: LeadKind
    lead_name: str | None  # the leading organisation's name, when it may be shown
    since: datetime | None
    working: list[Working] = field(default_factory=list)
    waiting: list[Waiting] = field(default_factory=list)


def who_is_helping(person: Person, *, viewer: User) -> list[HelpRow]:
    """The rows of "Who is helping" for ``viewer``, in a fixed number of queries whatever the number of needs."""
    needs = active_needs(person.id)
    if not needs:
        return []
    need_ids = [n.id for n in needs]
    name = policy.organisations_named_to(viewer, person).name

    places = dict(
        db.session.execute(select(NeedOrder.need_id, NeedOrder.position).where(NeedOrder.need_id.in_(need_ids))).all()
    )
    leads = {
        lead.need_id: lead
        for lead in db.session.scalars(
            select(NeedLead)
            .where(NeedLead.need_id.in_(need_ids), NeedLead.ended_at.is_(None))
            .options(joinedload(NeedLead.organisation))
        )
    }
    kept = set() if policy.sees_untold_sharing(viewer) else policy.referral_ids_kept_from_person(person.id)
    step, goal = aliased(PlanItem), aliased(PlanItem)
    working_rows = db.session.execute(
        select(Referral, goal.parent_id)
        .join(step, step.id == Referral.step_id)
        .join(goal, goal.id == step.parent_id)
        .where(
            Referral.person_id == person.id,
            Referral.status.in_(OPEN_STATUSES),
            goal.parent_id.in_(need_ids),
            policy.referrals_shown_to(viewer, person.id),
        )
        .options(joinedload(Referral.organisation), joinedload(Referral.service))
        .order_by(Referral.created_at, Referral.id)
    ).all()
    waits = db.session.scalars(
        select(OverlapDecision)
        .join(PlanItem, PlanItem.id == OverlapDecision.step_id)
        .where(
            OverlapDecision.need_id.in_(need_ids),
            OverlapDecision.choice == OverlapChoice.WAIT,
            PlanItem.done_at.is_(None),
        )
        .options(joinedload(OverlapDecision.leading_organisation), joinedload(OverlapDecision.service))
    ).all()

    rows = []
    for need in needs:
        lead = leads.get(need.id)
        kind, lead_name, since = LeadKind.ADVOCATE, None, None
        if lead is not None and not (lead.referral_id is not None and lead.referral_id in kept):
            kind, since = lead.kind, lead.started_at
            if lead.kind is LeadKind.ORGANISATION:
                lead_name = name(lead.organisation_id, lead.organisation.name)
        rows.append(HelpRow(need=need, place=places.get(need.id), lead=kind, lead_name=lead_name, since=since))
    by_need = {row.need.id: row for row in rows}
    for referral, need_id in working_rows:
        since = referral.responded_at if referral.status is not ReferralStatus.SENT else referral.created_at
        by_need[need_id].working.append(
            Working(referral, name(referral.organisation_id, referral.organisation.name), since, referral.status)
        )
    for wait in waits:
        if wait.leading_referral_id in kept:
            continue
        by_need[wait.need_id].waiting.append(
            Waiting(
                service_name=name(wait.organisation_id, wait.service.name),
                leading_name=name(wait.leading_organisation_id, wait.leading_organisation.name),
                ready=wait.released_at is not None,
            )
        )
    return rows
