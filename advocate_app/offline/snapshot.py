"""What a device keeps for an offline visit: the plan with every entry's version, the latest check-ins, the
consent summary and the words of the forms, in the advocate's language; nothing else about the person."""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import select

from advocate_app import db
from advocate_app.accounts.models import User
from advocate_app.consent.services import consents_of
from advocate_app.i18n import isolated
from advocate_app.needs import NEED_DOMAINS
from advocate_app.offline.models import OfflineVisit
from advocate_app.people.models import Person
from advocate_app.plans import services as plans
from advocate_app.plans.forms import GOAL_STATUS_LABELS
from advocate_app.plans.models import CheckIn, ItemKind, PlanItem, RatedBy
from advocate_app.referrals.models import Referral
from advocate_app.wording import ABOUT_TOPICS, STEP_OWNERS, reader_of


def _plain(value):
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return getattr(value, "value", value)


def _entry(item: PlanItem, consent_of_step: dict[int, int]) -> dict:
    entry = {
        "id": item.id,
        "kind": item.kind.value,
        "text": item.text,
        "voice": item.voice.value,
        "version": item.version,
        "suggestion": item.proposed_text,
    }
    if item.kind is ItemKind.ABOUT:
        entry["topic"] = _plain(item.topic)
    elif item.kind is ItemKind.NEED:
        entry.update(domain=item.domain, priority=item.priority, goals=[])
    elif item.kind is ItemKind.GOAL:
        entry.update(target_date=_plain(item.target_date), goal_status=_plain(item.goal_status), steps=[])
    else:
        entry.update(
            done=item.is_done,
            owner=_plain(item.owner),
            owner_detail=item.owner_detail,
            due_date=_plain(item.due_date),
            consent=consent_of_step.get(item.id),
        )
    return entry


def _plan(person_id: int, *, by: User) -> dict | None:
    plan = plans.active_plan(person_id)
    if plan is None:
        return None
    items = list(db.session.scalars(select(PlanItem).where(PlanItem.plan_id == plan.id).order_by(PlanItem.id)))
    step_ids = [item.id for item in items if item.kind is ItemKind.STEP]
    # A step done by an organisation through a referral rests on the consent the referral was made under.
    consent_of_step = (
        dict(
            db.session.execute(
                select(Referral.step_id, Referral.consent_id).where(
                    Referral.step_id.in_(step_ids), Referral.consent_id.is_not(None)
                )
            ).all()
        )
        if step_ids
        else {}
    )
    entries = {item.id: _entry(item, consent_of_step) for item in items}
    about, needs = [], []
    for item in items:
        entry = entries[item.id]
        if item.kind is ItemKind.ABOUT:
            about.append(entry)
        elif item.kind is ItemKind.NEED:
            needs.append(entry)
        elif item.parent_id in entries:
            entries[item.parent_id]["goals" if item.kind is ItemKind.GOAL else "steps"].append(entry)
    return {"id": plan.id, "version": plan.version, "about": about, "needs": needs}


def _latest_check_ins(person_id: int) -> list[dict]:
    latest: dict[str, CheckIn] = {}
    for check_in in db.session.scalars(
        select(CheckIn).where(CheckIn.person_id == person_id).order_by(CheckIn.taken_on, CheckIn.id)
    ):
        latest[check_in.domain] = check_in
    return [
        {"domain": c.domain, "score": c.score, "rated_by": c.rated_by.value, "taken_on": c.taken_on.isoformat()}
        for c in latest.values()
    ]


def _consents(person_id: int, now: datetime) -> list[dict]:
    return [
        {
            "id": consent.id,
            "kind": consent.kind.value,
            "organisation": consent.organisation.name if consent.organisation else None,
            "categories": sorted(c.value for c in consent.category_set),
            "expires_at": consent.expires_at.isoformat(),
        }
        for consent in consents_of(person_id)
        if consent.is_active(now)
    ]


def vocabulary(person: Person, *, by: User) -> dict:
    """The words the offline forms show, in the advocate's language."""
    reader = reader_of(by)
    name = isolated(person.preferred_name)
    return {
        "domains": {code: str(label) for code, label in NEED_DOMAINS.items()},
        # JSON objects lose their order on the way: the forms list the areas of life in this one.
        "domain_order": list(NEED_DOMAINS),
        "goal_status": {status.value: str(label) for status, label in GOAL_STATUS_LABELS.items()},
        "rated_by": {
            RatedBy.PERSON.value: _("%(name)s's rating", name=name),
            RatedBy.ADVOCATE.value: _("Advocate's rating"),
            RatedBy.TOGETHER.value: _("Agreed together"),
        },
        "about": {topic.value: worded.say(reader, person.preferred_name) for topic, worded in ABOUT_TOPICS.items()},
        "owners": {owner.value: worded.say(reader, person.preferred_name) for owner, worded in STEP_OWNERS.items()},
    }


def for_visit(visit: OfflineVisit, person: Person, *, by: User, now: datetime) -> dict:
    """Everything the device keeps for ``visit``, as plain JSON values."""
    return {
        "visit": {"id": visit.id, "expires_at": visit.expires_at.isoformat()},
        "person": {"id": person.id, "name": person.preferred_name},
        "plan": _plan(person.id, by=by),
        "check_ins": _latest_check_ins(person.id),
        "consents": _consents(person.id, now),
        "words": vocabulary(person, by=by),
        "taken_at": now.isoformat(),
    }
