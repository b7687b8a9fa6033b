"""Open Referral HSDS 3.0 interchange: read published service JSON into the directory, and write it back out.

Reading is in two passes. ``parse`` checks the whole document and turns it into plain records, naming
every problem by its JSON path (``contents[2].organization.name: missing``); only when there are none
does ``apply`` write, inside the caller's transaction. So a bad file changes nothing.

HSDS has no need domains, capacity, response target or kind of organisation. We export ours as
``attributes`` in our own taxonomies (``advocate-app:…``) so our files re-import to the same directory;
other feeds' taxonomy terms become need domains only when a term is one of our domains by name.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from flask_babel import force_locale
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from advocate_app import db
from advocate_app.audit.services import record as audit
from advocate_app.db import utcnow
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
from advocate_app.needs import NEED_DOMAINS

# Fixed, so that identifiers we derive (languages, attributes, terms) are the same in every export.
NAMESPACE = uuid.UUID("6f1c58a4-2a53-4d55-9a49-0d0c5b1f3e27")
NEED_TAXONOMY = "advocate-app:need-domain"
CAPACITY_TAXONOMY = "advocate-app:capacity"
RESPONSE_TAXONOMY = "advocate-app:response-target-days"
KIND_TAXONOMY = "advocate-app:organisation-kind"


class HsdsError(Exception):
    """The document cannot be imported; ``problems`` name each one by its JSON path."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass
class OrganisationIn:
    """An organisation as the file gives it; ``fields`` holds only what the file states."""

    hsds_id: str
    name: str
    fields: dict
    kind: OrganisationKind | None


@dataclass
class ServiceIn:
    """A service as the file gives it. What the file leaves out (a missing key, not an empty value) is
    ``None`` or absent from ``fields``, and is kept as it is on update: a list endpoint often sends
    services without their phones, areas or languages."""

    path: str
    hsds_id: str
    organisation_id: str
    name: str
    fields: dict
    assured: date | None
    phones: list[tuple[str, str, str]] | None
    areas: list[tuple[str, str, str]] | None
    languages: list[str] | None
    need_domains: list[str]
    capacity: CapacityStatus | None
    response_target_days: int | None


@dataclass
class Parsed:
    services: list[ServiceIn] = field(default_factory=list)
    organisations: dict[str, OrganisationIn] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


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


def derived_id(*parts: str) -> str:
    """A stable identifier for something HSDS wants an id for but we do not store."""
    return str(uuid.uuid5(NAMESPACE, "/".join(parts)))


# --- reading -------------------------------------------------------------------------------------


class _Reader:
    """Walks the document, collecting problems instead of stopping at the first."""

    def __init__(self):
        self.problems: list[str] = []

    def problem(self, path: str, reason: str) -> None:
        self.problems.append(f"{path or '(top level)'}: {reason}")

    def object(self, value, path: str) -> dict | None:
        if not isinstance(value, dict):
            self.problem(path, f"expected an object, got {_type_name(value)}")
            return None
        return value

    def array(self, obj: dict, key: str, path: str) -> list:
        value = obj.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            self.problem(_join(path, key), f"expected an array, got {_type_name(value)}")
            return []
        return value

    def string(self, obj: dict, key: str, path: str, *, required=False, max_length: int | None = None) -> str | None:
        value = obj.get(key)
        where = _join(path, key)
        if value is None or (required and isinstance(value, str) and not value.strip()):
            if required:
                self.problem(where, "missing")
            return None
        if not isinstance(value, str):
            self.problem(where, f"expected a string, got {_type_name(value)}")
            return None
        value = value.strip()
        if max_length is not None and len(value) > max_length:
            self.problem(where, f"too long ({len(value)} characters; at most {max_length})")
            return None
        return value

    def whole_number(self, obj: dict, key: str, path: str, *, low: int, high: int) -> int | None:
        value = obj.get(key)
        if value is None:
            return None
        where = _join(path, key)
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.problem(where, f"expected a number, got {_type_name(value)}")
            return None
        if value != int(value) or not low <= value <= high:
            self.problem(where, f"expected a whole number from {low} to {high}, got {value}")
            return None
        return int(value)


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _type_name(value) -> str:
    return {dict: "an object", list: "an array", str: "a string", bool: "true/false", type(None): "null"}.get(
        type(value), "a number"
    )


