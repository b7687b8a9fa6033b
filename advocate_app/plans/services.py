"""Rules for plans written together: who may change what, proposals beside the original, history, agreement.

Callers own the transaction: these functions add and flush, never commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache

from sqlalchemy import Integer, bindparam, func, select, text, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from advocate_app import db, events, policy
from advocate_app.accounts.models import Role, User
from advocate_app.audit.services import record as audit
from advocate_app.db import utcnow
from advocate_app.needs import NEED_DOMAINS
from advocate_app.plans.models import (
    AboutTopic,
    GoalStatus,
    ItemKind,
    Plan,
    PlanAgreement,
    PlanComment,
    PlanItem,
    PlanItemRevision,
    PlanLook,
    PlanStatus,
    StepOwner,
    Voice,
)

# Every field of an entry, as recorded in each revision (and compared when a form was opened on an older version).
_TRACKED = (
    "text",
    "voice",
    "topic",
    "domain",
    "priority",
    "target_date",
    "goal_status",
    "owner",
    "owner_detail",
    "due_date",
    "done_at",
    "proposed_text",
    "proposed_by_id",
)


class PlanError(ValueError):
    """A rule about plans was broken; ``code`` says which."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def voice_of(user: User) -> Voice:
    """The voice someone writes in: the person's own words, or their advocate's."""
    return Voice.PERSON if user.role is Role.INDIVIDUAL else Voice.ADVOCATE


def active_plan(person_id: int) -> Plan | None:
    """The person's current plan, if they have one."""
    return db.session.scalar(_read_statements()["active_plan"], {"person_id": person_id})


@cache
def _read_statements() -> dict:
    """Reads every plan page makes, built once and run with the ids (building a statement cost more than running it)."""
    plan_id = bindparam("plan_id", type_=Integer)
    return {
        "active_plan": select(Plan).where(
            Plan.person_id == bindparam("person_id", type_=Integer), Plan.status == PlanStatus.ACTIVE
        ),
        "agreements": select(PlanAgreement)
        .where(PlanAgreement.plan_id == plan_id, PlanAgreement.withdrawn_at.is_(None))
        .options(joinedload(PlanAgreement.user))
        .order_by(PlanAgreement.id),
        "writers": select(User).where(User.id.in_(bindparam("user_ids", expanding=True, type_=Integer))),
        "comment_counts": select(PlanComment.item_id, func.count(PlanComment.id))
        .where(PlanComment.item_id.in_(bindparam("item_ids", expanding=True, type_=Integer)))
        .group_by(PlanComment.item_id),
    }


