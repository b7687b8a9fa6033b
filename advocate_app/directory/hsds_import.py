"""Importing HSDS 3.0 into the directory: write checked records, matched on their HSDS ids."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from advocate_app import db
from advocate_app.audit.services import record as audit
from advocate_app.db import utcnow
from advocate_app.directory.hsds_read import OrganisationIn, Parsed, ServiceIn, derived_id
from advocate_app.directory.models import (
    CapacityStatus,
    Organisation,
    OrganisationKind,
    Service,
    ServiceArea,
    ServiceLanguage,
    ServiceNeedDomain,
    ServicePhone,
    ServiceStatus,
)


@dataclass
class ImportReport:
    """What an import did, by name, for the person who ran it."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = [f"Created {len(self.created)}, updated {len(self.updated)}, skipped {len(self.skipped)} (unchanged)."]
        out += [f"  created: {name}" for name in self.created]
        out += [f"  updated: {name}" for name in self.updated]
        out += [f"  skipped: {name} (unchanged)" for name in self.skipped]
        out += [f"Note: {note}" for note in self.notes]
        return out


def apply(parsed: Parsed, now: datetime | None = None) -> ImportReport:
    """Write checked records into the directory, matched on HSDS ids; flushes, the caller commits.

    Our own fields HSDS lacks are kept on update: capacity and response target always, need domains
    unless the file names some. On create they come from our attributes when present, else defaults.
    """
    now = now or utcnow()
    report = ImportReport(notes=list(parsed.notes))
    wanted = set(parsed.organisations) | {s.organisation_id for s in parsed.services}
    organisations = {
        o.hsds_id: o for o in db.session.scalars(select(Organisation).where(Organisation.hsds_id.in_(wanted)))
    }
    existing = {
        s.hsds_id: s
        for s in db.session.scalars(
            select(Service)
            .where(Service.hsds_id.in_([s.hsds_id for s in parsed.services]))
            .options(*service_collections())
        )
    }
    for hsds_id, incoming in parsed.organisations.items():
        organisation = organisations.get(hsds_id)
        label = f"organisation {incoming.name!r} ({hsds_id})"
        if organisation is None:
            organisation = Organisation(hsds_id=hsds_id, kind=incoming.kind or OrganisationKind.OTHER, description="")
            _update_organisation(organisation, incoming)
            db.session.add(organisation)
            db.session.flush()
            organisations[hsds_id] = organisation
            _note(report.created, label, "create", "organisation", organisation.id)
        elif _update_organisation(organisation, incoming):
            _note(report.updated, label, "update", "organisation", organisation.id)
        else:
            report.skipped.append(label)
    for incoming in parsed.services:
        organisation = organisations[incoming.organisation_id]
        label = f"service {incoming.name!r} ({incoming.hsds_id})"
        service = existing.get(incoming.hsds_id)
        if service is None:
            service = _new_service(incoming, organisation, now)
            db.session.add(service)
            db.session.flush()
            _note(report.created, label, "create", "service", service.id)
        elif _update_service(service, incoming, organisation):
            db.session.flush()
            _note(report.updated, label, "update", "service", service.id)
        else:
            report.skipped.append(label)
    without = sum(1 for s in parsed.services if not s.need_domains)
    if without:
        report.notes.append(
            f"{without} service(s) came without need domains (HSDS has none, and no taxonomy term matched ours): "
            "new ones have none, existing ones keep theirs. Set them in the directory."
        )
    return report


def _note(names: list[str], label: str, action: str, object_type: str, object_id: int) -> None:
    names.append(label)
    audit(action, actor=None, object_type=object_type, object_id=object_id)


def service_collections():
    """Loader options for a service's lists (one query each, whatever the number of services)."""
    return (
        selectinload(Service.need_domains),
        selectinload(Service.languages),
        selectinload(Service.areas),
        selectinload(Service.phones),
    )


def _set(record, **values) -> bool:
    changed = False
    for attr, value in values.items():
        if getattr(record, attr) != value:
            setattr(record, attr, value)
            changed = True
    return changed


def _update_organisation(organisation: Organisation, incoming: OrganisationIn) -> bool:
    changed = _set(organisation, **incoming.fields)
    if incoming.kind is not None:
        changed = _set(organisation, kind=incoming.kind) or changed
    return changed


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def _new_service(incoming: ServiceIn, organisation: Organisation, now: datetime) -> Service:
    service = Service(
        hsds_id=incoming.hsds_id,
        organisation_id=organisation.id,
        capacity_status=incoming.capacity or CapacityStatus.OPEN,
        response_target_days=incoming.response_target_days or 5,
        last_confirmed_at=_midnight(incoming.assured) if incoming.assured else now,
        area_description=area_summary([name for _, name, _ in incoming.areas or []]),
        need_domains=[ServiceNeedDomain(domain=code) for code in incoming.need_domains],
        languages=[ServiceLanguage(language=code) for code in incoming.languages or []],
        areas=[ServiceArea(hsds_id=i, name=n, description=d) for i, n, d in incoming.areas or []],
        phones=[ServicePhone(hsds_id=i, number=n, description=d) for i, n, d in incoming.phones or []],
        status=ServiceStatus.ACTIVE,
        description="",
        eligibility_description="",
    )
    _set(service, **incoming.fields)
    return service


def _update_service(service: Service, incoming: ServiceIn, organisation: Organisation) -> bool:
    changed = _set(service, organisation_id=organisation.id, **incoming.fields)
    # A confirmation is never moved back by an older date in someone else's file.
    if incoming.assured and incoming.assured > service.last_confirmed_at.astimezone(UTC).date():
        changed = _set(service, last_confirmed_at=_midnight(incoming.assured)) or changed
    phones = [(p.hsds_id, p.number, p.description) for p in service.phones]
    if incoming.phones is not None and phones != incoming.phones:
        service.phones = [ServicePhone(hsds_id=i, number=n, description=d) for i, n, d in incoming.phones]
        changed = True
    if incoming.areas is not None and area_rows(service) != incoming.areas:
        service.areas = [ServiceArea(hsds_id=i, name=n, description=d) for i, n, d in incoming.areas]
        service.area_description = area_summary([name for _, name, _ in incoming.areas])
        changed = True
    if incoming.languages is not None:
        changed = sync_codes(service.languages, incoming.languages, "language", ServiceLanguage) or changed
    if incoming.need_domains:
        changed = sync_codes(service.need_domains, incoming.need_domains, "domain", ServiceNeedDomain) or changed
    return changed


def sync_codes(rows: list, codes: list[str], attr: str, model) -> bool:
    """Make a collection of code rows hold exactly ``codes``, keeping rows that stay (so no unique clash)."""
    current = {getattr(row, attr) for row in rows}
    if current == set(codes):
        return False
    for row in [r for r in rows if getattr(r, attr) not in codes]:
        rows.remove(row)
    rows.extend(model(**{attr: code}) for code in codes if code not in current)
    return True


def area_summary(names: list[str]) -> str:
    """The areas as one line, kept on the service for searches that match words in it."""
    return "; ".join(names)[:500]


def area_rows(service: Service) -> list[tuple[str, str, str]]:
    """(id, name, description) of each area; an older free-text area counts as one unnamed area."""
    if service.areas:
        return [(a.hsds_id, a.name, a.description) for a in service.areas]
    if service.area_description:
        return [(derived_id(service.hsds_id, "area-description"), service.area_description, "")]
    return []
