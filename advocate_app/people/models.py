"""The person's case record, their safe-contact profile, and who advocates for them."""

from __future__ import annotations

import enum
from datetime import date, datetime, time

from sqlalchemy import Boolean, Date, Enum, ForeignKey, Index, Integer, String, Text, Time, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from advocate_app.db import Base, UTCDateTime, utcnow


class PersonStatus(enum.StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class Person(Base):
    """Someone being supported. They may have no login: their advocate records on their behalf."""

    __tablename__ = "person"

    id: Mapped[int] = mapped_column(primary_key=True)
    preferred_name: Mapped[str] = mapped_column(String(120))
    language: Mapped[str] = mapped_column(String(8), default="en")
    phone_e164: Mapped[str | None] = mapped_column(String(20))
    date_of_birth: Mapped[date | None] = mapped_column(Date)
    area: Mapped[str] = mapped_column(String(120), default="")
    status: Mapped[PersonStatus] = mapped_column(
        Enum(PersonStatus, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e]),
        default=PersonStatus.OPEN,
    )
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set when the retention rule has removed everything that could identify them.
    anonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Safe-contact profile (DESIGN.md §3): how, when and whether we may contact them.
    sms_allowed: Mapped[bool] = mapped_column(Boolean, default=False)
    shared_phone: Mapped[bool] = mapped_column(Boolean, default=False)
    may_name_organisation: Mapped[bool] = mapped_column(Boolean, default=False)
    code_word_hash: Mapped[str | None] = mapped_column(String(255))
    contact_review_date: Mapped[date | None] = mapped_column(Date)
    contact_notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", use_alter=True))

    safe_windows: Mapped[list[SafeWindow]] = relationship(
        cascade="all, delete-orphan", lazy="raise_on_sql", order_by="SafeWindow.weekday"
    )
    assignments: Mapped[list[Assignment]] = relationship(
        back_populates="person", lazy="raise_on_sql", foreign_keys="Assignment.person_id"
    )

    @property
    def has_code_word(self) -> bool:
        return bool(self.code_word_hash)


class SafeWindow(Base):
    """On this weekday (0 = Monday), messages may arrive between these local (Europe/London) times."""

    __tablename__ = "safe_window"
    __table_args__ = (UniqueConstraint("person_id", "weekday"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    weekday: Mapped[int] = mapped_column(Integer)
    starts_at: Mapped[time] = mapped_column(Time)
    ends_at: Mapped[time] = mapped_column(Time)


class Assignment(Base):
    """An advocate working with a person; exactly one current assignment per person is the lead."""

    __tablename__ = "assignment"
    __table_args__ = (
        Index(
            "uq_assignment_one_lead",
            "person_id",
            unique=True,
            sqlite_where=text("is_lead AND ended_at IS NULL"),
            postgresql_where=text("is_lead AND ended_at IS NULL"),
        ),
        Index(
            "uq_assignment_current",
            "person_id",
            "advocate_id",
            unique=True,
            sqlite_where=text("ended_at IS NULL"),
            postgresql_where=text("ended_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    advocate_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    is_lead: Mapped[bool] = mapped_column(Boolean, default=False)
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    person: Mapped[Person] = relationship(back_populates="assignments", lazy="raise_on_sql", foreign_keys=[person_id])
    advocate = relationship("User", lazy="raise_on_sql", foreign_keys=[advocate_id])
