"""Rules for the directory of organisations and services."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from advocate_app import db
from advocate_app.accounts.models import User
from advocate_app.audit.services import record as audit
from advocate_app.db import utcnow
from advocate_app.directory.hsds_import import area_summary, service_collections, sync_codes
from advocate_app.directory.models import (
    CapacityStatus,
    Organisation,
    OrganisationKind,
    ReferralStop,
    Service,
    ServiceArea,
    ServiceLanguage,
    ServiceNeedDomain,
    ServicePhone,
)
from advocate_app.needs import NEED_DOMAINS


def create_organisation(
    *,
    name: str,
    kind: OrganisationKind,
    by: User | None,
    description: str = "",
    email: str | None = None,
    phone: str | None = None,
    website: str | None = None,
) -> Organisation:
    """Add an organisation to the directory."""
    organisation = Organisation(
        name=name.strip(),
        kind=kind,
        description=(description or "").strip(),
        email=(email or "").strip().lower() or None,
        phone=(phone or "").strip() or None,
        website=(website or "").strip() or None,
    )
    db.session.add(organisation)
    db.session.flush()
    audit("create", actor=by, object_type="organisation", object_id=organisation.id)
    return organisation


# Who may change a service. These belong in ``policy.py`` next to ``may_handle_referral``; they live
# here until they move.


@dataclass
class Filters:
    """What someone browsing the directory narrowed it to; empty values mean "any"."""

    domain: str = ""
    area: str = ""
    language: str = ""
    capacity: str = ""


def browse(filters: Filters) -> list[Service]:
    """Services matching the filters, with everything a list shows loaded in a fixed number of queries."""
    query = select(Service).join(Service.organisation).options(joinedload(Service.organisation), *service_collections())
    if filters.domain:
        # A service a partnership review stopped for this need is not offered for it (still for its others).
        query = query.where(
            Service.id.in_(select(ServiceNeedDomain.service_id).where(ServiceNeedDomain.domain == filters.domain)),
            Service.id.not_in(stopped_for(filters.domain)),
        )
    if filters.area:
        words = f"%{filters.area.strip().lower()}%"
        query = query.where(
            func.lower(Service.area_description).like(words)
            | Service.id.in_(select(ServiceArea.service_id).where(func.lower(ServiceArea.name).like(words)))
        )
    if filters.language:
        query = query.where(
            Service.id.in_(select(ServiceLanguage.service_id).where(ServiceLanguage.language == filters.language))
        )
    if filters.capacity:
        query = query.where(Service.capacity_status == CapacityStatus(filters.capacity))
    return list(db.session.scalars(query.order_by(Service.name, Organisation.name)).unique())


def language_codes_in_use() -> list[str]:
    """Every language some service works in, for the browse filter."""
    return list(db.session.scalars(select(ServiceLanguage.language).distinct().order_by(ServiceLanguage.language)))


def service_for_page(service_id: int) -> Service | None:
    """A service with its organisation and lists loaded, or None."""
    return db.session.scalar(
        select(Service)
        .where(Service.id == service_id)
        .options(joinedload(Service.organisation), *service_collections())
    )


@dataclass
class ServiceFields:
    """What the service form edits."""

    name: str
    description: str = ""
    eligibility_description: str = ""
    minimum_age: int | None = None
    maximum_age: int | None = None
    areas: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    need_domains: list[str] = field(default_factory=list)
    capacity: CapacityStatus = CapacityStatus.OPEN
    response_target_days: int = 5
    url: str | None = None
    email: str | None = None
    phones: list[tuple[str, str]] = field(default_factory=list)


def create_service(organisation: Organisation, fields: ServiceFields, *, by: User | None) -> Service:
    """Add a service to an organisation; a new entry counts as confirmed now."""
    service = Service(organisation_id=organisation.id, need_domains=[], languages=[], areas=[], phones=[])
    db.session.add(service)
    _apply_fields(service, fields)
    db.session.flush()
    audit("create", actor=by, object_type="service", object_id=service.id)
    return service


def update_service(service: Service, fields: ServiceFields, *, by: User | None, now: datetime | None = None) -> None:
    """Save an edit; whoever saves has looked at the whole entry, so it counts as confirmed.

    :param service: loaded with ``service_for_page`` (its lists are replaced or synced).
    """
    _apply_fields(service, fields)
    service.last_confirmed_at = now or utcnow()
    db.session.flush()
    audit("update", actor=by, object_type="service", object_id=service.id)


def confirm_service(service: Service, *, by: User | None, now: datetime | None = None) -> None:
    """Record that someone checked the entry and it is still right."""
    service.last_confirmed_at = now or utcnow()
    db.session.flush()
    audit("service_confirmed", actor=by, object_type="service", object_id=service.id)


def _apply_fields(service: Service, fields: ServiceFields) -> None:
    service.name = fields.name.strip()
    service.description = (fields.description or "").strip()
    service.eligibility_description = (fields.eligibility_description or "").strip()
    service.minimum_age = fields.minimum_age
    service.maximum_age = fields.maximum_age
    service.capacity_status = fields.capacity
    service.response_target_days = fields.response_target_days
    service.url = (fields.url or "").strip() or None
    service.email = (fields.email or "").strip().lower() or None
    names = [name.strip() for name in fields.areas if name.strip()]
    kept = {a.name: a for a in service.areas}  # an area keeps its HSDS id and description while its name stays
    service.areas = [kept.get(n) or ServiceArea(name=n, description="") for n in names]
    service.area_description = area_summary(names)
    numbers = [(n.strip(), d.strip()) for n, d in fields.phones if n.strip()]
    if [(p.number, p.description) for p in service.phones] != numbers:
        service.phones = [ServicePhone(number=n, description=d) for n, d in numbers]
    sync_codes(service.languages, sorted(set(fields.languages)), "language", ServiceLanguage)
    sync_codes(service.need_domains, [d for d in NEED_DOMAINS if d in fields.need_domains], "domain", ServiceNeedDomain)


def organisation_names() -> list[tuple[int, str]]:
    """Every organisation's id and name, by name (for choosing one in a form)."""
    rows = db.session.execute(select(Organisation.id, Organisation.name).order_by(Organisation.name))
    return [(organisation_id, name) for organisation_id, name in rows]


