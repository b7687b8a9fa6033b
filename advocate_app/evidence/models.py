"""Evaluation plans: the question, measures, people and follow-up points fixed before the work, and every
locked text with its SHA-256 digest (the lock, then each amendment with its reason)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, SmallInteger, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from advocate_app.db import Base, UTCDateTime, utcnow


class EvaluationPlan(Base):
    """What an evaluation will measure, written by a coordinator. While a draft it may be edited; once locked
    every change is an amendment (``EvaluationPlanVersion``) with a date, a reason and its own digest."""

    __tablename__ = "evaluation_plan"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    question: Mapped[str] = mapped_column(Text)
    measures: Mapped[str] = mapped_column(String(300))  # measure codes, comma-separated, in the order chosen
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    cohort_from: Mapped[date] = mapped_column(Date)  # first day of the first month plans may start in
    cohort_to: Mapped[date] = mapped_column(Date)  # first day of the last month (included)
    follow_up_months: Mapped[str] = mapped_column(String(100))  # e.g. "3,6,12"
    window_days: Mapped[int] = mapped_column(SmallInteger)
    min_cell: Mapped[int] = mapped_column(SmallInteger)
    baseline_months: Mapped[int] = mapped_column(SmallInteger, default=0)  # 0: no baseline comparison
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    locked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    versions: Mapped[list[EvaluationPlanVersion]] = relationship(
        back_populates="plan", lazy="raise_on_sql", order_by="EvaluationPlanVersion.number"
    )


class EvaluationPlanVersion(Base):
    """One locked text of a plan: number 1 is the lock, each later one an amendment. Only ever added."""

    __tablename__ = "evaluation_plan_version"
    __table_args__ = (UniqueConstraint("plan_id", "number", name="uq_evaluation_plan_version_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("evaluation_plan.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    digest: Mapped[str] = mapped_column(String(64))  # SHA-256 of ``text`` as UTF-8, in hex
    reason: Mapped[str] = mapped_column(Text, default="")  # why it was amended; empty for the lock
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    plan: Mapped[EvaluationPlan] = relationship(back_populates="versions", lazy="raise_on_sql")
