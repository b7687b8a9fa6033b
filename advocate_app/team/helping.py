"""'Who is helping' in plain words: for each need, in the chosen order, who leads it and since when, and each
organisation working with the person now, with what happens next.

What the person reads is built by the same rules as the rest of their pages: nothing resting on a share they were
not told about (``policy.referrals_shown_to_person``), and an organisation's name only where they agreed that it may
be named (``policy.organisations_named_to``); otherwise "an organisation".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import cache

from sqlalchemy import Integer, bindparam, select, true
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


@dataclass(frozen=True)
class _Statements:
    places: object
    leads: object
    kept: object  # None for staff: they see every share
    working: object
    waits: object


@cache
def _statements(staff: bool) -> _Statements:
    """The statements of "Who is helping", built once for staff and once for the person, and run with the person's
    id and the ids of the needs (building them, aliases and all, cost more than running them)."""
    person_id = bindparam("person_id", type_=Integer)
    need_ids = bindparam("need_ids", expanding=True, type_=Integer)
    step, goal = aliased(PlanItem), aliased(PlanItem)
    return _Statements(
        places=select(NeedOrder.need_id, NeedOrder.position).where(NeedOrder.need_id.in_(need_ids)),
        leads=select(NeedLead)
        .where(NeedLead.need_id.in_(need_ids), NeedLead.ended_at.is_(None))
        .options(joinedload(NeedLead.organisation)),
        kept=None if staff else policy.referrals_kept_from_person(person_id),
        working=select(Referral, goal.parent_id)
        .join(step, step.id == Referral.step_id)
        .join(goal, goal.id == step.parent_id)
        .where(
            Referral.person_id == person_id,
            Referral.status.in_(OPEN_STATUSES),
            goal.parent_id.in_(need_ids),
            true() if staff else policy.referrals_shown_to_person(person_id),
        )
        .options(joinedload(Referral.organisation), joinedload(Referral.service))
        .order_by(Referral.created_at, Referral.id),
        waits=select(OverlapDecision)
        .join(PlanItem, PlanItem.id == OverlapDecision.step_id)
        .where(
            OverlapDecision.need_id.in_(need_ids),
            OverlapDecision.choice == OverlapChoice.WAIT,
            PlanItem.done_at.is_(None),
        )
        .options(joinedload(OverlapDecision.leading_organisation), joinedload(OverlapDecision.service)),
    )


def who_is_helping(
    person: Person, *, viewer: User, needs: list[PlanItem] | None = None, places: dict[int, int] | None = None
) -> list[HelpRow]:
    """The rows of "Who is helping" for ``viewer``, in a fixed number of queries whatever the number of needs.

    The plan page has the active plan's needs in order and their places already: it passes them, and they are not
    read again."""
    if needs is None:
        needs = active_needs(person.id)
    if not needs:
        return []
    need_ids = [n.id for n in needs]
    name = policy.organisations_named_to(viewer, person).name

    statements = _statements(policy.sees_untold_sharing(viewer))
    given = {"person_id": person.id, "need_ids": need_ids}
    if places is None:
        places = dict(db.session.execute(statements.places, given).all())
    leads = {lead.need_id: lead for lead in db.session.scalars(statements.leads, given)}
    kept = set() if statements.kept is None else set(db.session.scalars(statements.kept, given))
    working_rows = db.session.execute(statements.working, given).all()
    waits = db.session.scalars(statements.waits, given).all()

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
