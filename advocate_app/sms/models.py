"""The text-message outbox, replies received, the state of each number, and the advocate's message inbox."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from advocate_app.db import Base, UTCDateTime, utcnow
from advocate_app.plans.models import _enum


class MessageStatus(enum.StrEnum):
    QUEUED = "queued"
    HELD = "held"
    SENDING = "sending"
    SENT = "sent"
    DELIVERED = "delivered"
    UNDELIVERED = "undelivered"
    FAILED = "failed"
    CANCELLED = "cancelled"
    IN_DOUBT = "in_doubt"


# Waiting for the dispatcher: it picks these up when their next attempt is due.
WAITING = frozenset({MessageStatus.QUEUED, MessageStatus.HELD, MessageStatus.IN_DOUBT})
# Handed to the provider (or possibly so): these count towards the daily limit.
GONE_OUT = frozenset(
    {
        MessageStatus.SENDING,
        MessageStatus.SENT,
        MessageStatus.DELIVERED,
        MessageStatus.UNDELIVERED,
        MessageStatus.IN_DOUBT,
    }
)


class MessageKind(enum.StrEnum):
    STEP_DUE = "step_due"
    REVIEW_DUE = "review_due"
    REVIEW_DUE_ADVOCATE = "review_due_advocate"
    REFERRAL_RESPOND_BY = "referral_respond_by"
    CHECK_IN = "check_in"
    VERDICT = "verdict"


class SmsMessage(Base):
    """One text in the outbox, from queued to delivered (or held, cancelled, failed)."""

    __tablename__ = "sms_message"
    __table_args__ = (
        Index("ix_sms_message_due", "status", "next_attempt_at"),
        Index("ix_sms_message_subject", "kind", "subject_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Exactly one of these: the person supported, or a member of staff.
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    to_number: Mapped[str] = mapped_column(String(20), index=True)
    kind: Mapped[MessageKind] = mapped_column(_enum(MessageKind))
    # What it is about (a step, a plan, a referral): lets a change to the record cancel it.
    subject_id: Mapped[int | None] = mapped_column(Integer)
    template: Mapped[str] = mapped_column(String(40))
    # What the template is filled with (dates as ISO text), so the words can be written again in a new language.
    template_values: Mapped[dict] = mapped_column(JSON, default=dict)
    language: Mapped[str] = mapped_column(String(8))
    body: Mapped[str] = mapped_column(Text)
    earliest_at: Mapped[datetime] = mapped_column(UTCDateTime)
    latest_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[MessageStatus] = mapped_column(_enum(MessageStatus), default=MessageStatus.QUEUED)
    # Why it is held, cancelled or failed, in our words (outside_window, daily_limit, no_consent…).
    status_reason: Mapped[str] = mapped_column(String(40), default="")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    first_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    provider_sid: Mapped[str | None] = mapped_column(String(64), unique=True)
    error_code: Mapped[str | None] = mapped_column(String(20))
    idempotency_key: Mapped[str] = mapped_column(String(80), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class InboundSms(Base):
    """A text received, kept once per provider message id, with what we did about it."""

    __tablename__ = "sms_inbound"

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_sid: Mapped[str] = mapped_column(String(64), unique=True)
    from_number: Mapped[str] = mapped_column(String(32), index=True)
    body: Mapped[str] = mapped_column(Text, default="")
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    # What it was taken as: stop, start, help, pause, step_done, check_in, referral_accepted, inbox…
    handled_as: Mapped[str] = mapped_column(String(40), default="")
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SmsNumber(Base):
    """What we know about a mobile number: opted out, paused, or refused by the network for good."""

    __tablename__ = "sms_number"

    number: Mapped[str] = mapped_column(String(20), primary_key=True)
    opted_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    paused_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    failed_code: Mapped[str | None] = mapped_column(String(20))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def blocked(self) -> bool:
        return bool(self.opted_out_at or self.paused_at or self.failed_at)


class StaffNumber(Base):
    """A member of staff's mobile, for their own reminders and for answering referrals by text."""

    __tablename__ = "sms_staff_number"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), unique=True)
    number: Mapped[str] = mapped_column(String(20), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TaskKind(enum.StrEnum):
    REPLY = "reply"
    HELP_ASKED = "help_asked"
    REARRANGE = "rearrange"
    PAUSED = "paused"
    OPTED_OUT = "opted_out"
    OPTED_IN = "opted_in"
    NUMBER_FAILED = "number_failed"
    NOT_SENT = "not_sent"
    LOW_CHECK_IN = "low_check_in"


class SmsTask(Base):
    """Something from the text messages that the person's advocate should see or act on."""

    __tablename__ = "sms_task"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    kind: Mapped[TaskKind] = mapped_column(_enum(TaskKind))
    inbound_id: Mapped[int | None] = mapped_column(ForeignKey("sms_inbound.id", ondelete="SET NULL"))
    message_id: Mapped[int | None] = mapped_column(ForeignKey("sms_message.id", ondelete="SET NULL"))
    # The plan step a numbered reply was about, if any.
    item_id: Mapped[int | None] = mapped_column(ForeignKey("plan_item.id", ondelete="SET NULL"))
    detail: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    inbound = relationship("InboundSms", lazy="raise_on_sql")
    item = relationship("PlanItem", lazy="raise_on_sql")
