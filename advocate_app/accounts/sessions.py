"""Server-side sessions: started at sign-in, checked on every request, ended everywhere at once."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm.attributes import set_committed_value

from advocate_app import db
from advocate_app.accounts.models import User, UserSession
from advocate_app.db import utcnow
from advocate_app.people.models import Person

# Writing last_seen_at on every request would make every page a write; a minute's slack is plenty
# against a 15-minute idle timeout.
TOUCH_INTERVAL = timedelta(seconds=60)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def start(user: User) -> str:
    """Open a session for ``user`` and return the token for the cookie (only its hash is stored)."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    db.session.add(UserSession(id=_hash(token), user_id=user.id, created_at=now, last_seen_at=now))
    return token


def user_and_session(
    token: str | None, user_id: int, *, with_person: bool = False
) -> tuple[User | None, UserSession | None]:
    """A user and their session behind ``token``, in one query (every request asks for both).

    ``with_person``: the user is likely a person supported (their cookie says so), whose every page is about their
    own record: it comes in the same query, as ``user.person`` (a statement fewer on their plan page). It decides
    only what is read; what the user may see is decided from the user read.
    """
    if not isinstance(token, str) or not token:
        return db.session.get(User, user_id), None
    statement = (
        select(User, UserSession, Person).outerjoin(Person, Person.id == User.person_id)
        if with_person
        else select(User, UserSession)
    )
    row = db.session.execute(
        statement.outerjoin(UserSession, (UserSession.user_id == User.id) & (UserSession.id == _hash(token))).where(
            User.id == user_id
        )
    ).first()
    if row is None:
        return None, None
    if with_person:
        # Held by the user, so that ``session.get(Person, ...)`` finds it (the identity map holds records weakly).
        set_committed_value(row[0], "person", row[2])
    return row[0], row[1]


def resume(
    token: str | None,
    user_id: int,
    *,
    idle_timeout: timedelta,
    absolute_lifetime: timedelta,
    now: datetime | None = None,
    record: UserSession | None = None,
) -> UserSession | None:
    """The live session for this token and user, or ``None`` when it has ended, idled out or grown too old.

    :param idle_timeout: how long the session may go unused (shorter for individuals).
    :param absolute_lifetime: how long any session may last from sign-in, however busy.
    :param record: the session behind ``token`` when the caller has it already (``user_and_session``).
    """
    if not token:
        return None
    now = now or utcnow()
    record = record or db.session.get(UserSession, _hash(token))
    if record is None or record.user_id != user_id or record.ended_at is not None:
        return None
    if now - record.created_at > absolute_lifetime:
        _end(record, "absolute_timeout", now)
        return None
    if now - record.last_seen_at > idle_timeout:
        _end(record, "idle_timeout", now)
        return None
    if now - record.last_seen_at > TOUCH_INTERVAL:
        record.last_seen_at = now
    return record


def _end(record: UserSession, reason: str, now: datetime) -> None:
    record.ended_at = now
    record.end_reason = reason


def end(token: str | None, reason: str = "logout") -> None:
    """End the session behind ``token``, if there is one."""
    if not token:
        return
    record = db.session.get(UserSession, _hash(token))
    if record is not None and record.ended_at is None:
        _end(record, reason, utcnow())


def end_all(user_id: int, reason: str, keep_token: str | None = None) -> int:
    """End every live session of a user (password change, deactivation), optionally keeping one.

    :returns: how many sessions were ended.
    """
    statement = (
        update(UserSession)
        .where(UserSession.user_id == user_id, UserSession.ended_at.is_(None))
        .values(ended_at=utcnow(), end_reason=reason)
    )
    if keep_token:
        statement = statement.where(UserSession.id != _hash(keep_token))
    return db.session.execute(statement, execution_options={"synchronize_session": False}).rowcount


def live_count(user_id: int) -> int:
    """How many sessions of a user are still open (for tests and the account page)."""
    return len(
        db.session.scalars(
            select(UserSession.id).where(UserSession.user_id == user_id, UserSession.ended_at.is_(None))
        ).all()
    )