def parse(text: str) -> Parsed:
    """Check a whole HSDS 3.0 document (a list page, an array of services or one service).

    :raises HsdsError: naming every problem found; nothing has been written.
    """
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        where = f"line {error.lineno}, column {error.colno}"
        raise HsdsError([f"(top level): not valid JSON ({error.msg} at {where})"]) from None
    if isinstance(document, dict) and "contents" in document:
        items, prefix = document["contents"], "contents"
        if not isinstance(items, list):
            raise HsdsError([f"contents: expected an array, got {_type_name(items)}"])
    elif isinstance(document, list):
        items, prefix = document, ""
    elif isinstance(document, dict):
        items, prefix = [document], None
    else:
        raise HsdsError([f"(top level): expected a service, an array of services or a list page with "
                         f"\"contents\", got {_type_name(document)}"])
    reader, parsed, seen = _Reader(), Parsed(), {}
    for index, item in enumerate(items):
        path = "" if prefix is None else f"{prefix}[{index}]"
        service = _service(reader, item, path, parsed)
        if service is None:
            continue
        if service.hsds_id in seen:
            reader.problem(_join(path, "id"), f"the same service id as {seen[service.hsds_id] or '(top level)'}")
            continue
        seen[service.hsds_id] = _join(path, "id")
        parsed.services.append(service)
    _check_organisations_exist(reader, parsed)
    if reader.problems:
        raise HsdsError(reader.problems)
    return parsed


def _service(reader: _Reader, item, path: str, parsed: Parsed) -> ServiceIn | None:
    obj = reader.object(item, path)
    if obj is None:
        return None
    before = len(reader.problems)
    hsds_id = reader.string(obj, "id", path, required=True, max_length=64)
    name = reader.string(obj, "name", path, required=True, max_length=200)
    status_text = reader.string(obj, "status", path)
    if status_text is not None and status_text not in {s.value for s in ServiceStatus}:
        reader.problem(_join(path, "status"), f"expected one of {', '.join(s.value for s in ServiceStatus)}")
    minimum = reader.whole_number(obj, "minimum_age", path, low=0, high=150)
    maximum = reader.whole_number(obj, "maximum_age", path, low=0, high=150)
    if minimum is not None and maximum is not None and minimum > maximum:
        reader.problem(_join(path, "maximum_age"), "less than minimum_age")
    organisation_id = _organisation(reader, obj, path, parsed)
    attributes = _attributes(reader, obj, path)
    fields = {
        "name": name,
        "description": reader.string(obj, "description", path) or "",
        "url": reader.string(obj, "url", path, max_length=500) or None,
        "email": reader.string(obj, "email", path, max_length=254) or None,
        "status": ServiceStatus(status_text) if status_text in {s.value for s in ServiceStatus} else None,
        "eligibility_description": reader.string(obj, "eligibility_description", path) or "",
        "minimum_age": minimum,
        "maximum_age": maximum,
    }
    service = ServiceIn(
        path=path,
        hsds_id=hsds_id or "",
        organisation_id=organisation_id or "",
        name=name or "",
        fields={key: value for key, value in fields.items() if key in obj and (key != "status" or value)},
        assured=_date(reader, obj, "assured_date", path),
        phones=_service_phones(reader, obj, path) if "phones" in obj or "contacts" in obj else None,
        areas=_areas(reader, obj, path) if "service_areas" in obj else None,
        languages=_languages(reader, obj, path, parsed) if "languages" in obj else None,
        need_domains=sorted({code for taxonomy, code, _ in attributes if code in NEED_DOMAINS
                             and taxonomy in (NEED_TAXONOMY, "")}, key=list(NEED_DOMAINS).index),
        capacity=next((CapacityStatus(c) for t, c, _ in attributes if t == CAPACITY_TAXONOMY
                       and c in {s.value for s in CapacityStatus}), None),
        response_target_days=next((int(v) for t, _, v in attributes if t == RESPONSE_TAXONOMY
                                   and v.isdigit() and 0 < int(v) <= 365), None),
    )
    return service if len(reader.problems) == before else None


