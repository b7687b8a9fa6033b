"""Users, their server-side sessions, and one-time setup codes."""

from __future__ import annotations

import enum
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import BigInteger, Boolean, Enum, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from advocate_app.db import Base, UTCDateTime, utcnow


class Role(enum.StrEnum):
    INDIVIDUAL = "individual"
    ADVOCATE = "advocate"
    ORG_WORKER = "org_worker"
    COORDINATOR = "coordinator"

    @property
    def is_staff(self) -> bool:
        return self is not Role.INDIVIDUAL

    @property
    def works_for_organisation(self) -> bool:
        """An organisation's worker's account belongs to their organisation."""
        return self is Role.ORG_WORKER


STAFF_ROLES = (Role.ADVOCATE, Role.ORG_WORKER, Role.COORDINATOR)


class User(UserMixin, Base):
    """Someone who can sign in: staff by email, an individual by the username they chose."""

    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    username: Mapped[str | None] = mapped_column(String(40), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(
        Enum(Role, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e])
    )
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), unique=True)
    locale: Mapped[str | None] = mapped_column(String(8))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Second factor (TOTP): the base32 secret is set when enrolment starts and counts once confirmed.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The last 30-second time step whose code was accepted: a code works once, never replayed.
    totp_last_counter: Mapped[int | None] = mapped_column(BigInteger)

    organisation = relationship("Organisation", lazy="raise_on_sql")
    person = relationship("Person", lazy="raise_on_sql", foreign_keys=[person_id])

    @property
    def is_active(self) -> bool:  # Flask-Login asks this
        return self.active

    @property
    def is_staff(self) -> bool:
        return self.role.is_staff

    @property
    def has_second_factor(self) -> bool:
        return self.totp_enabled_at is not None

    @property
    def sign_in_name(self) -> str:
        return self.email or self.username or ""


class UserSession(Base):
    """A signed-in session kept on the server, so it can be ended everywhere at once."""

    __tablename__ = "user_session"

    # SHA-256 of the random token carried in the signed cookie; the token itself is never stored.
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    end_reason: Mapped[str | None] = mapped_column(String(40))

    user: Mapped[User] = relationship(lazy="raise_on_sql")


class SetupCode(Base):
    """A short-lived, single-use code shown on one screen and typed on another to set up a login."""

    __tablename__ = "setup_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # Either an existing staff account without a password, or a person who will get a new login.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class RecoveryCode(Base):
    """A single-use code that stands in for the authenticator app once (phone lost or replaced)."""

    __tablename__ = "recovery_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    # Argon2id, like passwords: a recovery code is short enough to be worth guessing offline.
    code_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
