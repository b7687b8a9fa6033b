"""Changes made offline, applied through the same services, policy and audit as the online forms.

Each change carries an idempotency key (a UUID the device made), the person it is about and, for a change to
an entry, the version of the entry it was made against. The key is written first, in the same transaction as
the change: a retry, or the same change sent twice at once, finds it and gets the first result back, so nothing
is applied twice. Every change gets a result; nothing is dropped.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from advocate_app import db, policy
from advocate_app.accounts.models import User
from advocate_app.clock import local_today
from advocate_app.consent.models import Consent
from advocate_app.db import utcnow
from advocate_app.needs import NEED_DOMAINS
from advocate_app.offline.models import OfflineChange
from advocate_app.people.models import Person, PersonStatus
from advocate_app.plans import edits, outcomes, services
from advocate_app.plans.forms import TEXT_MAX
from advocate_app.plans.models import GoalStatus, ItemKind, PlanItem, PlanStatus, RatedBy, StepOwner
from advocate_app.plans.outcome_forms import NOTE_MAX
from advocate_app.policy import Action

KINDS = ("goal.add", "step.add", "entry.edit", "step.done", "check_in", "note")

# Why a change was refused, in plain words for the advocate.
REASONS = {
    "moved": _l("This person is no longer on your caseload, so the change was not made."),
    "plan_closed": _l("The plan was closed (or the case was closed) before this change arrived."),
    "consent_withdrawn": _l("The consent this change depended on was withdrawn or has ended."),
    "gone": _l("The entry this change was about is no longer in the plan."),
    "invalid": _l("This change could not be read. Copy it out and make it again online."),
    "not_yours": _l("This change was sent by someone else's account."),
}

# How each kind of result is put to the advocate.
OUTCOME_WORDS = {
    "sent": _l("Sent"),
    "suggested": _l("Became a suggestion beside the person's own words"),
    "collision": _l("Needs a look: someone else changed this too"),
    "refused": _l("Not made"),
}


class Refused(Exception):
    """The change cannot be made; ``reason`` is a key of ``REASONS``."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def canonical_key(value) -> str | None:
    """The idempotency key in its canonical form, or ``None`` when it is not a UUID."""
    try:
        return str(uuid.UUID(str(value))) if isinstance(value, str) and len(value) <= 40 else None
    except ValueError:
        return None


def apply(change: dict, *, by: User, now: datetime | None = None) -> dict:
    """Apply one change (once), and return its result as plain values.

    :param change: the change as the device sent it (untrusted: any shape).
    """
    key = canonical_key(change.get("key")) if isinstance(change, dict) else None
    if key is None:
        return {"key": None, "outcome": "refused", "reason": "invalid"}
    kind = change.get("kind") if change.get("kind") in KINDS else "unknown"
    person_id = _int(change.get("person"))
    person = db.session.get(Person, person_id) if person_id else None
    written = db.insert_new(
        OfflineChange,
        {
            "key": key,
            "user_id": by.id,
            "person_id": person.id if person else None,
            "kind": kind,
            "outcome": "",
            "result": {},
            "received_at": now or utcnow(),
        },
        conflict=[OfflineChange.key],
        returning=OfflineChange.key,
    )
    if written is None:
        return _earlier_result(key, by)
    try:
        if kind == "unknown" or person_id is None:
            raise Refused("invalid")
        if person is None:
            # As for someone who is not (or no longer) on the caseload: a record's existence is not revealed.
            raise Refused("moved")
        result = {"key": key, "outcome": "sent", **_apply(kind, change, person, by=by)}
    except Refused as refusal:
        result = {"key": key, "outcome": "refused", "reason": refusal.reason}
    except services.PlanError as error:
        result = {"key": key, "outcome": "refused", "reason": "plan_closed" if error.code == "archived" else "invalid"}
    stored = db.session.get(OfflineChange, key)
    stored.outcome = result["outcome"]
    stored.result = result
    return result


def _earlier_result(key: str, by: User) -> dict:
    """What the first delivery of this change was told (a retry changes nothing)."""
    earlier = db.session.get(OfflineChange, key, populate_existing=True)
    if earlier is None or earlier.user_id != by.id:
        return {"key": key, "outcome": "refused", "reason": "not_yours"}
    return {**earlier.result, "repeat": True}


def _int(value) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**31 else None


def _text(value, limit: int = TEXT_MAX, *, required: bool = True) -> str:
    if not isinstance(value, str) or len(value) > limit or (required and not value.strip()):
        raise Refused("invalid")
    return value


def _date(value) -> date | None:
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(value) if isinstance(value, str) else _bad()
    except ValueError:
        raise Refused("invalid") from None


def _bad():
    raise Refused("invalid")


