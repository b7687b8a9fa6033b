"""Reading Open Referral HSDS 3.0 JSON: check a whole document and turn it into plain records to import.

Reading is in two passes. ``parse`` checks the whole document and turns it into plain records, naming
every problem by its JSON path (``contents[2].organization.name: missing``); only when there are none
does ``hsds_import.apply`` write, inside the caller's transaction. So a bad file changes nothing.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import date

from flask_babel import force_locale
from sqlalchemy import select

from advocate_app import db
from advocate_app.directory.models import CapacityStatus, Organisation, OrganisationKind, ServiceStatus
from advocate_app.needs import NEED_DOMAINS

# HSDS has no need domains, capacity, response target or kind of organisation. We export ours as
# ``attributes`` in our own taxonomies (``advocate-app:…``) so our files re-import to the same directory;
# other feeds' taxonomy terms become need domains only when a term is one of our domains by name.

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


def derived_id(*parts: str) -> str:
    """A stable identifier for something HSDS wants an id for but we do not store."""
    return str(uuid.uuid5(NAMESPACE, "/".join(parts)))


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
        raise HsdsError(
            [
                f"(top level): expected a service, an array of services or a list page with "
                f'"contents", got {_type_name(document)}'
            ]
        )
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
        need_domains=sorted(
            {code for taxonomy, code, _ in attributes if code in NEED_DOMAINS and taxonomy in (NEED_TAXONOMY, "")},
            key=list(NEED_DOMAINS).index,
        ),
        capacity=next(
            (
                CapacityStatus(c)
                for t, c, _ in attributes
                if t == CAPACITY_TAXONOMY and c in {s.value for s in CapacityStatus}
            ),
            None,
        ),
        response_target_days=next(
            (int(v) for t, _, v in attributes if t == RESPONSE_TAXONOMY and v.isdigit() and 0 < int(v) <= 365), None
        ),
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