def _organisation(reader: _Reader, obj: dict, path: str, parsed: Parsed) -> str | None:
    where = _join(path, "organization")
    if obj.get("organization") is None:
        reference = reader.string(obj, "organization_id", path, max_length=64)
        if reference is None:
            reader.problem(where, "missing (give an organization object or an organization_id)")
        return reference
    org = reader.object(obj["organization"], where)
    if org is None:
        return None
    hsds_id = reader.string(org, "id", where, required=True, max_length=64)
    name = reader.string(org, "name", where, required=True, max_length=200)
    numbers = _phones(reader, org, where)
    for index, contact in enumerate(reader.array(org, "contacts", where)):
        contact_obj = reader.object(contact, f"{where}.contacts[{index}]")
        if contact_obj is not None:
            numbers += _phones(reader, contact_obj, f"{where}.contacts[{index}]")
    phone = numbers[0][1] if numbers else None
    if phone is not None and len(phone) > 32:
        reader.problem(numbers[0][0], f"too long for an organisation's phone ({len(phone)} characters; at most 32)")
    kinds = [c for t, c, _ in _attributes(reader, org, where) if t == KIND_TAXONOMY]
    fields = {
        "name": name,
        "description": reader.string(org, "description", where) or "",
        "email": reader.string(org, "email", where, max_length=254) or None,
        "website": reader.string(org, "website", where, max_length=500) or None,
        "phone": phone,
    }
    given = {key for key in fields if key in org} | ({"phone"} if "phones" in org or "contacts" in org else set())
    record = OrganisationIn(
        hsds_id=hsds_id or "",
        name=name or "",
        fields={key: value for key, value in fields.items() if key in given},
        kind=OrganisationKind(kinds[0]) if kinds and kinds[0] in {k.value for k in OrganisationKind} else None,
    )
    if hsds_id and name and hsds_id not in parsed.organisations:
        parsed.organisations[hsds_id] = record  # the first full copy of an organisation wins
    return hsds_id


def _phones(reader: _Reader, obj: dict, path: str) -> list[tuple[str, str]]:
    """(path, number) for each phone, checked."""
    found = []
    for index, item in enumerate(reader.array(obj, "phones", path)):
        where = f"{path}.phones[{index}]" if path else f"phones[{index}]"
        phone = reader.object(item, where)
        if phone is None:
            continue
        reader.string(phone, "id", where, max_length=64)
        number = reader.string(phone, "number", where, required=True, max_length=64)
        reader.string(phone, "description", where)
        if number:
            found.append((where, _clean_number(number)))
    return found


def _clean_number(number: str) -> str:
    # Some feeds (the spec's own examples among them) wrap numbers in quotation marks.
    return number.strip().strip('"').strip()


def _service_phones(reader: _Reader, obj: dict, path: str) -> list[tuple[str, str, str]]:
    """The service's own phones and its contacts' phones, once each."""
    sources = [(obj, path)]
    for index, contact in enumerate(reader.array(obj, "contacts", path)):
        where = f"{_join(path, 'contacts')}[{index}]"
        contact_obj = reader.object(contact, where)
        if contact_obj is not None:
            sources.append((contact_obj, where))
    phones, seen = [], set()
    for source, where in sources:
        _phones(reader, source, where)
        for item in source.get("phones") or []:
            if not isinstance(item, dict) or not isinstance(item.get("number"), str) or not item["number"].strip():
                continue
            number = _clean_number(item["number"])
            hsds_id = item.get("id") if isinstance(item.get("id"), str) and item["id"].strip() else None
            hsds_id = (hsds_id or derived_id(path, "phone", number)).strip()
            description = item.get("description") if isinstance(item.get("description"), str) else ""
            if (hsds_id, number) not in seen:
                seen.add((hsds_id, number))
                phones.append((hsds_id, number, description.strip()))
    return phones


