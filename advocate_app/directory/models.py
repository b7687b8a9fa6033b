"""Organisations (statutory, voluntary, other) and their services."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import Enum, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from advocate_app.db import Base, UTCDateTime, utcnow


class OrganisationKind(enum.StrEnum):
    STATUTORY = "statutory"
    VOLUNTARY = "voluntary"
    OTHER = "other"


class CapacityStatus(enum.StrEnum):
    OPEN = "open"
    WAITING_LIST = "waiting_list"
    CLOSED = "closed"


class ServiceStatus(enum.StrEnum):
    """The HSDS 3.0 service status (distinct from our capacity: a service can be active and full)."""

    ACTIVE = "active"
    INACTIVE = "inactive"
    DEFUNCT = "defunct"
    TEMPORARILY_CLOSED = "temporarily closed"


def _new_hsds_id() -> str:
    return str(uuid.uuid4())


class Organisation(Base):
    """A partner organisation; staff users belong to one."""

    __tablename__ = "organisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    hsds_id: Mapped[str] = mapped_column(String(64), unique=True, default=_new_hsds_id)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[OrganisationKind] = mapped_column(
        Enum(OrganisationKind, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e])
    )
    description: Mapped[str] = mapped_column(Text, default="")
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(32))
    website: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    last_confirmed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    services: Mapped[list[Service]] = relationship(
        back_populates="organisation", lazy="raise_on_sql", order_by="Service.name"
    )


class Service(Base):
    """Something an organisation offers that a person can be referred to."""

    __tablename__ = "service"

    id: Mapped[int] = mapped_column(primary_key=True)
    hsds_id: Mapped[str] = mapped_column(String(64), unique=True, default=_new_hsds_id)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    eligibility_description: Mapped[str] = mapped_column(Text, default="")
    minimum_age: Mapped[int | None] = mapped_column(Integer)
    maximum_age: Mapped[int | None] = mapped_column(Integer)
    area_description: Mapped[str] = mapped_column(String(500), default="")
    capacity_status: Mapped[CapacityStatus] = mapped_column(
        Enum(CapacityStatus, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e]),
        default=CapacityStatus.OPEN,
    )
    response_target_days: Mapped[int] = mapped_column(Integer, default=5)
    status: Mapped[ServiceStatus] = mapped_column(
        Enum(ServiceStatus, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e]),
        default=ServiceStatus.ACTIVE,
        server_default=ServiceStatus.ACTIVE.value,
    )
    url: Mapped[str | None] = mapped_column(String(500))
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    last_confirmed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    organisation: Mapped[Organisation] = relationship(back_populates="services", lazy="raise_on_sql")
    need_domains: Mapped[list[ServiceNeedDomain]] = relationship(cascade="all, delete-orphan", lazy="raise_on_sql")
    languages: Mapped[list[ServiceLanguage]] = relationship(cascade="all, delete-orphan", lazy="raise_on_sql")
    areas: Mapped[list[ServiceArea]] = relationship(
        cascade="all, delete-orphan", lazy="raise_on_sql", order_by="ServiceArea.id"
    )
    phones: Mapped[list[ServicePhone]] = relationship(
        cascade="all, delete-orphan", lazy="raise_on_sql", order_by="ServicePhone.id"
    )


class ServiceNeedDomain(Base):
    """A need domain (see ``advocate_app.needs``) that a service helps with."""

    __tablename__ = "service_need_domain"
    __table_args__ = (UniqueConstraint("service_id", "domain"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("service.id", ondelete="CASCADE"), index=True)
    domain: Mapped[str] = mapped_column(String(40))


class ServiceLanguage(Base):
    """A language (ISO 639 code) a service can work in."""

    __tablename__ = "service_language"
    __table_args__ = (UniqueConstraint("service_id", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("service.id", ondelete="CASCADE"), index=True)
    language: Mapped[str] = mapped_column(String(12))


class ServiceArea(Base):
    """A place a service covers (HSDS ``service_area``): a name people recognise and, optionally, more detail."""

    __tablename__ = "service_area"

    id: Mapped[int] = mapped_column(primary_key=True)
    hsds_id: Mapped[str] = mapped_column(String(64), default=_new_hsds_id)
    service_id: Mapped[int] = mapped_column(ForeignKey("service.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(500))
    description: Mapped[str] = mapped_column(Text, default="")


class ServicePhone(Base):
    """A phone number for a service (HSDS ``phone``), with a note such as when it is answered."""

    __tablename__ = "service_phone"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Not unique: HSDS feeds reuse one phone record across services and contacts.
    hsds_id: Mapped[str] = mapped_column(String(64), default=_new_hsds_id)
    service_id: Mapped[int] = mapped_column(ForeignKey("service.id", ondelete="CASCADE"), index=True)
    number: Mapped[str] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(Text, default="")


class ReferralStop(Base):
    """A partnership review's decision to stop referring to a service for one need: "find a service" no longer
    offers it there (``team.reviews`` records it; the directory and the referrals leave the service out)."""

    __tablename__ = "referral_stop"
    __table_args__ = (UniqueConstraint("service_id", "domain"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("service.id", ondelete="CASCADE"), index=True)
    domain: Mapped[str] = mapped_column(String(40))
    review_id: Mapped[int] = mapped_column(ForeignKey("partnership_review.id", ondelete="CASCADE"), index=True)
    stopped_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
