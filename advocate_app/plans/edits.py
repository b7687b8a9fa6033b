"""Saving a change to a plan entry against the version it was made on.

An edit form carries the entry's version as it showed it; a device that worked offline will send its
changes with the version they were made against. Either way one function decides, with the entry's plan
held so two saves cannot interleave, and answers with a value the caller shows or sends back:

- **applied**: what this person changed is in the entry; anything someone else changed meanwhile in other
  fields is kept (only the fields this person changed are written);
- **suggested**: they reworded someone else's words, so the wording waits beside the original (their other
  changes are applied as above);
- **collision**: someone else changed a field this person changed too, to something else; nothing is saved,
  and both versions are given back to be compared;
- **refused**: the entry can no longer be changed (its plan was archived);
- **unchanged**: there was nothing to save.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field, replace
from datetime import date

from sqlalchemy import select

from advocate_app import db
from advocate_app.accounts.models import User
from advocate_app.plans import services
from advocate_app.plans.models import AboutTopic, ItemKind, PlanItem, PlanItemRevision, PlanStatus

# What an edit may change, by kind of entry (the area of a need and the topic of an answer stay as written).
EDITABLE = {
    ItemKind.ABOUT: ("text",),
    ItemKind.NEED: ("text", "priority"),
    ItemKind.GOAL: ("text", "target_date", "goal_status"),
    ItemKind.STEP: ("text", "owner", "owner_detail", "due_date"),
}


class Outcome(enum.StrEnum):
    ADDED = "added"
    APPLIED = "applied"
    SUGGESTED = "suggested"
    UNCHANGED = "unchanged"
    COLLISION = "collision"
    REFUSED = "refused"


@dataclass(frozen=True)
class Collision:
    """A field both this person and someone else changed since the version the change was made on."""

    field: str
    # Plain values, as in a revision: text, ISO dates, choice codes.
    yours: object
    saved: object


@dataclass
class SaveResult:
    """What became of a change."""

    outcome: Outcome
    item_id: int | None
    # The entry's version now: a form shown again (or a device) makes its next change against this one.
    version: int = 0
    # The fields this person changed since the version they started from.
    yours: tuple[str, ...] = ()
    # The fields someone else changed meanwhile that were kept as they are.
    kept: tuple[str, ...] = ()
    collisions: tuple[Collision, ...] = ()
    # For a refusal: why ("archived").
    reason: str = ""
    # For a collision: who made the entry's current version (for "… changed this entry after you opened it").
    changed_by_id: int | None = field(default=None, compare=False)


def _plain(value) -> object:
    if isinstance(value, date):
        return value.isoformat()
    if hasattr(value, "value"):
        return value.value
    return value


def asked_for(item: PlanItem, fields: services.ItemFields) -> dict:
    """The values a change asks for, as plain values, for the fields an edit of this kind of entry may change."""
    values = {
        "text": fields.text.strip(),
        "priority": fields.priority,
        "target_date": _plain(fields.target_date),
        "goal_status": _plain(fields.goal_status or item.goal_status),
        "owner": _plain(fields.owner or item.owner),
        "owner_detail": (fields.owner_detail or "").strip() or None,
        "due_date": _plain(fields.due_date),
    }
    return {name: values[name] for name in EDITABLE[item.kind]}


def state_at(item_id: int, version: int) -> dict | None:
    """The entry as it stood at ``version``, from its history; ``None`` when the history does not say."""
    return db.session.scalar(
        select(PlanItemRevision.fields)
        .where(PlanItemRevision.item_id == item_id, PlanItemRevision.item_version == version)
        .order_by(PlanItemRevision.id.desc())
        .limit(1)
    )


def _shown_text(state: dict, user: User) -> str | None:
    """The wording an edit form shows this user: their own waiting suggestion, or the entry's words."""
    if state.get("proposed_text") is not None and state.get("proposed_by_id") == user.id:
        return state["proposed_text"]
    return state.get("text")