def start_plan(person_id: int, *, by: User) -> Plan:
    """Start a new plan; the current one, if any, is archived and kept read-only.

    The current plan's row is locked first, so two requests to start afresh (a double tap) archive it once
    and make one new plan between them.
    """
    current = db.session.scalar(
        select(Plan)
        .where(Plan.person_id == person_id, Plan.status == PlanStatus.ACTIVE)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if current is not None:
        current.status = PlanStatus.ARCHIVED
        current.archived_at = utcnow()
        db.session.flush()
    return _first_active_plan(person_id, by=by, next_review_date=current.next_review_date if current else None)


def plan_for(person_id: int, *, by: User) -> Plan:
    """The active plan, started on first use."""
    return active_plan(person_id) or _first_active_plan(person_id, by=by)


def _first_active_plan(person_id: int, *, by: User, next_review_date: date | None = None) -> Plan:
    """Insert the person's active plan unless another request has just done so; either way, return it.

    Several first writes for someone with no plan yet (two tabs, a person and their advocate at once) all
    find "no plan" and all come here: the database keeps one plan and the others use it.
    """
    plan_id = db.insert_new(
        Plan,
        {
            "person_id": person_id,
            "status": PlanStatus.ACTIVE,
            "created_by_id": by.id,
            "version": 0,
            "next_review_date": next_review_date,
        },
        conflict=[Plan.person_id],
        where=text("status = 'active'"),
        returning=Plan.id,
    )
    if plan_id is None:
        return active_plan(person_id)
    audit("create", actor=by, person_id=person_id, object_type="plan", object_id=plan_id)
    return db.session.get(Plan, plan_id)


def next_version(plan: Plan) -> int:
    """Give a change to ``plan`` its own version number, counted in the database.

    ``UPDATE … SET version = version + 1 RETURNING version`` also holds the plan's row until the change is
    committed, so concurrent changes each get a different number and none is lost.
    """
    table = Plan.__table__
    version = db.session.execute(
        update(table).where(table.c.id == plan.id).values(version=table.c.version + 1).returning(table.c.version)
    ).scalar_one()
    set_committed_value(plan, "version", version)
    return version


def hold(item: PlanItem) -> None:
    """Hold the entry's plan until the transaction ends and read the entry again as it now stands.

    Every change to a plan's entries takes the plan's row first (``next_version`` updates it too), so
    changes to one plan happen one after the other, always in the same order of locks, and a decision
    taken on what was read cannot be overtaken by another request's change.
    """
    db.lock(Plan, item.plan_id)
    db.session.refresh(item, attribute_names=[column.key for column in PlanItem.__mapper__.column_attrs])


def _require_active(plan: Plan) -> None:
    if plan.status is not PlanStatus.ACTIVE:
        raise PlanError("archived")


def snapshot(item: PlanItem) -> dict:
    """Every field of an entry as plain values (dates as ISO text, choices as their codes)."""
    values = {}
    for name in _TRACKED:
        value = getattr(item, name)
        if isinstance(value, date):
            value = value.isoformat()
        elif hasattr(value, "value"):
            value = value.value
        values[name] = value
    return values


def _changed(item: PlanItem, by: User, action: str) -> None:
    """Give the change its own plan version and the entry its next version, stamp the entry, keep a revision.

    The revision holds every field of the entry as it stood after the change (the wording, priority, dates,
    who does a step, status, a waiting suggestion), so the history shows all of it and a form opened at an
    earlier version can be compared with what it was opened on.
    """
    version = next_version(item.plan)
    table = PlanItem.__table__
    db.session.flush()
    item_version = db.session.execute(
        update(table).where(table.c.id == item.id).values(version=table.c.version + 1).returning(table.c.version)
    ).scalar_one()
    set_committed_value(item, "version", item_version)
    item.changed_version = version
    item.changed_by_id = by.id
    item.changed_by_role = by.role.value
    item.changed_at = utcnow()
    db.session.add(
        PlanItemRevision(
            item_id=item.id,
            plan_version=version,
            item_version=item_version,
            action=action,
            changed_by_id=by.id,
            changed_by_role=by.role.value,
            changed_at=item.changed_at,
            voice=item.voice,
            text=item.proposed_text if action == "proposed" else item.text,
            fields=snapshot(item),
        )
    )


@dataclass
class ItemFields:
    """What a form says about an entry; which fields matter depends on the kind."""

    text: str
    voice: Voice | None = None
    topic: AboutTopic | None = None
    domain: str | None = None
    priority: int | None = None
    target_date: date | None = None
    goal_status: GoalStatus | None = None
    owner: StepOwner | None = None
    owner_detail: str | None = None
    due_date: date | None = None


def add_item(plan: Plan, kind: ItemKind, fields: ItemFields, *, by: User, parent: PlanItem | None = None) -> PlanItem:
    """Add an entry to the plan, in the writer's chosen voice (a person always writes in their own).

    :param parent: the need a goal belongs to, or the goal a step belongs to.
    :raises PlanError: when the plan is archived, the parent is of the wrong kind, or the need domain is unknown.
    """
    _require_active(plan)
    expected_parent = {ItemKind.GOAL: ItemKind.NEED, ItemKind.STEP: ItemKind.GOAL}.get(kind)
    if expected_parent is not None and (
        parent is None or parent.kind is not expected_parent or parent.plan_id != plan.id
    ):
        raise PlanError("parent")
    if kind is ItemKind.NEED and fields.domain not in NEED_DOMAINS:
        raise PlanError("domain")
    voice = Voice.PERSON if voice_of(by) is Voice.PERSON else (fields.voice or Voice.ADVOCATE)
    item = PlanItem(
        plan=plan,
        kind=kind,
        parent_id=parent.id if parent else None,
        text=fields.text.strip(),
        voice=voice,
        topic=fields.topic,
        domain=fields.domain if kind is ItemKind.NEED else None,
        priority=fields.priority if kind is ItemKind.NEED else None,
        target_date=fields.target_date if kind is ItemKind.GOAL else None,
        goal_status=(fields.goal_status or GoalStatus.NOT_STARTED) if kind is ItemKind.GOAL else None,
        owner=(fields.owner or StepOwner.ME) if kind is ItemKind.STEP else None,
        owner_detail=(fields.owner_detail or "").strip() or None if kind is ItemKind.STEP else None,
        due_date=fields.due_date if kind is ItemKind.STEP else None,
        author_id=by.id,
        author_role=by.role.value,
        changed_by_role=by.role.value,
    )
    db.session.add(item)
    db.session.flush()
    _changed(item, by, "created")
    audit("create", actor=by, person_id=plan.person_id, object_type="plan_item", object_id=item.id)
    if kind is ItemKind.STEP:
        events.step_changed.send(item, by=by)
    return item


def edit_item(item: PlanItem, fields: ItemFields, *, by: User) -> str:
    """Change an entry. Rewording someone else's words becomes a proposal beside the original.

    Dates, priority, status and who does a step change directly; each change is kept in the history.

    :returns: ``"edited"``, ``"proposed"`` or ``"unchanged"``.
    """
    _require_active(item.plan)
    hold(item)
    outcome = "unchanged"
    new_text = fields.text.strip()
    if new_text and new_text != item.text:
        if voice_of(by) is item.voice:
            item.text = new_text
            _worded(item, by=by.id, at=utcnow())
            if item.proposed_text is not None and item.proposed_by_id == by.id:
                _clear_proposal(item)
            outcome = "edited"
        else:
            item.proposed_text = new_text
            item.proposed_by_id = by.id
            item.proposed_voice = voice_of(by)
            item.proposed_at = utcnow()
            _changed(item, by, "proposed")
            outcome = "proposed"
    before = snapshot(item)
    if item.kind is ItemKind.NEED:
        item.priority = fields.priority
    elif item.kind is ItemKind.GOAL:
        item.target_date = fields.target_date
        if fields.goal_status is not None:
            item.goal_status = fields.goal_status
    elif item.kind is ItemKind.STEP:
        item.owner = fields.owner or item.owner
        item.owner_detail = (fields.owner_detail or "").strip() or None
        item.due_date = fields.due_date
    if outcome == "edited" or snapshot(item) != before:
        _changed(item, by, "edited")
        outcome = "edited" if outcome == "unchanged" else outcome
    if outcome != "unchanged":
        audit("update", actor=by, person_id=item.plan.person_id, object_type="plan_item", object_id=item.id)
        if item.kind is ItemKind.STEP:
            events.step_changed.send(item, by=by)
    return outcome


def step_for_referral(need: PlanItem, *, goal_text: str, step_text: str, organisation: str, by: User) -> PlanItem:
    """A step done by an organisation, made with a referral straight from a need: under the need's newest goal
    still being worked on, or under a new goal when it has none. Both are kept in the history like any entry.

    :raises PlanError: when ``need`` is not a need of an active plan.
    """
    if need.kind is not ItemKind.NEED:
        raise PlanError("parent")
    return add_item(
        need.plan,
        ItemKind.STEP,
        ItemFields(step_text, voice=Voice.ADVOCATE, owner=StepOwner.ORGANISATION, owner_detail=organisation),
        by=by,
        parent=goal_being_worked_on(need, text=goal_text, by=by),
    )


def goal_being_worked_on(need: PlanItem, *, text: str, by: User) -> PlanItem:
    """The need's newest goal not yet achieved or stopped; a new goal in the advocate's words, ``text``, if none."""
    goal = db.session.scalar(
        select(PlanItem)
        .where(
            PlanItem.parent_id == need.id,
            PlanItem.kind == ItemKind.GOAL,
            PlanItem.goal_status.in_([GoalStatus.NOT_STARTED, GoalStatus.IN_PROGRESS]),
        )
        .order_by(PlanItem.id.desc())
        .limit(1)
    )
    if goal is None:
        goal = add_item(need.plan, ItemKind.GOAL, ItemFields(text, voice=Voice.ADVOCATE), by=by, parent=need)
    return goal


def _worded(
    item: PlanItem, *, by: int | None, at, agreed_by: int | None = None, agreed_role: str | None = None
) -> None:
    """Record who wrote the words that now stand (and who agreed them, when they were a suggestion)."""
    item.worded_by_id = by
    item.worded_at = at
    item.words_agreed_by_id = agreed_by
    item.words_agreed_role = agreed_role


def _clear_proposal(item: PlanItem) -> None:
    item.proposed_text = None
    item.proposed_by_id = None
    item.proposed_voice = None
    item.proposed_at = None


def may_decide_proposal(item: PlanItem, user: User, person_has_login: bool) -> bool:
    """The owner of the words decides; an advocate may record the person's decision made in person
    only while the person has no login of their own."""
    return policy.may_decide_proposal(user, item, person_has_login)


def decide_proposal(item: PlanItem, *, accept: bool, by: User, person_has_login: bool) -> None:
    """Accept the suggested wording (it replaces the original) or keep the original (the suggestion stays in history).

    :raises PlanError: when there is no proposal or ``by`` may not decide it.
    """
    _require_active(item.plan)
    hold(item)
    if item.proposed_text is not None and item.proposed_by_id == by.id and not accept:
        _clear_proposal(item)
        _changed(item, by, "withdrawn")
        return
    if not may_decide_proposal(item, by, person_has_login):
        raise PlanError("not_yours")
    decided_in_person = voice_of(by) is not item.voice
    if accept:
        item.text = item.proposed_text
        item.voice = item.proposed_voice or item.voice
        # The one who agreed: the decider, or the person themselves when staff record a decision made in person.
        _worded(
            item,
            by=item.proposed_by_id,
            at=item.proposed_at,
            agreed_by=None if decided_in_person else by.id,
            agreed_role=Role.INDIVIDUAL.value if decided_in_person else by.role.value,
        )
        action = "accepted_in_person" if decided_in_person else "accepted"
    else:
        action = "kept_original_in_person" if decided_in_person else "kept_original"
    _clear_proposal(item)
    _changed(item, by, action)
    audit("update", actor=by, person_id=item.plan.person_id, object_type="plan_item", object_id=item.id)


def set_step_done(item: PlanItem, done: bool, *, by: User) -> None:
    """Tick a step off (or untick it)."""
    _require_active(item.plan)
    if item.kind is not ItemKind.STEP:
        raise PlanError("not_a_step")
    hold(item)
    if done == item.is_done:
        return
    item.done_at = utcnow() if done else None
    _changed(item, by, "done" if done else "not_done")
    audit("update", actor=by, person_id=item.plan.person_id, object_type="plan_item", object_id=item.id)
    events.step_done.send(item, done=done, by=by)


def add_comment(item: PlanItem, body: str, *, by: User) -> PlanComment:
    """Add to the conversation on an entry."""
    _require_active(item.plan)
    # The plan's row is taken first by counting the version, as in every other change to the plan.
    version = next_version(item.plan)
    comment = PlanComment(
        item_id=item.id, author_id=by.id, author_role=by.role.value, body=body.strip(), plan_version=version
    )
    item.changed_version = version
    item.changed_by_id = by.id
    item.changed_by_role = by.role.value
    db.session.add(comment)
    db.session.flush()
    audit("create", actor=by, person_id=item.plan.person_id, object_type="plan_comment", object_id=comment.id)
    return comment


def agree(plan: Plan, *, by: User) -> PlanAgreement:
    """Record that ``by`` agrees the plan as it stands now."""
    _require_active(plan)
    agreement = PlanAgreement(plan_id=plan.id, user_id=by.id, role=by.role.value, version=plan.version)
    db.session.add(agreement)
    db.session.flush()
    audit("agree", actor=by, person_id=plan.person_id, object_type="plan", object_id=plan.id)
    return agreement


def withdraw_agreement(plan: Plan, *, by: User) -> bool:
    """Take back ``by``'s agreement to the plan (it stays in the history, marked withdrawn).

    :returns: False when ``by`` had no agreement standing, so nothing changed.
    """
    _require_active(plan)
    standing = db.session.scalars(
        select(PlanAgreement).where(
            PlanAgreement.plan_id == plan.id, PlanAgreement.user_id == by.id, PlanAgreement.withdrawn_at.is_(None)
        )
    ).all()
    if not standing:
        return False
    now = utcnow()
    for agreement in standing:
        agreement.withdrawn_at = now
    db.session.flush()
    audit("withdraw_agreement", actor=by, person_id=plan.person_id, object_type="plan", object_id=plan.id)
    return True


def latest_agreements(plan_id: int) -> dict[str, PlanAgreement]:
    """The newest agreement still standing by each side ("individual", "advocate")."""
    rows = db.session.scalars(_read_statements()["agreements"], {"plan_id": plan_id}).all()
    return {row.role: row for row in rows}


def record_look(plan: Plan, user: User, *, last_look: int | None, last_agreed: int | None) -> int:
    """Remember that ``user`` has now seen the plan; returns the version after which changes are new to them:
    the later of the version they last looked at (0 if never) and the last version they agreed to.

    :param last_look: the version ``user`` last looked at, and ``last_agreed`` the last they agreed (as the plan
        page read them with the plan: ``outline.plan_head``).

    The same person may open the plan twice at once (two tabs, a double tap): the look is written with
    one insert-or-update, so the second request never trips over the first.
    """
    baseline = max(last_look or 0, last_agreed or 0)
    if last_look == plan.version:
        return baseline
    dialect = db.session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    statement = insert(PlanLook).values(plan_id=plan.id, user_id=user.id, version=plan.version, looked_at=utcnow())
    db.session.execute(
        statement.on_conflict_do_update(
            index_elements=[PlanLook.plan_id, PlanLook.user_id],
            set_={"version": statement.excluded.version, "looked_at": statement.excluded.looked_at},
        )
    )
    return baseline


def load_plan(plan_id: int) -> Plan:
    """A plan with every entry, its writers and comment counts loaded in a fixed number of queries."""
    plan = db.session.scalar(
        select(Plan).where(Plan.id == plan_id).options(selectinload(Plan.items).selectinload(PlanItem.comments))
    )
    if plan is not None:
        with_writers(plan.items)
    return plan


def load_item(item_id: int) -> PlanItem | None:
    """One entry with its plan, history and conversation."""
    return db.session.scalar(
        select(PlanItem)
        .where(PlanItem.id == item_id)
        .options(
            joinedload(PlanItem.plan),
            joinedload(PlanItem.author),
            joinedload(PlanItem.proposed_by),
            joinedload(PlanItem.worded_by),
            joinedload(PlanItem.words_agreed_by),
            selectinload(PlanItem.revisions).joinedload(PlanItemRevision.changed_by),
            selectinload(PlanItem.comments).joinedload(PlanComment.author),
        )
    )


def load_entry(item_id: int) -> PlanItem | None:
    """One entry with its plan only, for a change that reads neither its history nor its conversation: a comment
    adds to the conversation without reading it, however long it has grown."""
    return db.session.scalar(select(PlanItem).where(PlanItem.id == item_id).options(joinedload(PlanItem.plan)))


def unseen_changes_of(plan_id, user: User, *, dialect: str | None = None):
    """How many entries of the plan ``plan_id`` (a column of an enclosing query) others changed since ``user``
    last looked or agreed, as a correlated subquery: a list of people asks it once a row in its own query.

    ``user`` may be a bound parameter of the user's id (a statement built once, for ``dialect``)."""
    user = user.id if isinstance(user, User) else user
    look = (
        select(PlanLook.version)
        .where(PlanLook.plan_id == plan_id, PlanLook.user_id == user)
        .correlate_except(PlanLook)
        .scalar_subquery()
    )
    agreed = (
        select(func.max(PlanAgreement.version))
        .where(PlanAgreement.plan_id == plan_id, PlanAgreement.user_id == user)
        .correlate_except(PlanAgreement)
        .scalar_subquery()
    )
    later = func.greatest if (dialect or db.session.get_bind().dialect.name) == "postgresql" else func.max
    baseline = later(func.coalesce(look, 0), func.coalesce(agreed, 0))
    return (
        select(func.count(PlanItem.id))
        .where(PlanItem.plan_id == plan_id, PlanItem.changed_version > baseline, PlanItem.changed_by_id != user)
        .correlate_except(PlanItem)
        .scalar_subquery()
    )


def with_writers(items: list[PlanItem]) -> list[PlanItem]:
    """Give entries their writers (who wrote, last changed or suggested a new wording) from one query.

    A plan has few writers and many entries: joining the writers onto every entry's row cost more than
    the rest of the page.
    """
    ids = {
        i
        for item in items
        for i in (item.author_id, item.changed_by_id, item.proposed_by_id, item.worded_by_id, item.words_agreed_by_id)
        if i is not None
    }
    writers = (
        {user.id: user for user in db.session.scalars(_read_statements()["writers"], {"user_ids": sorted(ids)})}
        if ids
        else {}
    )
    for item in items:
        set_committed_value(item, "author", writers.get(item.author_id))
        set_committed_value(item, "changed_by", writers.get(item.changed_by_id))
        set_committed_value(item, "proposed_by", writers.get(item.proposed_by_id))
        set_committed_value(item, "worded_by", writers.get(item.worded_by_id))
        set_committed_value(item, "words_agreed_by", writers.get(item.words_agreed_by_id))
    return items


def writer_names(items: list[PlanItem]) -> dict[int, str]:
    """The names of the entries' writers (who wrote, worded, agreed or suggested), by their ids, from entries given
    their writers (``with_writers``, ``load_item``): what a page's credit lines and suggestions name."""
    return {
        user.id: user.display_name
        for item in items
        for user in (item.author, item.worded_by, item.words_agreed_by, item.proposed_by)
        if user is not None
    }


def load_steps(goal: PlanItem) -> list[PlanItem]:
    """The steps under a goal, in the order they were written, with their writers."""
    steps = db.session.scalars(
        select(PlanItem).where(PlanItem.parent_id == goal.id, PlanItem.kind == ItemKind.STEP).order_by(PlanItem.id)
    ).all()
    return with_writers(list(steps))


def comment_counts(item_ids: list[int]) -> dict[int, int]:
    """How many comments each entry has, in one query."""
    if not item_ids:
        return {}
    return dict(db.session.execute(_read_statements()["comment_counts"], {"item_ids": item_ids}).all())


def earlier_plans(person_id: int) -> list[Plan]:
    """The person's earlier (archived) plans, newest first."""
    return list(
        db.session.scalars(
            select(Plan).where(Plan.person_id == person_id, Plan.status == PlanStatus.ARCHIVED).order_by(Plan.id.desc())
        )
    )
