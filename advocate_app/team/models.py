"""Who leads each need (with every change kept), the order the person wants to work on their needs, the choice
made when a referral would put a second organisation on a need, and whether each action was done with the person
or about them."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from advocate_app.db import Base, UTCDateTime, utcnow
from advocate_app.plans.models import _enum


class LeadKind(enum.StrEnum):
    """Who leads the work on a need: the person, their advocate, or an organisation through an accepted referral."""

    PERSON = "person"
    ADVOCATE = "advocate"
    ORGANISATION = "organisation"


class LeadReason(enum.StrEnum):
    """Why the lead changed."""

    REFERRAL_ACCEPTED = "referral_accepted"
    REFERRAL_FINISHED = "referral_finished"
    REFERRAL_DECLINED = "referral_declined"
    REFERRAL_WITHDRAWN = "referral_withdrawn"
    CHOSEN = "chosen"


class NeedLead(Base):
    """One stretch of time in which someone led a need. Only the current one has no end; rows are kept."""

    __tablename__ = "need_lead"
    __table_args__ = (
        Index(
            "uq_need_lead_current",
            "need_id",
            unique=True,
            sqlite_where=text("ended_at IS NULL"),
            postgresql_where=text("ended_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int] = mapped_column(ForeignKey("plan_item.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    kind: Mapped[LeadKind] = mapped_column(_enum(LeadKind))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    referral_id: Mapped[int | None] = mapped_column(ForeignKey("referral.id", ondelete="SET NULL"), index=True)
    reason: Mapped[LeadReason] = mapped_column(_enum(LeadReason))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    organisation = relationship("Organisation", lazy="raise_on_sql")


class NeedOrder(Base):
    """Where a need comes in the order the person and their advocate want to work on them (1 first)."""

    __tablename__ = "need_order"

    need_id: Mapped[int] = mapped_column(ForeignKey("plan_item.id", ondelete="CASCADE"), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    set_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    set_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class OverlapChoice(enum.StrEnum):
    """What the advocate chose when another organisation already led the need."""

    WAIT = "wait"
    REPLACE = "replace"
    SEND_ANYWAY = "send_anyway"


class OverlapDecision(Base):
    """A referral would have put a second organisation on a need: who was leading, and what the advocate chose."""

    __tablename__ = "overlap_decision"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    need_id: Mapped[int | None] = mapped_column(ForeignKey("plan_item.id", ondelete="SET NULL"))
    leading_organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    leading_referral_id: Mapped[int | None] = mapped_column(ForeignKey("referral.id", ondelete="SET NULL"), index=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("service.id"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    choice: Mapped[OverlapChoice] = mapped_column(_enum(OverlapChoice))
    reason: Mapped[str] = mapped_column(Text, default="")
    # Waiting: the step that reminds the advocate; sending: the referral sent.
    step_id: Mapped[int | None] = mapped_column(ForeignKey("plan_item.id", ondelete="SET NULL"))
    referral_id: Mapped[int | None] = mapped_column(ForeignKey("referral.id", ondelete="SET NULL"))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Waiting: when the leading organisation finished, so the referral can be made now.
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    leading_organisation = relationship("Organisation", foreign_keys=[leading_organisation_id], lazy="raise_on_sql")
    service = relationship("Service", lazy="raise_on_sql")


class ContactMode(enum.StrEnum):
    """How an action was done: with the person (the first four) or about them (the last three)."""

    FACE_TO_FACE = "face_to_face"
    PHONE = "phone"
    TEXT = "text"
    APP_TOGETHER = "app_together"
    PROFESSIONALS = "professionals"
    MEETING = "meeting"
    PAPERWORK = "paperwork"


WITH_PERSON = frozenset({ContactMode.FACE_TO_FACE, ContactMode.PHONE, ContactMode.TEXT, ContactMode.APP_TOGETHER})


class ActionKind(enum.StrEnum):
    """What kind of action a contact record is about."""

    STEP = "step"
    NOTE = "note"
    TASK = "task"
    REFERRAL = "referral"  # an organisation recording what happened with a referral


class ContactRecord(Base):
    """One action by a member of staff (a step ticked off, a note, a task dealt with, an update on a referral): with
    the person or about them."""

    __tablename__ = "contact_record"
    __table_args__ = (Index("ix_contact_record_person_at", "person_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    action: Mapped[ActionKind] = mapped_column(_enum(ActionKind))
    object_id: Mapped[int | None] = mapped_column(Integer)
    mode: Mapped[ContactMode] = mapped_column(_enum(ContactMode))
    with_person: Mapped[bool] = mapped_column(default=False)
    by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    by_role: Mapped[str] = mapped_column(String(20))
    # The organisation of whoever did it, when the evidence is counted per organisation.
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ContactDefault(Base):
    """The way of working a member of staff chose last: the next form starts with it."""

    __tablename__ = "contact_default"

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    mode: Mapped[ContactMode] = mapped_column(_enum(ContactMode))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
