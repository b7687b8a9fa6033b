"""A person's plan and everything in it, written by the person and their advocate together.

Every entry keeps who wrote it, in what role, and whose voice it is. When one party rewords the
other's entry the new wording waits beside the original until the owner accepts it; every change is
kept as a revision.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import JSON, Date, Enum, ForeignKey, Index, Integer, SmallInteger, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from advocate_app.db import Base, UTCDateTime, utcnow


def _enum(cls):
    return Enum(cls, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e])


class PlanStatus(enum.StrEnum):
    ACTIVE = "active"
    ARCHIVED = "archived"


class ItemKind(enum.StrEnum):
    ABOUT = "about"
    NEED = "need"
    GOAL = "goal"
    STEP = "step"


class AboutTopic(enum.StrEnum):
    MATTERS = "matters"
    STRENGTHS = "strengths"
    HELPED = "helped"
    SUPPORTS = "supports"


class Voice(enum.StrEnum):
    """Whose words an entry is in: the person's own, or their advocate's."""

    PERSON = "person"
    ADVOCATE = "advocate"


class GoalStatus(enum.StrEnum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    ACHIEVED = "achieved"
    CHANGED = "changed"
    STOPPED = "stopped"


class StepOwner(enum.StrEnum):
    ME = "me"
    ADVOCATE = "advocate"
    ORGANISATION = "organisation"


class Priority(enum.IntEnum):
    HIGH = 1
    MEDIUM = 2
    LOW = 3


class RatedBy(enum.StrEnum):
    PERSON = "person"
    ADVOCATE = "advocate"
    TOGETHER = "together"


class Plan(Base):
    """One person's plan. Exactly one is active; earlier ones are kept, read-only."""

    __tablename__ = "plan"
    __table_args__ = (
        Index(
            "uq_plan_one_active",
            "person_id",
            unique=True,
            sqlite_where=text("status = 'active'"),
            postgresql_where=text("status = 'active'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    status: Mapped[PlanStatus] = mapped_column(_enum(PlanStatus), default=PlanStatus.ACTIVE)
    # Goes up by one with every change, so an agreement or a look can name what it saw.
    version: Mapped[int] = mapped_column(Integer, default=0)
    next_review_date: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    items: Mapped[list[PlanItem]] = relationship(back_populates="plan", lazy="raise_on_sql", order_by="PlanItem.id")


class PlanItem(Base):
    """An entry in a plan: an "about me" answer, a need, a goal (under a need) or a step (under a goal)."""

    __tablename__ = "plan_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"), index=True)
    kind: Mapped[ItemKind] = mapped_column(_enum(ItemKind))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("plan_item.id", ondelete="CASCADE"), index=True)
    topic: Mapped[AboutTopic | None] = mapped_column(_enum(AboutTopic))
    domain: Mapped[str | None] = mapped_column(String(40))
    priority: Mapped[int | None] = mapped_column(SmallInteger)
    text: Mapped[str] = mapped_column(Text)
    voice: Mapped[Voice] = mapped_column(_enum(Voice))
    target_date: Mapped[date | None] = mapped_column(Date)
    goal_status: Mapped[GoalStatus | None] = mapped_column(_enum(GoalStatus))
    owner: Mapped[StepOwner | None] = mapped_column(_enum(StepOwner))
    owner_detail: Mapped[str | None] = mapped_column(String(200))
    due_date: Mapped[date | None] = mapped_column(Date)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    author_role: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The last change: what version it made, by whom and in what role (drives "changed since you looked").
    changed_version: Mapped[int] = mapped_column(Integer, default=0)
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    changed_by_role: Mapped[str] = mapped_column(String(20))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Goes up by one with every change to the entry (not with a comment on it): an edit form carries the
    # version it showed, so a save over someone else's later change is noticed rather than applied blindly.
    version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # A rewording by the other party, waiting beside the original until the owner of the words decides.
    proposed_text: Mapped[str | None] = mapped_column(Text)
    proposed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    proposed_voice: Mapped[Voice | None] = mapped_column(_enum(Voice))
    proposed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Who wrote the words that stand now (none: the author), and, when they came from an accepted
    # suggestion, who agreed them: credit says so instead of naming whoever touched the entry last.
    worded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    worded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    words_agreed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # The role of whoever agreed them ("individual" with no user: the person agreed in person, recorded by staff).
    words_agreed_role: Mapped[str | None] = mapped_column(String(20))

    plan: Mapped[Plan] = relationship(back_populates="items", lazy="raise_on_sql")
    author = relationship("User", foreign_keys=[author_id], lazy="raise_on_sql")
    changed_by = relationship("User", foreign_keys=[changed_by_id], lazy="raise_on_sql")
    proposed_by = relationship("User", foreign_keys=[proposed_by_id], lazy="raise_on_sql")
    worded_by = relationship("User", foreign_keys=[worded_by_id], lazy="raise_on_sql")
    words_agreed_by = relationship("User", foreign_keys=[words_agreed_by_id], lazy="raise_on_sql")
    revisions: Mapped[list[PlanItemRevision]] = relationship(
        lazy="raise_on_sql", order_by="PlanItemRevision.id", cascade="all, delete-orphan"
    )
    comments: Mapped[list[PlanComment]] = relationship(
        lazy="raise_on_sql", order_by="PlanComment.id", cascade="all, delete-orphan"
    )

    @property
    def is_done(self) -> bool:
        return self.done_at is not None


