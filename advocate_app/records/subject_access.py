"""Subject access: everything held about a person, JSON-ready for them to download, and nothing about anyone else.

It follows the access log's two rules (see ``records.access_log``): nothing about anyone else, and nothing the
record keeps from the person on purpose.
"""

from __future__ import annotations

from datetime import UTC, datetime, time

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, false, or_, select, true
from sqlalchemy.orm import joinedload, selectinload

from advocate_app import db, policy
from advocate_app.accounts.models import STAFF_ROLES, User, UserSession
from advocate_app.audit.models import AuditEvent
from advocate_app.consent.models import BreakGlass, Consent, SharingOverride
from advocate_app.consent.services import walled_from
from advocate_app.db import utcnow
from advocate_app.directory.models import Organisation
from advocate_app.people.models import Assignment, Person
from advocate_app.plans.models import CheckIn, Plan, PlanAgreement, PlanItem, PlanLook, Review
from advocate_app.records.access_log import BREAK_GLASS, describe, join_override, shown_to_person
from advocate_app.referrals.inbox_forms import STATUS_LABELS
from advocate_app.referrals.models import Referral
from advocate_app.team import records as team_records
from advocate_app.team import verdicts


def _iso(value):
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, time):
        return value.strftime("%H:%M")
    return value.isoformat()


def _value(enum_value):
    return getattr(enum_value, "value", enum_value)


def _categories(text: str) -> list[str]:
    return [c for c in (text or "").split(",") if c]


class _Names:
    """Says who someone was, for the export: staff by name, role and organisation; the person themselves;
    and nobody else (another person's name never appears, whichever side of a wall they are on)."""

    def __init__(self, login: User | None):
        self.login_id = login.id if login else None
        self.wanted: set[int] = set()
        self.rows: dict[int, tuple] = {}

    def want(self, *user_ids) -> None:
        self.wanted.update(i for i in user_ids if i is not None)

    def load(self) -> None:
        if not self.wanted:
            return
        rows = db.session.execute(
            select(User.id, User.display_name, User.role, Organisation.name)
            .outerjoin(Organisation, Organisation.id == User.organisation_id)
            .where(User.id.in_(self.wanted))
        ).all()
        self.rows = {row[0]: row[1:] for row in rows}

    def __call__(self, user_id: int | None) -> dict | None:
        row = self.rows.get(user_id)
        if row is None:
            return None
        name, role, organisation = row
        if role in STAFF_ROLES:
            return {"name": name, "role": role.value, "organisation": organisation}
        if user_id == self.login_id:
            return {"name": name, "role": role.value, "organisation": None, "is_you": True}
        return None


def _not_across_a_wall(walled: set[int]):
    """Audit rows that neither point at nor were made by someone on the other side of a wall (defence in depth:
    the policy already keeps people out of each other's records)."""
    if not walled:
        return true()
    walled_logins = select(User.id).where(User.person_id.in_(walled))
    return and_(
        or_(AuditEvent.actor_id.is_(None), AuditEvent.actor_id.not_in(walled_logins)),
        or_(
            AuditEvent.object_type.is_(None),
            AuditEvent.object_type != "person",
            AuditEvent.object_id.is_(None),
            AuditEvent.object_id.not_in(walled),
        ),
    )


