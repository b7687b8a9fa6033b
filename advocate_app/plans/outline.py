"""What the plan page reads, in three statements: the plan itself (with the reader's last look and agreement, the
agreements standing and whether the person signs in), its outline (each entry with its comments counted, each goal
with its steps summed up and each need with its place in the chosen order and who leads it), and the entries' writers.

Each read the page used to make on its own cost more in the driver and the ORM than in the database: the plan page
is asked for on every visit, so they are made together, from statements built once and run with the ids.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache

from sqlalchemy import Date, Integer, and_, bindparam, exists, false, func, select
from sqlalchemy.orm import aliased
from sqlalchemy.orm.attributes import set_committed_value

from advocate_app import db, policy
from advocate_app.accounts.models import User
from advocate_app.plans.models import ItemKind, Plan, PlanAgreement, PlanComment, PlanItem, PlanLook, PlanStatus
from advocate_app.plans.services import with_writers
from advocate_app.team.helping import Lead, lead_of
from advocate_app.team.models import NeedOrder


@dataclass
class StepSummary:
    """What a goal's line on the plan says about its steps."""

    total: int = 0
    done: int = 0
    overdue: int = 0
    # Changed by someone else since the reader's baseline (their last look or agreement).
    changed: int = 0


@dataclass
class PlanHead:
    """The plan as its page needs it, read with what the reader and the person have done with it."""

    plan: Plan
    # The plan version the reader last looked at, and the last one they agreed (None: never).
    last_look: int | None
    last_agreed: int | None
    # The newest agreement still standing by each side ("individual", "advocate").
    agreements: dict[str, PlanAgreement]
    # The person can sign in for themselves (so only they decide on their own words).
    person_has_login: bool


@dataclass
class Outline:
    """The "about me" answers, needs and goals (not the steps: those are on each goal's page), with their writers."""

    items: list[PlanItem]
    comment_counts: dict[int, int]
    # For each goal with steps: how many, how many done or overdue, how many new to the reader.
    step_summaries: dict[int, StepSummary]
    # Where each need comes in the order the person and advocate chose (needs not placed are left out).
    places: dict[int, int]
    # Who leads each need now (needs led by the advocate as at first are left out), for "Who is helping".
    leads: dict[int, Lead]


def plan_head(person_id: int, *, reader: User, plan: Plan | None = None) -> PlanHead | None:
    """The person's active plan (or ``plan``, an earlier one) with ``reader``'s last look and agreement, the
    agreements standing and whether the person has a login, in one statement; None when there is no plan."""
    if plan is None:
        rows = db.session.execute(_head_statements()["active"], {"person_id": person_id, "user_id": reader.id}).all()
    else:
        rows = db.session.execute(_head_statements()["plan"], {"plan_id": plan.id, "user_id": reader.id}).all()
    if not rows:
        return None
    found, last_look, last_agreed, has_login, _agreement = rows[0]
    # In the order they were given: the newest of each side's stands.
    agreements = {agreement.role: agreement for *_, agreement in rows if agreement is not None}
    return PlanHead(found, last_look, last_agreed, agreements, bool(has_login))


def plan_outline(head: PlanHead, *, today: date, since: int | None, reader: User) -> Outline:
    """The plan's outline for its page, with the writers of its entries and of its agreements.

    :param since: the version after which changes by others are new to ``reader`` (None: nothing is new).
    """
    staff = policy.sees_untold_sharing(reader)
    values = {
        "plan_id": head.plan.id,
        "person_id": head.plan.person_id,
        "today": today,
        "since": since,
        "user_id": reader.id,
    }
    rows = db.session.execute(_outline_statement(since is not None, staff), values).all()
    items = [row[0] for row in rows]
    set_committed_value(head.plan, "items", with_writers(items, agreements=head.agreements.values()))
    return Outline(
        items=items,
        comment_counts={row[0].id: row.comments for row in rows if row.comments},
        step_summaries={
            row[0].id: StepSummary(row.total, row.done, row.overdue, row.changed or 0) for row in rows if row.total
        },
        places={row[0].id: row.position for row in rows if row.position is not None},
        leads={row[0].id: Lead(*row[-len(Lead._fields) :]) for row in rows if row.kind is not None},
    )


@cache
def _head_statements() -> dict:
    """The plan page's first read, built once (by the person for the active plan, or by the plan's id)."""
    user_id = bindparam("user_id", type_=Integer)
    standing = aliased(PlanAgreement)
    last_look = (
        select(PlanLook.version).where(PlanLook.plan_id == Plan.id, PlanLook.user_id == user_id).scalar_subquery()
    )
    last_agreed = (
        select(func.max(PlanAgreement.version))
        .where(PlanAgreement.plan_id == Plan.id, PlanAgreement.user_id == user_id)
        .scalar_subquery()
    )
    has_login = exists().where(User.person_id == Plan.person_id)
    read = (
        select(Plan, last_look, last_agreed, has_login, standing)
        .outerjoin(standing, and_(standing.plan_id == Plan.id, standing.withdrawn_at.is_(None)))
        .order_by(standing.id)
    )
    return {
        "active": read.where(Plan.person_id == bindparam("person_id", type_=Integer), Plan.status == PlanStatus.ACTIVE),
        "plan": read.where(Plan.id == bindparam("plan_id", type_=Integer)),
    }


@cache
def _outline_statement(told_of_changes: bool, staff: bool):
    """The outline's read, built once for each kind of reader: with changes to be told of or not, and staff or the
    person (who is not shown a lead resting on a share they were not told about)."""
    plan_id = bindparam("plan_id", type_=Integer)
    user_id = bindparam("user_id", type_=Integer)
    comments = (
        select(func.count(PlanComment.id)).where(PlanComment.item_id == PlanItem.id).scalar_subquery().label("comments")
    )
    step = aliased(PlanItem)
    is_open = step.done_at.is_(None)
    changed = (
        func.count(step.id).filter(
            step.changed_version > bindparam("since", type_=Integer), step.changed_by_id != user_id
        )
        if told_of_changes
        else func.count(step.id).filter(false())
    )
    steps = (
        select(
            step.parent_id,
            func.count(step.id).label("total"),
            func.count(step.id).filter(step.done_at.is_not(None)).label("done"),
            func.count(step.id).filter(is_open, step.due_date < bindparam("today", type_=Date)).label("overdue"),
            changed.label("changed"),
        )
        .where(step.plan_id == plan_id, step.kind == ItemKind.STEP)
        .group_by(step.parent_id)
        .subquery()
    )
    # Each need's current lead, as "Who is helping" reads it (it is given them with the needs).
    lead_columns, lead_join = lead_of(PlanItem.id, bindparam("person_id", type_=Integer), staff=staff)
    return lead_join(
        select(
            PlanItem,
            comments,
            NeedOrder.position,
            steps.c.total,
            steps.c.done,
            steps.c.overdue,
            steps.c.changed,
            *lead_columns,
        )
        .outerjoin(NeedOrder, NeedOrder.need_id == PlanItem.id)
        .outerjoin(steps, steps.c.parent_id == PlanItem.id)
        .where(PlanItem.plan_id == plan_id, PlanItem.kind != ItemKind.STEP)
        .order_by(PlanItem.id)
    )