def _areas(reader: _Reader, obj: dict, path: str) -> list[tuple[str, str, str]]:
    areas = []
    for index, item in enumerate(reader.array(obj, "service_areas", path)):
        where = f"{_join(path, 'service_areas')}[{index}]"
        area = reader.object(item, where)
        if area is None:
            continue
        hsds_id = reader.string(area, "id", where, max_length=64)
        name = reader.string(area, "name", where, max_length=500)
        description = reader.string(area, "description", where) or ""
        if not name and not description:
            reader.problem(where, "needs a name or a description")
            continue
        areas.append((hsds_id or derived_id(path, "area", str(index)), name or description[:500], description))
    return areas


def _languages(reader: _Reader, obj: dict, path: str, parsed: Parsed) -> list[str]:
    codes = []
    for index, item in enumerate(reader.array(obj, "languages", path)):
        where = f"{_join(path, 'languages')}[{index}]"
        language = reader.object(item, where)
        if language is None:
            continue
        reader.string(language, "id", where, max_length=64)
        name = reader.string(language, "name", where)
        code = reader.string(language, "code", where)
        if not code or len(code) > 12:
            parsed.notes.append(f"{where}: language {name or code!r} has no usable ISO 639 code; left out")
            continue
        if code.lower() not in codes:
            codes.append(code.lower())
    return sorted(codes)


def _attributes(reader: _Reader, obj: dict, path: str) -> list[tuple[str, str, str]]:
    """(taxonomy, our code, value) for each attribute whose term we recognise.

    A term from another taxonomy counts as a need domain only when its code or name is one of ours,
    e.g. "Housing"; it is returned with an empty taxonomy.
    """
    found = []
    names = _english_domain_names()
    for index, item in enumerate(reader.array(obj, "attributes", path)):
        where = f"{_join(path, 'attributes')}[{index}]"
        attribute = reader.object(item, where)
        if attribute is None:
            continue
        value = reader.string(attribute, "value", where) or ""
        term = attribute.get("taxonomy_term")
        if term is None:
            continue
        term = reader.object(term, f"{where}.taxonomy_term")
        if term is None:
            continue
        taxonomy = reader.string(term, "taxonomy", f"{where}.taxonomy_term") or ""
        code = reader.string(term, "code", f"{where}.taxonomy_term") or ""
        name = reader.string(term, "name", f"{where}.taxonomy_term") or ""
        if taxonomy.startswith("advocate-app:"):
            found.append((taxonomy, code, value))
        elif code.lower() in NEED_DOMAINS or name.lower() in names:
            found.append(("", code.lower() if code.lower() in NEED_DOMAINS else names[name.lower()], value))
    return found


def _english_domain_names() -> dict[str, str]:
    with force_locale("en"):
        return {str(label).lower(): code for code, label in NEED_DOMAINS.items()}


def _date(reader: _Reader, obj: dict, key: str, path: str) -> date | None:
    text = reader.string(obj, key, path)
    if not text:
        return None
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        reader.problem(_join(path, key), "expected a date like 2025-01-31")
        return None


def _check_organisations_exist(reader: _Reader, parsed: Parsed) -> None:
    """A service may name its organisation only by ``organization_id``: it must be here or in the file."""
    missing = {s.organisation_id for s in parsed.services} - set(parsed.organisations)
    known = set(db.session.scalars(select(Organisation.hsds_id).where(Organisation.hsds_id.in_(missing))))
    for service in parsed.services:
        if service.organisation_id in missing - known:
            reader.problem(_join(service.path, "organization_id"), "no such organisation in the file or the directory")


# --- writing -------------------------------------------------------------------------------------


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


