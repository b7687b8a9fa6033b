"""Referrals from an advocate to a service, and every change of their status."""

from __future__ import annotations

import enum
import secrets
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from advocate_app.db import Base, UTCDateTime, utcnow
from advocate_app.plans.models import _enum


class ReferralStatus(enum.StrEnum):
    SENT = "sent"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"
    IN_CONTACT = "in_contact"
    ENGAGED = "engaged"
    COMPLETED = "completed"
    DID_NOT_ENGAGE = "did_not_engage"
    CLOSED = "closed"


class DeclineReason(enum.StrEnum):
    NO_CAPACITY = "no_capacity"
    NOT_ELIGIBLE = "not_eligible"
    PERSON_DECLINED = "person_declined"
    UNABLE_TO_CONTACT = "unable_to_contact"
    DUPLICATE = "duplicate"
    OTHER = "other"


class Urgency(enum.StrEnum):
    ROUTINE = "routine"
    SOON = "soon"
    URGENT = "urgent"


# Where a referral may go next from each status; anything else is refused.
NEXT_STATUSES: dict[ReferralStatus, frozenset[ReferralStatus]] = {
    ReferralStatus.SENT: frozenset({ReferralStatus.ACCEPTED, ReferralStatus.DECLINED, ReferralStatus.WITHDRAWN}),
    ReferralStatus.ACCEPTED: frozenset(
        {
            ReferralStatus.IN_CONTACT,
            ReferralStatus.ENGAGED,
            ReferralStatus.COMPLETED,
            ReferralStatus.DID_NOT_ENGAGE,
            ReferralStatus.CLOSED,
            ReferralStatus.WITHDRAWN,
        }
    ),
    ReferralStatus.IN_CONTACT: frozenset(
        {
            ReferralStatus.ENGAGED,
            ReferralStatus.COMPLETED,
            ReferralStatus.DID_NOT_ENGAGE,
            ReferralStatus.CLOSED,
            ReferralStatus.WITHDRAWN,
        }
    ),
    ReferralStatus.ENGAGED: frozenset(
        {ReferralStatus.COMPLETED, ReferralStatus.DID_NOT_ENGAGE, ReferralStatus.CLOSED, ReferralStatus.WITHDRAWN}
    ),
    ReferralStatus.COMPLETED: frozenset({ReferralStatus.CLOSED}),
    ReferralStatus.DID_NOT_ENGAGE: frozenset({ReferralStatus.CLOSED}),
    ReferralStatus.DECLINED: frozenset(),
    ReferralStatus.WITHDRAWN: frozenset(),
    ReferralStatus.CLOSED: frozenset(),
}
OPEN_STATUSES = frozenset(
    {ReferralStatus.SENT, ReferralStatus.ACCEPTED, ReferralStatus.IN_CONTACT, ReferralStatus.ENGAGED}
)


def _new_reference() -> str:
    # Short enough to reply to by text ("YES 4KX7Q2"), with no 0/O or 1/I to mistype.
    return "".join(secrets.choice("ABCDEFGHJKMNPQRSTUVWXYZ23456789") for _ in range(6))


class Referral(Base):
    """A person referred to a service, resting on a consent (or an approved override) that covers what is shared."""

    __tablename__ = "referral"
    __table_args__ = (
        # The inbox counts and lists an organisation's referrals by status and reply date; the caseload
        # counts each person's referrals waiting past their reply date.
        Index("ix_referral_inbox", "organisation_id", "status", "respond_by"),
        Index("ix_referral_person_waiting", "person_id", "status", "respond_by"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(12), unique=True, default=_new_reference)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("service.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    step_id: Mapped[int | None] = mapped_column(ForeignKey("plan_item.id", ondelete="SET NULL"), index=True)
    made_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # What the organisation was told it could see, as Category values ("contact,needs").
    categories: Mapped[str] = mapped_column(String(200))
    # Indexed: whether a consent or override is spent (all its referrals over) is asked for every person an
    # inbox shows, and without them each asking read every referral.
    consent_id: Mapped[int | None] = mapped_column(ForeignKey("consent.id"), index=True)
    override_id: Mapped[int | None] = mapped_column(ForeignKey("sharing_override.id"), index=True)
    note_for_organisation: Mapped[str] = mapped_column(Text, default="")
    urgency: Mapped[Urgency] = mapped_column(_enum(Urgency), default=Urgency.ROUTINE)
    respond_by: Mapped[date] = mapped_column(Date)
    status: Mapped[ReferralStatus] = mapped_column(_enum(ReferralStatus), default=ReferralStatus.SENT, index=True)
    decline_reason: Mapped[DeclineReason | None] = mapped_column(_enum(DeclineReason))
    decline_text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    service = relationship("Service", lazy="raise_on_sql")
    organisation = relationship("Organisation", lazy="raise_on_sql")
    person = relationship("Person", lazy="raise_on_sql")
    made_by = relationship("User", lazy="raise_on_sql")
    events: Mapped[list[ReferralEvent]] = relationship(
        lazy="raise_on_sql", order_by="ReferralEvent.id", cascade="all, delete-orphan"
    )

    @property
    def category_set(self) -> frozenset[str]:
        return frozenset(c for c in self.categories.split(",") if c)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class ReferralEvent(Base):
    """One change of a referral's status: when, by whom, and a note for the record. Only added."""

    __tablename__ = "referral_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referral.id", ondelete="CASCADE"), index=True)
    status: Mapped[ReferralStatus] = mapped_column(_enum(ReferralStatus))
    decline_reason: Mapped[DeclineReason | None] = mapped_column(_enum(DeclineReason))
    note: Mapped[str] = mapped_column(Text, default="")
    by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    by_role: Mapped[str | None] = mapped_column(String(20))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    by = relationship("User", lazy="raise_on_sql")
