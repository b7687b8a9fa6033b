"""The person's verdict on help they got, and the partnership's reviews of each partner organisation."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from advocate_app.db import Base, UTCDateTime, utcnow
from advocate_app.plans.models import _enum


class VerdictGivenHow(enum.StrEnum):
    APP = "app"  # the person, signed in
    SMS = "sms"  # a number texted back to the one question
    ADVOCATE = "advocate"  # the advocate wrote down what the person said


class Verdict(Base):
    """How useful a finished referral's help was, 1 (not at all) to 5 (very), in the person's view.

    One per referral. The person's own words are read by the organisation only when the person said so.
    """

    __tablename__ = "verdict"
    __table_args__ = (Index("ix_verdict_service", "service_id", "rating"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referral.id", ondelete="CASCADE"), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("service.id"))
    rating: Mapped[int] = mapped_column(Integer)
    words: Mapped[str] = mapped_column(Text, default="")
    organisation_may_read: Mapped[bool] = mapped_column(Boolean, default=False)
    given_how: Mapped[VerdictGivenHow] = mapped_column(_enum(VerdictGivenHow))
    given_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    given_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    referral = relationship("Referral", lazy="raise_on_sql")


class ReviewDecision(enum.StrEnum):
    KEEP = "keep"
    CHANGE = "change"
    STOP = "stop"


class PartnershipReview(Base):
    """A coordinator's review of one partner organisation: the decision, the reasons, when to look again.

    A keep or change decision may also lift a stop an earlier review decided: the service is offered again for that
    need, and the review records which (``offered_again_*``)."""

    __tablename__ = "partnership_review"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    held_on: Mapped[date] = mapped_column(Date)
    held_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decision: Mapped[ReviewDecision] = mapped_column(_enum(ReviewDecision))
    change_what: Mapped[str] = mapped_column(Text, default="")
    reasons: Mapped[str] = mapped_column(Text, default="")
    next_due: Mapped[date] = mapped_column(Date)
    offered_again_service_id: Mapped[int | None] = mapped_column(ForeignKey("service.id", ondelete="SET NULL"))
    offered_again_domain: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    held_by = relationship("User", lazy="raise_on_sql")
    offered_again_service = relationship("Service", lazy="raise_on_sql")