def _load(person_id: int) -> dict:
    """Everything held about a person, as rows, in a fixed number of queries."""
    person = db.session.scalar(
        select(Person)
        .where(Person.id == person_id)
        .options(
            selectinload(Person.safe_windows),
            selectinload(Person.assignments).joinedload(Assignment.advocate),
        )
    )
    login = db.session.scalar(select(User).where(User.person_id == person_id))
    plans = db.session.scalars(
        select(Plan)
        .where(Plan.person_id == person_id)
        .options(selectinload(Plan.items).options(selectinload(PlanItem.revisions), selectinload(PlanItem.comments)))
        .order_by(Plan.created_at.desc(), Plan.id.desc())
    ).all()
    plan_ids = select(Plan.id).where(Plan.person_id == person_id)
    agreements = db.session.scalars(
        select(PlanAgreement).where(PlanAgreement.plan_id.in_(plan_ids)).order_by(PlanAgreement.id)
    ).all()
    reviews = db.session.scalars(
        select(Review).where(Review.plan_id.in_(plan_ids)).order_by(Review.held_on, Review.id)
    ).all()
    check_ins = db.session.scalars(
        select(CheckIn).where(CheckIn.person_id == person_id).order_by(CheckIn.taken_on, CheckIn.id)
    ).all()
    consents = db.session.scalars(
        select(Consent)
        .where(Consent.person_id == person_id)
        .options(joinedload(Consent.organisation))
        .order_by(Consent.given_at, Consent.id)
    ).all()
    overrides = db.session.scalars(
        select(SharingOverride)
        .where(policy.overrides_shown_to_person(person_id))
        .options(joinedload(SharingOverride.organisation))
        .order_by(SharingOverride.requested_at, SharingOverride.id)
    ).all()
    referrals = db.session.scalars(
        select(Referral)
        .where(Referral.person_id == person_id, policy.referrals_shown_to_person(person_id))
        .options(
            joinedload(Referral.service),
            joinedload(Referral.organisation),
            selectinload(Referral.events),
        )
        .order_by(Referral.created_at, Referral.id)
    ).all()
    sessions, looks = [], []
    about_login = false()
    if login is not None:
        sessions = db.session.scalars(
            select(UserSession).where(UserSession.user_id == login.id).order_by(UserSession.created_at)
        ).all()
        looks = db.session.scalars(select(PlanLook).where(PlanLook.user_id == login.id)).all()
        # Sign-ins and the like are about the login, not the record; only since this login existed.
        about_login = and_(
            AuditEvent.object_type == "user",
            AuditEvent.object_id == login.id,
            or_(AuditEvent.person_id.is_(None), AuditEvent.person_id == person_id),
            AuditEvent.occurred_at >= login.created_at,
        )
    events = db.session.execute(
        join_override(select(AuditEvent, BreakGlass.reason).select_from(AuditEvent))
        .outerjoin(
            BreakGlass,
            and_(
                AuditEvent.object_type == BREAK_GLASS,
                BreakGlass.id == AuditEvent.object_id,
                BreakGlass.person_id == person_id,
            ),
        )
        .where(
            or_(AuditEvent.person_id == person_id, about_login),
            shown_to_person(person_id),
            _not_across_a_wall(walled_from(person_id)),
        )
        .order_by(AuditEvent.occurred_at, AuditEvent.id)
    ).all()
    return {
        "referrals": referrals,
        "person": person,
        "login": login,
        "sessions": sessions,
        "looks": looks,
        "plans": plans,
        "agreements": agreements,
        "reviews": reviews,
        "check_ins": check_ins,
        "consents": consents,
        "overrides": overrides,
        "events": events,
    }


def _person_part(person: Person) -> dict:
    return {
        "id": person.id,
        "preferred_name": person.preferred_name,
        "language": person.language,
        "phone": person.phone_e164,
        "date_of_birth": _iso(person.date_of_birth),
        "area": person.area,
        "status": _value(person.status),
        "closed_at": _iso(person.closed_at),
        "created_at": _iso(person.created_at),
        "updated_at": _iso(person.updated_at),
        "safe_contact": {
            "text_messages_allowed": person.sms_allowed,
            "phone_may_be_shared": person.shared_phone,
            "messages_may_name_the_organisation": person.may_name_organisation,
            # Only whether there is one: the code word is kept as a one-way hash, never shown.
            "code_word": str(_l("A code word is set") if person.has_code_word else _l("No code word is set")),
            "review_date": _iso(person.contact_review_date),
            "notes": person.contact_notes,
            "safe_windows": [
                {"weekday": w.weekday, "from": _iso(w.starts_at), "until": _iso(w.ends_at)} for w in person.safe_windows
            ],
        },
    }


def _item_part(item: PlanItem, who) -> dict:
    return {
        "id": item.id,
        "kind": _value(item.kind),
        "parent_id": item.parent_id,
        "topic": _value(item.topic),
        "domain": item.domain,
        "priority": item.priority,
        "text": item.text,
        "voice": _value(item.voice),
        "target_date": _iso(item.target_date),
        "goal_status": _value(item.goal_status),
        "owner": _value(item.owner),
        "owner_detail": item.owner_detail,
        "due_date": _iso(item.due_date),
        "done_at": _iso(item.done_at),
        "written_by": who(item.author_id),
        "written_as": item.author_role,
        "created_at": _iso(item.created_at),
        "changed_at": _iso(item.changed_at),
        "suggested_wording": None
        if item.proposed_text is None
        else {
            "text": item.proposed_text,
            "voice": _value(item.proposed_voice),
            "by": who(item.proposed_by_id),
            "at": _iso(item.proposed_at),
        },
        "history": [
            {
                "plan_version": r.plan_version,
                "action": r.action,
                "by": who(r.changed_by_id),
                "as": r.changed_by_role,
                "at": _iso(r.changed_at),
                "voice": _value(r.voice),
                "text": r.text,
                # Who suggested a wording is internal bookkeeping (an account id), not part of the entry.
                "fields": {k: v for k, v in (r.fields or {}).items() if k != "proposed_by_id"},
            }
            for r in item.revisions
        ],
        "comments": [
            {"by": who(c.author_id), "as": c.author_role, "at": _iso(c.created_at), "text": c.body}
            for c in item.comments
        ],
    }


