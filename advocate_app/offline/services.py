"""Offline visits: taking a person's plan offline, handing its key back, and ending visits.

The key design (see README, "Offline visits"): each visit gets 32 random bytes from the server. The device
encrypts what it keeps (the plan and the outbox) with AES-GCM under that key and holds the key only in memory;
the server keeps the key until the visit ends and hands it back, on a signed-in request by the same advocate, to
unlock what the device kept. Ending a visit destroys the key, so the device's copy becomes unreadable.
"""

from __future__ import annotations

import base64
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select, update

from advocate_app import db
from advocate_app.accounts import sessions
from advocate_app.accounts.models import User, UserSession
from advocate_app.audit.services import record as audit
from advocate_app.db import utcnow
from advocate_app.offline.models import OfflineVisit

# Sessions that ran out of time while the advocate was offline: their visits live on, so the outbox sends after
# signing in again. Any other end (signing out, "Exit this page", a password change, an account closed, codes
# reset) was someone's decision, and ends the visits taken in that session.
_TIMED_OUT = ("idle_timeout", "absolute_timeout")


def session_hash(token: str | None) -> str | None:
    """The id under which the server keeps the session behind a cookie's token (as ``accounts.sessions`` does)."""
    return sessions._hash(token) if token else None


def take(person_id: int, *, by: User, session_id: str | None, lifetime: timedelta, now: datetime | None = None):
    """Start (or carry on) the advocate's offline visit to a person on this device, and return it.

    A visit already live in this session is reused with its key, so taking the plan again refreshes the copy
    without making the device's outbox unreadable.
    """
    now = now or utcnow()
    visit = db.session.scalar(
        select(OfflineVisit)
        .where(
            OfflineVisit.user_id == by.id,
            OfflineVisit.person_id == person_id,
            OfflineVisit.session_id == session_id,
            OfflineVisit.ended_at.is_(None),
            OfflineVisit.expires_at > now,
        )
        .order_by(OfflineVisit.id.desc())
        .limit(1)
    )
    if visit is None:
        visit = OfflineVisit(
            user_id=by.id,
            person_id=person_id,
            session_id=session_id,
            key=base64.urlsafe_b64encode(secrets.token_bytes(32)).decode("ascii"),
            created_at=now,
            expires_at=now + lifetime,
        )
        db.session.add(visit)
        db.session.flush()
    audit("offline_take", actor=by, person_id=person_id, object_type="offline_visit", object_id=visit.id)
    return visit


def end_visit(visit: OfflineVisit, reason: str, now: datetime | None = None) -> None:
    """End a visit and destroy its key."""
    visit.key = None
    visit.ended_at = visit.ended_at or now or utcnow()
    visit.end_reason = visit.end_reason or reason


def forget_ended(user_id: int, now: datetime | None = None) -> None:
    """Destroy the keys of the user's visits that have expired or whose session someone ended on purpose."""
    now = now or utcnow()
    ended_on_purpose = select(UserSession.id).where(
        UserSession.user_id == user_id,
        UserSession.ended_at.is_not(None),
        UserSession.end_reason.not_in(_TIMED_OUT),
    )
    live = (OfflineVisit.user_id == user_id) & OfflineVisit.ended_at.is_(None)
    for reason, condition in (
        ("expired", OfflineVisit.expires_at <= now),
        ("signed_out", OfflineVisit.session_id.in_(ended_on_purpose)),
    ):
        db.session.execute(
            update(OfflineVisit).where(live, condition).values(key=None, ended_at=now, end_reason=reason),
            execution_options={"synchronize_session": False},
        )


def forget_all(user_id: int, reason: str = "removed", now: datetime | None = None) -> int:
    """End every live visit of the user ("Remove offline data"); returns how many."""
    result = db.session.execute(
        update(OfflineVisit)
        .where(OfflineVisit.user_id == user_id, OfflineVisit.ended_at.is_(None))
        .values(key=None, ended_at=now or utcnow(), end_reason=reason),
        execution_options={"synchronize_session": False},
    )
    return result.rowcount


def keys_for(visit_ids: list[int], *, by: User, now: datetime | None = None) -> dict[int, dict]:
    """The keys of those of ``visit_ids`` that are the user's and still live, with when each expires.

    Visits of someone else, ended or expired are simply left out: the device forgets what it cannot unlock.
    """
    now = now or utcnow()
    forget_ended(by.id, now)
    if not visit_ids:
        return {}
    visits = db.session.scalars(
        select(OfflineVisit).where(
            OfflineVisit.id.in_(visit_ids),
            OfflineVisit.user_id == by.id,
            OfflineVisit.ended_at.is_(None),
            OfflineVisit.key.is_not(None),
            OfflineVisit.expires_at > now,
        )
    )
    return {
        visit.id: {"key": visit.key, "person": visit.person_id, "expires_at": visit.expires_at.isoformat()}
        for visit in visits
    }


def live_visit(visit_id: int, *, by: User, now: datetime | None = None) -> OfflineVisit | None:
    """The user's visit, while it is live."""
    visit = db.session.get(OfflineVisit, visit_id)
    if visit is None or visit.user_id != by.id or visit.ended_at is not None or visit.expires_at <= (now or utcnow()):
        return None
    return visit