def save_entry(item: PlanItem, fields: services.ItemFields, *, base_version: int | None, by: User) -> SaveResult:
    """Save a change to ``item`` made against the entry as it stood at ``base_version``.

    :param fields: what the entry should say (every field the form shows, changed or not).
    :param base_version: the entry's version the change was made on; ``None`` takes it as made on the
        current version (a caller that cannot say).
    :returns: the outcome and, for a collision, both values of every field in question.
    """
    if item.plan.status is not PlanStatus.ACTIVE:
        return SaveResult(Outcome.REFUSED, item.id, item.version, reason="archived")
    services.hold(item)
    current = services.snapshot(item)
    if base_version is None or base_version == item.version:
        base = current
    else:
        # A version the entry never had (a form tampered with) finds no history: it is treated as unknown.
        base = state_at(item.id, base_version)
    known = base is not None
    base = base if known else {}
    asked = asked_for(item, fields)
    owns_words = services.voice_of(by) is item.voice

    def before(name: str) -> object:
        return _shown_text(base, by) if name == "text" else base.get(name)

    if not known:
        # A form from before entries had a history of versions: every difference is put to the person.
        yours = tuple(name for name, value in asked.items() if value != _current_value(name, current, by))
        theirs = set(yours)
    else:
        yours = tuple(name for name, value in asked.items() if value != before(name))
        theirs = {name for name in asked if _current_value(name, current, by) != before(name)}
    collisions = tuple(
        Collision(name, asked[name], _current_value(name, current, by))
        for name in yours
        if name in theirs
        and asked[name] != _current_value(name, current, by)
        # Rewording someone else's words never overwrites anything: it becomes a suggestion beside them,
        # unless a suggestion by someone else appeared meanwhile.
        and (owns_words or name != "text" or _new_suggestion_by_other(base, current, by))
    )
    if collisions:
        return SaveResult(
            Outcome.COLLISION,
            item.id,
            item.version,
            yours=yours,
            collisions=collisions,
            changed_by_id=_changed_by(item),
        )
    merged = replace(
        fields,
        text=asked["text"] if "text" in yours else item.text,
        **{name: getattr(item, name) for name in asked if name != "text" and name not in yours},
    )
    done = services.edit_item(item, merged, by=by)
    outcome = {"edited": Outcome.APPLIED, "proposed": Outcome.SUGGESTED}.get(done, Outcome.UNCHANGED)
    return SaveResult(outcome, item.id, item.version, yours=yours, kept=tuple(sorted(theirs - set(yours))))


def _changed_by(item: PlanItem) -> int | None:
    """Who made the entry's current version (a comment since then does not count)."""
    return db.session.scalar(
        select(PlanItemRevision.changed_by_id)
        .where(PlanItemRevision.item_id == item.id, PlanItemRevision.item_version == item.version)
        .order_by(PlanItemRevision.id.desc())
        .limit(1)
    )


def _current_value(name: str, current: dict, user: User) -> object:
    return _shown_text(current, user) if name == "text" else current.get(name)


def _new_suggestion_by_other(base: dict, current: dict, user: User) -> bool:
    return (
        current.get("proposed_text") is not None
        and current.get("proposed_by_id") != user.id
        and current.get("proposed_text") != base.get("proposed_text")
    )


def save_about(
    person_id: int, topic: AboutTopic, fields: services.ItemFields, *, base_version: int | None, by: User
) -> SaveResult:
    """Write the person's answer on one "about me" topic: the first answer adds it, later ones change it.

    The plan's row is held while looking for an answer already there, so two first answers at once make
    one entry and the second is saved against it (as a change made on "nothing yet").
    """
    plan = services.plan_for(person_id, by=by)
    db.lock(type(plan), plan.id)
    existing_id = db.session.scalar(
        select(PlanItem.id)
        .where(PlanItem.plan_id == plan.id, PlanItem.kind == ItemKind.ABOUT, PlanItem.topic == topic)
        .order_by(PlanItem.id)
        .limit(1)
    )
    if existing_id is None:
        item = services.add_item(plan, ItemKind.ABOUT, replace(fields, topic=topic), by=by)
        return SaveResult(Outcome.ADDED, item.id, item.version, yours=("text",))
    # A form that showed no answer yet says version 0: the answer written meanwhile is put beside it.
    return save_entry(services.load_item(existing_id), fields, base_version=base_version, by=by)
