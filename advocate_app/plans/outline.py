"""What the plan page reads, in two statements: the plan itself (with the reader's last look and agreement, the
agreements standing with who agreed, and whether the person signs in), then its outline (each entry with its comments
counted and the names of who wrote, worded, agreed or suggested it, each goal with its steps summed up, and each need
with its place in the chosen order and who leads it).

Each read the page used to make on its own cost more in the driver and the ORM than in the database, and so did
giving every entry its writers as whole users: the plan page is asked for on every visit, so its reads are made
together, from statements built once and run with the ids, and its writers are read as the names the page shows.
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
from advocate_app.team.helping import Lead, help_arranged_for, lead_of
from advocate_app.team.models import NeedOrder
from advocate_app.team.verdicts import may_be_waiting_for


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
    # Who agreed, by their user ids.
    names: dict[int, str]
    # The person may have finished help to say something about (``verdicts.may_be_waiting_for``).
    may_ask_verdicts: bool


@dataclass
class Outline:
    """The "about me" answers, needs and goals (not the steps: those are on each goal's page)."""

    items: list[PlanItem]
    comment_counts: dict[int, int]
    # For each goal with steps: how many, how many done or overdue, how many new to the reader.
    step_summaries: dict[int, StepSummary]
    # Where each need comes in the order the person and advocate chose (needs not placed are left out).
    places: dict[int, int]
    # Who leads each need now (needs led by the advocate as at first are left out), for "Who is helping".
    leads: dict[int, Lead]
    # The names of who wrote, worded, agreed or suggested the entries, and who agreed the plan, by their user ids
    # (for ``credit.Credit``, the suggestions and the agreement: the entries are not given their writers as users).
    names: dict[int, str]
    # Whether any need may have an organisation working on it, or waiting to (``helping.help_arranged_for``).
    arranged: tuple[bool, bool] = (False, False)


def plan_head(person_id: int, *, reader: User, plan: Plan | None = None) -> PlanHead | None:
    """The person's active plan (or ``plan``, an earlier one) with ``reader``'s last look and agreement, the
    agreements standing and whether the person has a login, in one statement; None when there is no plan."""
    if plan is None:
        rows = db.session.execute(_head_statements()["active"], {"person_id": person_id, "user_id": reader.id}).all()
    else:
        rows = db.session.execute(_head_statements()["plan"], {"plan_id": plan.id, "user_id": reader.id}).all()
    if not rows:
        return None
    found, last_look, last_agreed, has_login, may_ask_verdicts, *_ = rows[0]
    # In the order they were given: the newest of each side's stands.
    agreements = {}
    names = {}
    for *_, agreement, name in rows:
        if agreement is not None:
            agreements[agreement.role] = agreement
            if agreement.user_id is not None and name is not None:
                names[agreement.user_id] = name
    return PlanHead(found, last_look, last_agreed, agreements, bool(has_login), names, bool(may_ask_verdicts))


def plan_outline(head: PlanHead, *, today: date, since: int | None, reader: User) -> Outline:
    """The plan's outline for its page.

    :param since: the version after which changes by others are new to ``reader`` (None: nothing is new).
    """
    values = {
        "plan_id": head.plan.id,
        "person_id": head.plan.person_id,
        "today": today,
        "since": since,
        "user_id": reader.id,
    }
    rows = db.session.execute(_outline_statement(since is not None, policy.sees_untold_sharing(reader)), values)
    shown = Outline(items=[], comment_counts={}, step_summaries={}, places={}, leads={}, names=dict(head.names))
    names = shown.names
    working, waiting = False, False
    for item, comments, place, total, done, overdue, changed, *rest in rows:
        writers, (may_be_working, may_be_waiting), lead = rest[:4], rest[4:6], Lead(*rest[6:])
        working, waiting = working or bool(may_be_working), waiting or bool(may_be_waiting)
        shown.items.append(item)
        if comments:
            shown.comment_counts[item.id] = comments
        if total:
            shown.step_summaries[item.id] = StepSummary(total, done, overdue, changed or 0)
        if place is not None:
            shown.places[item.id] = place
        if lead.kind is not None:
            shown.leads[item.id] = lead
        for user_id, writer in zip(_writer_ids(item), writers, strict=True):
            if writer is not None:
                names[user_id] = writer
    shown.arranged = (working, waiting)
    # What the page reads of the plan's entries (not the steps).
    set_committed_value(head.plan, "items", shown.items)
    return shown


def _writer_ids(item: PlanItem) -> tuple:
    """The ids of who wrote, worded, agreed or suggested ``item``, in the order of the outline's name columns."""
    return item.author_id, item.worded_by_id, item.words_agreed_by_id, item.proposed_by_id


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
    agreer = aliased(User)
    read = (
        select(
            Plan, last_look, last_agreed, has_login, may_be_waiting_for(Plan.person_id), standing, agreer.display_name
        )
        .outerjoin(standing, and_(standing.plan_id == Plan.id, standing.withdrawn_at.is_(None)))
        .outerjoin(agreer, agreer.id == standing.user_id)
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
    # Who wrote, worded, agreed or suggested each entry, as names (in the order of ``_writer_ids``).
    author, worded_by, agreed_by, proposed_by = (aliased(User) for _ in range(4))
    # Each need's current lead, as "Who is helping" reads it (it is given them with the needs), and whether anyone
    # may be working on it or waiting to (when nobody may, "Who is helping" reads no more).
    person_id = bindparam("person_id", type_=Integer)
    lead_columns, lead_join = lead_of(PlanItem.id, person_id, staff=staff)
    return lead_join(
        select(
            PlanItem,
            comments,
            NeedOrder.position,
            steps.c.total,
            steps.c.done,
            steps.c.overdue,
            steps.c.changed,
            author.display_name,
            worded_by.display_name,
            agreed_by.display_name,
            proposed_by.display_name,
            *help_arranged_for(PlanItem.id, person_id),
            *lead_columns,
        )
        .outerjoin(NeedOrder, NeedOrder.need_id == PlanItem.id)
        .outerjoin(steps, steps.c.parent_id == PlanItem.id)
        .outerjoin(author, author.id == PlanItem.author_id)
        .outerjoin(worded_by, worded_by.id == PlanItem.worded_by_id)
        .outerjoin(agreed_by, agreed_by.id == PlanItem.words_agreed_by_id)
        .outerjoin(proposed_by, proposed_by.id == PlanItem.proposed_by_id)
        .where(PlanItem.plan_id == plan_id, PlanItem.kind != ItemKind.STEP)
        .order_by(PlanItem.id)
    )
