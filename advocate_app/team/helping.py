"""'Who is helping' in plain words: for each need, in the chosen order, who leads it and since when, and each
organisation working with the person now, with what happens next.

What the person reads is built by the same rules as the rest of their pages: nothing resting on a share they were
not told about (``policy.referrals_shown_to_person``), and an organisation's name only where they agreed that it may
be named (``policy.organisations_named_to``); otherwise "an organisation".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from typing import NamedTuple

from sqlalchemy import Integer, and_, bindparam, exists, false, or_, select, true
from sqlalchemy.orm import aliased

from advocate_app import db, policy
from advocate_app.accounts.models import User
from advocate_app.directory.models import Organisation, Service
from advocate_app.people.models import Person
from advocate_app.plans.models import PlanItem
from advocate_app.referrals.models import OPEN_STATUSES, Referral, ReferralStatus
from advocate_app.team.models import LeadKind, NeedLead, NeedOrder, OverlapChoice, OverlapDecision
from advocate_app.team.services import active_needs


@dataclass
class Working:
    """An organisation working with the person on a need now (or asked to)."""

    name: str | None  # None: not to be named to this reader
    since: datetime
    status: ReferralStatus
    respond_by: date


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


class Lead(NamedTuple):
    """Who leads a need now, as "Who is helping" reads it (``lead_of``'s columns)."""

    kind: LeadKind
    started_at: datetime
    organisation_id: int | None
    name: str | None  # the leading organisation's name
    kept: bool  # rests on a share the person was not told about (never so for staff, who see every share)


def lead_of(need_id, person_id, *, staff: bool):
    """A need's current lead as ``Lead``'s columns, and ``join(statement)`` that finds it, for a statement over needs
    (``need_id`` is its column of the need's id): "Who is helping" reads them, and so does the plan page's outline
    with its needs (``plans.outline``), which then passes them here.

    For the person (not ``staff``) a lead resting on a share they were not told about is marked ``kept``
    (``policy.referrals_kept_from_person``) and shown as the advocate's.
    """
    lead, organisation = aliased(NeedLead), aliased(Organisation)
    kept = false() if staff else lead.referral_id.in_(policy.referrals_kept_from_person(person_id))
    columns = (lead.kind, lead.started_at, lead.organisation_id, organisation.name, kept.label("kept"))

    def join(statement):
        return statement.outerjoin(lead, and_(lead.need_id == need_id, lead.ended_at.is_(None))).outerjoin(
            organisation, organisation.id == lead.organisation_id
        )

    return columns, join


def help_arranged_for(need_id, person_id):
    """Whether an organisation may be working on a need (an open referral from a step of one of its goals) or waiting
    to (a referral the advocate chose to make once the leading organisation finishes), as two columns for a statement
    over needs (``need_id`` is its column of the need's id): where neither is so for any need shown, "Who is helping"
    has nothing more to read. Each may say so of a row the reader is then not shown: they only spare statements
    that would find nothing."""
    step, goal = aliased(PlanItem), aliased(PlanItem)
    working = (
        exists()
        .where(goal.parent_id == need_id, step.parent_id == goal.id, Referral.step_id == step.id)
        .where(Referral.status.in_(OPEN_STATUSES))
    )
    waiting = exists().where(
        OverlapDecision.person_id == person_id,
        OverlapDecision.need_id == need_id,
        OverlapDecision.choice == OverlapChoice.WAIT,
    )
    return working.label("may_be_working"), waiting.label("may_be_waiting")


@dataclass(frozen=True)
class _Statements:
    places: object
    leads: object
    working: object
    waits: object


@cache
def _statements(staff: bool) -> _Statements:
    """The statements of "Who is helping", built once for staff and once for the person, and run with the person's
    id and the ids of the needs (building them, aliases and all, cost more than running them).

    They read only the columns the rows need (whole referrals, services and organisations cost more to read than the
    rest of the page), and for the person they leave out what rests on a share they were not told about
    (``policy.referrals_kept_from_person``) in the same statement.
    """
    person_id = bindparam("person_id", type_=Integer)
    need_ids = bindparam("need_ids", expanding=True, type_=Integer)
    kept = policy.referrals_kept_from_person(person_id)
    step, goal = aliased(PlanItem), aliased(PlanItem)
    leading = aliased(Organisation)
    lead_columns, lead_join = lead_of(PlanItem.id, person_id, staff=staff)
    return _Statements(
        places=select(NeedOrder.need_id, NeedOrder.position).where(NeedOrder.need_id.in_(need_ids)),
        leads=lead_join(select(PlanItem.id, *lead_columns).where(PlanItem.id.in_(need_ids))),
        working=select(
            goal.parent_id,
            Referral.organisation_id,
            Organisation.name,
            Referral.status,
            Referral.created_at,
            Referral.responded_at,
            Referral.respond_by,
        )
        .join(step, step.id == Referral.step_id)
        .join(goal, goal.id == step.parent_id)
        .outerjoin(Organisation, Organisation.id == Referral.organisation_id)
        .where(
            Referral.person_id == person_id,
            Referral.status.in_(OPEN_STATUSES),
            goal.parent_id.in_(need_ids),
            true() if staff else policy.referrals_shown_to_person(person_id),
        )
        .order_by(Referral.created_at, Referral.id),
        waits=select(
            OverlapDecision.need_id,
            OverlapDecision.organisation_id,
            Service.name,
            OverlapDecision.leading_organisation_id,
            leading.name,
            OverlapDecision.released_at,
        )
        .join(PlanItem, PlanItem.id == OverlapDecision.step_id)
        .outerjoin(Service, Service.id == OverlapDecision.service_id)
        .outerjoin(leading, leading.id == OverlapDecision.leading_organisation_id)
        .where(
            OverlapDecision.need_id.in_(need_ids),
            OverlapDecision.choice == OverlapChoice.WAIT,
            PlanItem.done_at.is_(None),
            true()
            if staff
            else or_(OverlapDecision.leading_referral_id.is_(None), OverlapDecision.leading_referral_id.not_in(kept)),
        )
        .order_by(OverlapDecision.id),
    )


def who_is_helping(
    person: Person,
    *,
    viewer: User,
    needs: list[PlanItem] | None = None,
    places: dict[int, int] | None = None,
    leads: dict[int, Lead] | None = None,
    names: policy.OrganisationNames | None = None,
    arranged: tuple[bool, bool] = (True, True),
) -> list[HelpRow]:
    """The rows of "Who is helping" for ``viewer``, in a fixed number of queries whatever the number of needs.

    The plan page has the active plan's needs in order, their places and their leads already, and the organisations
    ``viewer`` may see named (``policy.names_for``): it passes them, and they are not read again. It also read
    whether any of the needs may have an organisation working or waiting (``help_arranged_for``): ``arranged``
    (working, waiting), and what none may have is not looked for."""
    if needs is None:
        needs = active_needs(person.id)
    if not needs:
        return []
    need_ids = [n.id for n in needs]
    name = (names or policy.organisations_named_to(viewer, person)).name

    statements = _statements(policy.sees_untold_sharing(viewer))
    given = {"person_id": person.id, "need_ids": need_ids}
    if places is None:
        places = dict(db.session.execute(statements.places, given).all())
    if leads is None:
        leads = {need_id: Lead(*lead) for need_id, *lead in db.session.execute(statements.leads, given) if lead[0]}
    working_rows = db.session.execute(statements.working, given).all() if arranged[0] else []
    waits = db.session.execute(statements.waits, given).all() if arranged[1] else []

    rows = []
    for need in needs:
        lead = leads.get(need.id)
        kind, lead_name, since = LeadKind.ADVOCATE, None, None
        # A lead resting on a share the person was not told about is not shown to them.
        if lead is not None and not lead.kept:
            kind, since = lead.kind, lead.started_at
            if lead.kind is LeadKind.ORGANISATION:
                lead_name = name(lead.organisation_id, lead.name)
        rows.append(HelpRow(need=need, place=places.get(need.id), lead=kind, lead_name=lead_name, since=since))
    by_need = {row.need.id: row for row in rows}
    for need_id, organisation_id, organisation_name, status, created_at, responded_at, respond_by in working_rows:
        since = responded_at if status is not ReferralStatus.SENT else created_at
        by_need[need_id].working.append(Working(name(organisation_id, organisation_name), since, status, respond_by))
    for need_id, organisation_id, service_name, leading_id, leading_name, released_at in waits:
        by_need[need_id].waiting.append(
            Waiting(
                service_name=name(organisation_id, service_name),
                leading_name=name(leading_id, leading_name),
                ready=released_at is not None,
            )
        )
    return rows