def _plans_part(rows: dict, who) -> list[dict]:
    agreements: dict[int, list] = {}
    for a in rows["agreements"]:
        agreements.setdefault(a.plan_id, []).append(
            {"by": who(a.user_id), "as": a.role, "version": a.version, "at": _iso(a.agreed_at)}
        )
    reviews: dict[int, list] = {}
    for r in rows["reviews"]:
        reviews.setdefault(r.plan_id, []).append(
            {
                "due_date": _iso(r.due_date),
                "held_on": _iso(r.held_on),
                "went_well": r.went_well,
                "what_changed": r.what_changed,
                "next_review_date": _iso(r.next_review_date),
                "recorded_by": who(r.recorded_by_id),
                "recorded_at": _iso(r.recorded_at),
            }
        )
    return [
        {
            "id": plan.id,
            "status": _value(plan.status),
            "version": plan.version,
            "created_at": _iso(plan.created_at),
            "started_by": who(plan.created_by_id),
            "archived_at": _iso(plan.archived_at),
            "next_review_date": _iso(plan.next_review_date),
            "items": [_item_part(item, who) for item in plan.items],
            "agreements": agreements.get(plan.id, []),
            "reviews": reviews.get(plan.id, []),
        }
        for plan in rows["plans"]
    ]


def _want_names(names: _Names, rows: dict) -> None:
    names.want(*(a.advocate_id for a in rows["person"].assignments))
    for plan in rows["plans"]:
        names.want(plan.created_by_id)
        for item in plan.items:
            names.want(item.author_id, item.proposed_by_id)
            names.want(*(r.changed_by_id for r in item.revisions), *(c.author_id for c in item.comments))
    names.want(*(a.user_id for a in rows["agreements"]), *(r.recorded_by_id for r in rows["reviews"]))
    names.want(*(c.recorded_by_id for c in rows["check_ins"]))
    names.want(*(c.recorded_by_id for c in rows["consents"]), *(c.withdrawn_by_id for c in rows["consents"]))
    names.want(*(o.requested_by_id for o in rows["overrides"]), *(o.decided_by_id for o in rows["overrides"]))
    names.want(*(event.actor_id for event, _reason in rows["events"]))


def _login_part(login: User | None, rows: dict) -> dict | None:
    if login is None:
        return None
    # Never the password hash; the sessions' ids are hashes of cookie tokens and stay out too.
    return {
        "username": login.username,
        "language": login.locale,
        "active": login.active,
        "created_at": _iso(login.created_at),
        "last_login_at": _iso(login.last_login_at),
        "password_changed_at": _iso(login.password_changed_at),
        "sessions": [
            {
                "started_at": _iso(s.created_at),
                "last_seen_at": _iso(s.last_seen_at),
                "ended_at": _iso(s.ended_at),
                "end_reason": s.end_reason,
            }
            for s in rows["sessions"]
        ],
        "plan_versions_seen": [
            {"plan_id": look.plan_id, "version": look.version, "at": _iso(look.looked_at)} for look in rows["looks"]
        ],
    }


def _check_in_part(c: CheckIn, who) -> dict:
    return {
        "domain": c.domain,
        "score": c.score,
        "rated_by": _value(c.rated_by),
        "taken_on": _iso(c.taken_on),
        "note": c.note,
        "recorded_by": who(c.recorded_by_id),
        "recorded_at": _iso(c.recorded_at),
    }


