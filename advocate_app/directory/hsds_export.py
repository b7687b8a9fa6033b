"""Exporting the directory as Open Referral HSDS 3.0 JSON, our own fields carried as attributes."""

from __future__ import annotations

import json
from datetime import UTC

from babel import Locale, UnknownLocaleError
from flask_babel import force_locale
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from advocate_app import db
from advocate_app.directory.hsds_import import area_rows, service_collections
from advocate_app.directory.hsds_read import (
    CAPACITY_TAXONOMY,
    KIND_TAXONOMY,
    NEED_TAXONOMY,
    RESPONSE_TAXONOMY,
    derived_id,
)
from advocate_app.directory.models import Organisation, Service
from advocate_app.needs import NEED_DOMAINS


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
    obj.update(
        {key: getattr(service, key) for key in ("minimum_age", "maximum_age") if getattr(service, key) is not None}
    )
    obj["assured_date"] = service.last_confirmed_at.astimezone(UTC).date().isoformat()
    obj["phones"] = [
        _without_empty({"id": p.hsds_id, "number": p.number, "description": p.description}) for p in service.phones
    ]
    obj["service_areas"] = [_without_empty({"id": i, "name": n, "description": d}) for i, n, d in area_rows(service)]
    obj["languages"] = [
        {
            "id": derived_id(service.hsds_id, "language", row.language),
            "name": english_language_name(row.language),
            "code": row.language,
        }
        for row in sorted(service.languages, key=lambda row: row.language)
    ]
    obj["organization"] = organisation_object(service.organisation)
    with force_locale("en"):
        domains = [code for code in NEED_DOMAINS if code in {row.domain for row in service.need_domains}]
        attributes = [
            _attribute(service.hsds_id, "service", NEED_TAXONOMY, code, str(NEED_DOMAINS[code])) for code in domains
        ]
    attributes.append(
        _attribute(
            service.hsds_id,
            "service",
            CAPACITY_TAXONOMY,
            service.capacity_status.value,
            service.capacity_status.value.replace("_", " "),
        )
    )
    attributes.append(
        _attribute(
            service.hsds_id,
            "service",
            RESPONSE_TAXONOMY,
            "days",
            "response target in days",
            str(service.response_target_days),
        )
    )
    obj["attributes"] = attributes
    return obj


def organisation_object(organisation: Organisation) -> dict:
    obj = {"id": organisation.hsds_id, "name": organisation.name, "description": organisation.description}
    obj.update({key: getattr(organisation, key) for key in ("email", "website") if getattr(organisation, key)})
    if organisation.phone:
        obj["phones"] = [{"id": derived_id(organisation.hsds_id, "phone"), "number": organisation.phone}]
    obj["attributes"] = [
        _attribute(
            organisation.hsds_id, "organization", KIND_TAXONOMY, organisation.kind.value, organisation.kind.value
        )
    ]
    return obj


def _attribute(owner_id: str, entity: str, taxonomy: str, code: str, name: str, value: str = "") -> dict:
    term_id = derived_id(taxonomy, code)
    return _without_empty(
        {
            "id": derived_id(owner_id, taxonomy, code),
            "link_id": owner_id,
            "link_entity": entity,
            "taxonomy_term_id": term_id,
            "value": value,
            "taxonomy_term": {"id": term_id, "code": code, "name": name, "description": name, "taxonomy": taxonomy},
        }
    )


def _without_empty(obj: dict) -> dict:
    return {key: value for key, value in obj.items() if value not in ("", None)}


def english_language_name(code: str) -> str:
    try:
        return Locale.parse(code).get_display_name("en") or code
    except (ValueError, UnknownLocaleError):
        return code
