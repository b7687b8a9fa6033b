"""What the server keeps about offline visits: the key each visit's data is encrypted under, and every change
received from a device, by its idempotency key, with the result it was given."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from advocate_app.db import Base, UTCDateTime, utcnow


class OfflineVisit(Base):
    """One person's plan taken offline by an advocate, on one device, for a few hours.

    The device keeps the plan and its outbox encrypted under ``key`` and holds the key only in memory; the
    server hands it back on a signed-in request. When the visit ends (expiry, sign-out, a session ended from
    the server, "Remove offline data") the key is destroyed, and what the device kept can no longer be read.
    """

    __tablename__ = "offline_visit"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    # The server-side session the visit was taken in (its hash, as ``user_session.id``).
    session_id: Mapped[str | None] = mapped_column(String(64))
    # 32 random bytes, base64url; ``None`` once destroyed.
    key: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    end_reason: Mapped[str | None] = mapped_column(String(20))


class OfflineChange(Base):
    """A change a device sent, by the idempotency key it made for it: a retry gets this result back."""

    __tablename__ = "offline_change"

    # A UUID in its canonical text form.
    key: Mapped[str] = mapped_column(String(36), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    outcome: Mapped[str] = mapped_column(String(20), default="")
    result: Mapped[dict] = mapped_column(JSON, default=dict)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