def organisations_with_service_counts() -> list[tuple[Organisation, int]]:
    """Every organisation, by name, with how many services it lists."""
    rows = db.session.execute(
        select(Organisation, func.count(Service.id))
        .outerjoin(Service, Service.organisation_id == Organisation.id)
        .group_by(Organisation.id)
        .order_by(Organisation.name)
    )
    return [(organisation, count) for organisation, count in rows]


def organisation_with_services(organisation_id: int) -> Organisation | None:
    """One organisation with its services loaded."""
    return db.session.scalar(
        select(Organisation).where(Organisation.id == organisation_id).options(selectinload(Organisation.services))
    )


def organisation_staff(organisation_id: int) -> list[User]:
    """An organisation's workers' accounts, by name."""
    return list(
        db.session.scalars(select(User).where(User.organisation_id == organisation_id).order_by(User.display_name))
    )


def service_to_refer_to(service_id: int) -> Service | None:
    """A service with its organisation and languages (what a referral to it shows), or None."""
    return db.session.scalar(
        select(Service)
        .where(Service.id == service_id)
        .options(joinedload(Service.organisation), selectinload(Service.languages))
    )


# Services a partnership review stopped for a need ---------------------------------------------------------------


def stopped_for(domain: str):
    """A query for the ids of services a partnership review stopped referrals to for ``domain``."""
    return select(ReferralStop.service_id).where(ReferralStop.domain == domain)


def is_stopped(service_id: int, domain: str | None) -> bool:
    """Has a partnership review stopped referrals to this service for this need?"""
    if not domain:
        return False
    found = select(ReferralStop.id).where(ReferralStop.service_id == service_id, ReferralStop.domain == domain)
    return db.session.scalar(found) is not None