class PlanItemRevision(Base):
    """One change to an entry, as it was after the change. Rows are only added."""

    __tablename__ = "plan_item_revision"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("plan_item.id", ondelete="CASCADE"), index=True)
    plan_version: Mapped[int] = mapped_column(Integer)
    # The entry's version this change made (none for history kept before entries had versions).
    item_version: Mapped[int | None] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(30))
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    changed_by_role: Mapped[str] = mapped_column(String(20))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    voice: Mapped[Voice | None] = mapped_column(_enum(Voice))
    text: Mapped[str | None] = mapped_column(Text)
    # Every field of the entry as it stood after the change (wording, priority, dates, who does a step,
    # status, a waiting suggestion); history kept before this covered the fields other than the wording.
    fields: Mapped[dict] = mapped_column(JSON, default=dict)

    changed_by = relationship("User", lazy="raise_on_sql")


class PlanComment(Base):
    """A message in the conversation on one entry of a plan."""

    __tablename__ = "plan_comment"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("plan_item.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    author_role: Mapped[str] = mapped_column(String(20))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    plan_version: Mapped[int] = mapped_column(Integer)

    author = relationship("User", lazy="raise_on_sql")


class PlanAgreement(Base):
    """Someone agreed the plan as it stood at ``version``."""

    __tablename__ = "plan_agreement"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    role: Mapped[str] = mapped_column(String(20))
    version: Mapped[int] = mapped_column(Integer)
    agreed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Agreement taken back: kept (what was agreed stays in the history), no longer counted.
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user = relationship("User", lazy="raise_on_sql")


class PlanLook(Base):
    """The plan version a user last saw, so later changes by others can be pointed out."""

    __tablename__ = "plan_look"
    __table_args__ = (Index("uq_plan_look_plan_user", "plan_id", "user_id", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    looked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Review(Base):
    """A plan review held: what went well, what changed, and when the next one is."""

    __tablename__ = "plan_review"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"), index=True)
    due_date: Mapped[date | None] = mapped_column(Date)
    held_on: Mapped[date] = mapped_column(Date)
    went_well: Mapped[str] = mapped_column(Text, default="")
    what_changed: Mapped[str] = mapped_column(Text, default="")
    next_review_date: Mapped[date] = mapped_column(Date)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    recorded_by = relationship("User", lazy="raise_on_sql")


class CheckIn(Base):
    """How things are in one need domain, 1 (very hard) to 10 (going well), on a day."""

    __tablename__ = "check_in"
    # Each person's readings per domain and rater in date order: the evidence dashboard's first-and-latest
    # window reads them without sorting.
    __table_args__ = (Index("ix_check_in_journey", "person_id", "domain", "rated_by", "taken_on", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    domain: Mapped[str] = mapped_column(String(40))
    score: Mapped[int] = mapped_column(SmallInteger)
    rated_by: Mapped[RatedBy] = mapped_column(_enum(RatedBy))
    note: Mapped[str] = mapped_column(Text, default="")
    taken_on: Mapped[date] = mapped_column(Date)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