def _check_allowed(change: dict, person: Person, by: User) -> None:
    """The policy decides as for the online forms; then the things that may have changed while offline."""
    if not policy.can(by, Action.PLAN_WRITE, person):
        raise Refused("moved")
    if person.status is PersonStatus.CLOSED:
        raise Refused("plan_closed")
    consent_id = change.get("consent")
    if consent_id is not None:
        consent = db.session.get(Consent, _int(consent_id) or 0)
        if consent is None or consent.person_id != person.id or not consent.is_active(utcnow()):
            raise Refused("consent_withdrawn")


def _entry(change: dict, person: Person, kind: ItemKind | None = None) -> PlanItem:
    item_id = _int(change.get("item"))
    item = services.load_item(item_id) if item_id else None
    if item is None or item.plan.person_id != person.id or (kind is not None and item.kind is not kind):
        raise Refused("gone")
    if item.plan.status is not PlanStatus.ACTIVE:
        raise Refused("plan_closed")
    return item


def _apply(kind: str, change: dict, person: Person, *, by: User) -> dict:
    _check_allowed(change, person, by)
    if kind == "goal.add":
        need = _entry({"item": change.get("need")}, person, ItemKind.NEED)
        fields = services.ItemFields(_text(change.get("text")).strip(), target_date=_date(change.get("target_date")))
        goal = services.add_item(need.plan, ItemKind.GOAL, fields, by=by, parent=need)
        return {"item": goal.id, "version": goal.version}
    if kind == "step.add":
        goal = _entry({"item": change.get("goal")}, person, ItemKind.GOAL)
        owner = change.get("owner", StepOwner.ME.value)
        if owner not in {o.value for o in StepOwner}:
            raise Refused("invalid")
        fields = services.ItemFields(_text(change.get("text")).strip(), owner=StepOwner(owner))
        step = services.add_item(goal.plan, ItemKind.STEP, fields, by=by, parent=goal)
        return {"item": step.id, "version": step.version}
    if kind == "entry.edit":
        return _edit(_entry(change, person), change, by=by)
    if kind == "step.done":
        step = _entry(change, person, ItemKind.STEP)
        if not isinstance(change.get("done"), bool):
            raise Refused("invalid")
        services.set_step_done(step, change["done"], by=by)
        return {"item": step.id, "version": step.version}
    if kind == "check_in":
        domain, score = change.get("domain"), _int(change.get("score"))
        rated_by = change.get("rated_by")
        if domain not in NEED_DOMAINS or score is None or rated_by not in {r.value for r in RatedBy}:
            raise Refused("invalid")
        taken_on = _date(change.get("taken_on")) or _bad()
        if taken_on > local_today():
            raise Refused("invalid")
        check_in = outcomes.record_check_in(
            person.id,
            domain=domain,
            score=score,
            rated_by=RatedBy(rated_by),
            taken_on=taken_on,
            note=_text(change.get("note") or "", NOTE_MAX, required=False),
            by=by,
        )
        return {"check_in": check_in.id}
    item = _entry(change, person)
    comment = services.add_comment(item, _text(change.get("text")), by=by)
    return {"item": item.id, "comment": comment.id}


def _edit(item: PlanItem, change: dict, *, by: User) -> dict:
    """A change to an entry's words (and a goal's date and status), made against the version it was read at."""
    base_version = _int(change.get("base_version"))
    if base_version is None and change.get("base_version") != 0:
        raise Refused("invalid")
    fields = services.ItemFields(
        text=_text(change.get("text")),
        priority=item.priority,
        owner=item.owner,
        owner_detail=item.owner_detail,
        due_date=item.due_date,
        target_date=item.target_date,
        goal_status=item.goal_status,
    )
    if item.kind is ItemKind.GOAL:
        status = change.get("goal_status", _plain(item.goal_status))
        if status not in {s.value for s in GoalStatus}:
            raise Refused("invalid")
        fields = replace(
            fields,
            goal_status=GoalStatus(status),
            target_date=_date(change["target_date"]) if "target_date" in change else item.target_date,
        )
    result = edits.save_entry(item, fields, base_version=base_version, by=by)
    if result.outcome is edits.Outcome.REFUSED:
        raise Refused("plan_closed")
    outcome = {
        edits.Outcome.SUGGESTED: "suggested",
        edits.Outcome.COLLISION: "collision",
    }.get(result.outcome, "sent")
    return {
        "outcome": outcome,
        "item": item.id,
        "version": result.version,
        "collisions": [{"field": c.field, "yours": c.yours, "saved": c.saved} for c in result.collisions],
    }


def _plain(value):
    return getattr(value, "value", value)


def changes_applied(user_id: int) -> int:
    """How many changes from this user's devices the server has received (for the account page and tests)."""
    return len(db.session.scalars(select(OfflineChange.key).where(OfflineChange.user_id == user_id)).all())
