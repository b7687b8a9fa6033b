"""The consent ledger, safeguarding overrides, harm links between people, and break-glass access.

Consents are only ever added; the one change allowed afterwards is recording a withdrawal, once.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ColumnElement, ForeignKey, Index, String, Text, UniqueConstraint, and_, event, inspect
from sqlalchemy.ext.hybrid import hybrid_method
from sqlalchemy.orm import Mapped, mapped_column, relationship

from advocate_app.db import Base, UTCDateTime, utcnow
from advocate_app.plans.models import _enum


class ConsentKind(enum.StrEnum):
    SMS = "sms"
    SHARING = "sharing"


class Category(enum.StrEnum):
    """Kinds of information a consent (or an override) lets an organisation see."""

    CONTACT = "contact"
    NEEDS = "needs"
    PLAN = "plan"
    NOTES = "notes"
    CHECK_INS = "check_ins"  # the ratings only
    CHECK_IN_NOTES = "check_in_notes"  # the notes written with them, chosen separately


class Purpose(enum.StrEnum):
    """What an organisation may use shared information for: a list in every language, or the person's own words."""

    SAFETY = "safety"
    HOUSING = "housing"
    MONEY = "money"
    HEALTH = "health"
    FAMILY = "family"
    WORK = "work"
    DRUGS_ALCOHOL = "drugs_alcohol"
    OTHER = "other"


class GivenHow(enum.StrEnum):
    IN_APP = "in_app"
    VERBAL = "verbal"
    SMS_REPLY = "sms_reply"


class OverrideStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    ENDED = "ended"


class Consent(Base):
    """One consent as given: the exact words shown, how, by whom recorded, until when."""

    __tablename__ = "consent"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    kind: Mapped[ConsentKind] = mapped_column(_enum(ConsentKind))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    # A Purpose value; for "other" (and for consents given before the list) ``purpose`` holds the words typed.
    purpose_code: Mapped[str] = mapped_column(String(20), default="", server_default="")
    purpose: Mapped[str] = mapped_column(String(300), default="")
    # Categories covered, as a sorted comma-separated list of Category values ("contact,needs").
    categories: Mapped[str] = mapped_column(String(200), default="")
    statement_version: Mapped[int]
    statement_language: Mapped[str] = mapped_column(String(8))
    statement_text: Mapped[str] = mapped_column(Text)
    given_how: Mapped[GivenHow] = mapped_column(_enum(GivenHow))
    given_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_how: Mapped[GivenHow | None] = mapped_column(_enum(GivenHow))
    withdrawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    organisation = relationship("Organisation", lazy="raise_on_sql")
    recorded_by = relationship("User", foreign_keys=[recorded_by_id], lazy="raise_on_sql")
    withdrawn_by = relationship("User", foreign_keys=[withdrawn_by_id], lazy="raise_on_sql")

    @property
    def category_set(self) -> frozenset[Category]:
        return frozenset(Category(c) for c in self.categories.split(",") if c)

    @hybrid_method
    def in_force(self, at: datetime) -> bool:
        """True while the consent is neither withdrawn nor expired at ``at``; on the class, the same rule as SQL."""
        return self.withdrawn_at is None and self.expires_at > at

    @in_force.inplace.expression
    @classmethod
    def _in_force_in_sql(cls, at: datetime) -> ColumnElement[bool]:
        return and_(cls.withdrawn_at.is_(None), cls.expires_at > at)

    def is_active(self, now: datetime) -> bool:
        """The same as ``in_force`` (the name the consent pages still use)."""
        return self.in_force(now)

    def covers(self, organisation_id: int, category: Category, now: datetime) -> bool:
        """True while this consent lets ``organisation_id`` see ``category``."""
        return (
            self.kind is ConsentKind.SHARING
            and self.organisation_id == organisation_id
            and category in self.category_set
            and self.in_force(now)
        )


_WITHDRAWAL_FIELDS = {"withdrawn_at", "withdrawn_how", "withdrawn_by_id"}


@event.listens_for(Consent, "before_update")
def _consents_are_append_only(_mapper, _connection, target: Consent) -> None:
    state = inspect(target)
    for attribute in state.attrs:
        history = attribute.history
        if not history.has_changes():
            continue
        if attribute.key not in _WITHDRAWAL_FIELDS or (history.deleted and history.deleted[0] is not None):
            raise PermissionError(f"a consent cannot be changed once given ({attribute.key})")


@event.listens_for(Consent, "before_delete")
def _consents_are_never_deleted(_mapper, _connection, _target) -> None:
    raise PermissionError("consents are never deleted")


class SharingOverride(Base):
    """Sharing without consent to safeguard someone: lawful basis, DPA 2018 Schedule 1 condition, reasons.

    It takes effect only once a coordinator approves it.
    """

    __tablename__ = "sharing_override"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    categories: Mapped[str] = mapped_column(String(200))
    lawful_basis: Mapped[str] = mapped_column(String(40))
    dpa_condition: Mapped[str] = mapped_column(String(40))
    reasons: Mapped[str] = mapped_column(Text)
    what_shared: Mapped[str] = mapped_column(Text, default="")
    person_told: Mapped[bool]
    not_told_reason: Mapped[str] = mapped_column(Text, default="")
    # When a coordinator recorded that the person has now been told (only for a share they were not told of).
    told_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    told_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status: Mapped[OverrideStatus] = mapped_column(_enum(OverrideStatus), default=OverrideStatus.PENDING)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_note: Mapped[str] = mapped_column(Text, default="")
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)

    organisation = relationship("Organisation", lazy="raise_on_sql")
    requested_by = relationship("User", foreign_keys=[requested_by_id], lazy="raise_on_sql")
    decided_by = relationship("User", foreign_keys=[decided_by_id], lazy="raise_on_sql")

    @property
    def category_set(self) -> frozenset[Category]:
        return frozenset(Category(c) for c in self.categories.split(",") if c)

    @property
    def kept_from_person(self) -> bool:
        """True while the decision not to tell the person holds (until a coordinator records they were told)."""
        return not self.person_told and self.told_at is None

    def covers(self, organisation_id: int, category: Category, now: datetime) -> bool:
        return (
            self.status is OverrideStatus.APPROVED
            and self.organisation_id == organisation_id
            and category in self.category_set
            and self.expires_at > now
        )


class PersonLink(Base):
    """A harm relationship between two people (e.g. victim and alleged perpetrator): an information wall."""

    __tablename__ = "person_link"
    __table_args__ = (
        UniqueConstraint("person_id", "other_person_id"),
        Index("ix_person_link_other", "other_person_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    other_person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    description: Mapped[str] = mapped_column(String(200), default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class LeadJustification(Base):
    """Why one advocate is lead for two people with a harm link between them."""

    __tablename__ = "lead_justification"

    id: Mapped[int] = mapped_column(primary_key=True)
    advocate_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    link_id: Mapped[int] = mapped_column(ForeignKey("person_link.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class BreakGlass(Base):
    """A coordinator opening a person's record for a stated reason, for a short time."""

    __tablename__ = "break_glass"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)

    user = relationship("User", lazy="raise_on_sql")