# --- export --------------------------------------------------------------------------------------


def export_page() -> dict:
    """The whole directory as one HSDS 3.0 service list page."""
    services = (
        db.session.scalars(
            select(Service)
            .join(Service.organisation)
            .options(joinedload(Service.organisation), *service_collections())
            .order_by(Organisation.name, Organisation.hsds_id, Service.name, Service.hsds_id)
        )
        .unique()
        .all()
    )
    contents = [service_object(service) for service in services]
    return {
        "total_items": len(contents),
        "total_pages": 1,
        "page_number": 1,
        "size": len(contents),
        "first_page": True,
        "last_page": True,
        "empty": not contents,
        "contents": contents,
    }


def export_text() -> str:
    return json.dumps(export_page(), indent=2, ensure_ascii=False) + "\n"


def service_object(service: Service) -> dict:
    """One service as HSDS 3.0, with its organisation nested."""
    obj = {"id": service.hsds_id, "name": service.name, "description": service.description}
    obj.update({key: getattr(service, key) for key in ("url", "email") if getattr(service, key)})
    obj["status"] = service.status.value
    obj["eligibility_description"] = service.eligibility_description
    obj.update({key: getattr(service, key) for key in ("minimum_age", "maximum_age") if getattr(service, key)
                is not None})
    obj["assured_date"] = service.last_confirmed_at.astimezone(UTC).date().isoformat()
    obj["phones"] = [_without_empty({"id": p.hsds_id, "number": p.number, "description": p.description})
                     for p in service.phones]
    obj["service_areas"] = [_without_empty({"id": i, "name": n, "description": d}) for i, n, d in area_rows(service)]
    obj["languages"] = [
        {"id": derived_id(service.hsds_id, "language", row.language), "name": english_language_name(row.language),
         "code": row.language}
        for row in sorted(service.languages, key=lambda row: row.language)
    ]
    obj["organization"] = organisation_object(service.organisation)
    with force_locale("en"):
        domains = [code for code in NEED_DOMAINS if code in {row.domain for row in service.need_domains}]
        attributes = [_attribute(service.hsds_id, "service", NEED_TAXONOMY, code, str(NEED_DOMAINS[code]))
                      for code in domains]
    attributes.append(_attribute(service.hsds_id, "service", CAPACITY_TAXONOMY, service.capacity_status.value,
                                 service.capacity_status.value.replace("_", " ")))
    attributes.append(_attribute(service.hsds_id, "service", RESPONSE_TAXONOMY, "days", "response target in days",
                                 str(service.response_target_days)))
    obj["attributes"] = attributes
    return obj


def organisation_object(organisation: Organisation) -> dict:
    obj = {"id": organisation.hsds_id, "name": organisation.name, "description": organisation.description}
    obj.update({key: getattr(organisation, key) for key in ("email", "website") if getattr(organisation, key)})
    if organisation.phone:
        obj["phones"] = [{"id": derived_id(organisation.hsds_id, "phone"), "number": organisation.phone}]
    obj["attributes"] = [_attribute(organisation.hsds_id, "organization", KIND_TAXONOMY, organisation.kind.value,
                                    organisation.kind.value)]
    return obj


def _attribute(owner_id: str, entity: str, taxonomy: str, code: str, name: str, value: str = "") -> dict:
    term_id = derived_id(taxonomy, code)
    return _without_empty({
        "id": derived_id(owner_id, taxonomy, code),
        "link_id": owner_id,
        "link_entity": entity,
        "taxonomy_term_id": term_id,
        "value": value,
        "taxonomy_term": {"id": term_id, "code": code, "name": name, "description": name, "taxonomy": taxonomy},
    })


def _without_empty(obj: dict) -> dict:
    return {key: value for key, value in obj.items() if value not in ("", None)}


def english_language_name(code: str) -> str:
    from babel import Locale, UnknownLocaleError

    try:
        return Locale.parse(code).get_display_name("en") or code
    except (ValueError, UnknownLocaleError):
        return code
