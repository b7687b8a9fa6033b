"""Rules for the directory of organisations and services."""

from __future__ import annotations

from advocate_app import db
from advocate_app.accounts.models import User
from advocate_app.audit.services import record as audit
from advocate_app.directory.models import Organisation, OrganisationKind


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