def _consent_part(c: Consent, who) -> dict:
    return {
        "kind": _value(c.kind),
        "organisation": c.organisation.name if c.organisation else None,
        "purpose": c.purpose,
        "categories": _categories(c.categories),
        "statement_version": c.statement_version,
        "statement_language": c.statement_language,
        "statement_text": c.statement_text,
        "given_how": _value(c.given_how),
        "given_at": _iso(c.given_at),
        "recorded_by": who(c.recorded_by_id),
        "expires_at": _iso(c.expires_at),
        "withdrawn_at": _iso(c.withdrawn_at),
        "withdrawn_how": _value(c.withdrawn_how),
        "withdrawn_by": who(c.withdrawn_by_id),
    }


def _override_part(o: SharingOverride, who) -> dict:
    # Only overrides the person was told about (or has since been told about) are loaded.
    return {
        "organisation": o.organisation.name,
        "categories": _categories(o.categories),
        "lawful_basis": o.lawful_basis,
        "dpa_2018_condition": o.dpa_condition,
        "reasons": o.reasons,
        "what_shared": o.what_shared,
        "requested_by": who(o.requested_by_id),
        "requested_at": _iso(o.requested_at),
        "status": _value(o.status),
        "decided_by": who(o.decided_by_id),
        "decided_at": _iso(o.decided_at),
        "decision_note": o.decision_note,
        "expires_at": _iso(o.expires_at),
    }


def _event_part(event: AuditEvent, reason: str | None, who) -> dict:
    return {
        "at": _iso(event.occurred_at),
        "action": event.action,
        "what": str(describe(event.action, event.object_type)),
        "object_type": event.object_type,
        "by": who(event.actor_id),
        "as": event.actor_role,
        "reason": reason,
    }


def _referral_part(referral: Referral) -> dict:
    # What the referral is and where it stands. Notes written between advocate and organisation stay out,
    # as they do on the person's own pages; a human review of a subject access request can add them.
    return {
        "reference": referral.reference,
        "service": referral.service.name,
        "organisation": referral.organisation.name,
        "sent_on": _iso(referral.created_at),
        "shared": sorted(referral.category_set),
        "urgency": referral.urgency.value,
        "reply_by": _iso(referral.respond_by),
        "status": referral.status.value,
        "status_in_words": str(STATUS_LABELS[referral.status]),
        "decline_reason": referral.decline_reason.value if referral.decline_reason else None,
        "history": [
            {
                "status": e.status.value,
                "status_in_words": str(STATUS_LABELS[e.status]),
                "at": _iso(e.at),
                "by_role": e.by_role,
            }
            for e in referral.events
        ],
    }


def _verdict_part(verdict) -> dict:
    # The person's own answer about finished help: how useful, their words, and whether the organisation may read them.
    return {
        "referral": verdict.referral.reference,
        "service": verdict.referral.service.name,
        "organisation": verdict.referral.organisation.name,
        "how_useful_1_to_5": verdict.rating,
        "in_your_words": verdict.words,
        "organisation_may_read_your_words": verdict.organisation_may_read,
        "given_how": verdict.given_how.value,
        "given_at": _iso(verdict.given_at),
        "changed_at": _iso(verdict.updated_at),
    }


def subject_access_data(person_id: int, now: datetime | None = None) -> dict:
    """Everything held about a person and nothing about anyone else, JSON-ready (dates in ISO 8601).

    A fixed number of queries, however long the record. Text is in the language of the request.
    """
    rows = _load(person_id)
    person, login = rows["person"], rows["login"]
    who = _Names(login)
    _want_names(who, rows)
    who.load()
    return {
        "about": str(_l("Everything this service holds about you, as of the date below.")),
        "generated_at": _iso(now or utcnow()),
        "person": _person_part(person),
        "login": _login_part(login, rows),
        "advocates": [
            {"advocate": who(a.advocate_id), "lead": a.is_lead, "from": _iso(a.created_at), "until": _iso(a.ended_at)}
            for a in sorted(person.assignments, key=lambda a: (a.created_at, a.id))
        ],
        "plans": _plans_part(rows, who),
        "check_ins": [_check_in_part(c, who) for c in rows["check_ins"]],
        "consents": [_consent_part(c, who) for c in rows["consents"]],
        "sharing_without_consent": [_override_part(o, who) for o in rows["overrides"]],
        "referrals": [_referral_part(r) for r in rows["referrals"]],
        "verdicts": [_verdict_part(v) for v in verdicts.of_person(person_id)],
        "team_around_you": team_records.subject_access_part(person_id),
        "access_log": [_event_part(event, reason, who) for event, reason in rows["events"]],
    }
