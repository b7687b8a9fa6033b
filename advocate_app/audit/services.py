"""Recording audit events. Callers pass who acted; nothing here reads request globals."""

from __future__ import annotations

from advocate_app import db
from advocate_app.audit.models import AuditEvent


def record(
    action: str,
    actor=None,
    person_id: int | None = None,
    object_type: str | None = None,
    object_id: int | None = None,
) -> AuditEvent:
    """Add an audit event to the session (the caller's transaction commits it).

    :param action: what happened, e.g. ``login``, ``login_failed``, ``view``, ``create``, ``update``.
    :param actor: the user who acted, or ``None`` for an anonymous or unknown actor.
    :param person_id: whose record it concerns, if any.
    """
    event = AuditEvent(
        action=action,
        actor_id=getattr(actor, "id", None),
        actor_role=actor.role.value if actor is not None else None,
        person_id=person_id,
        object_type=object_type,
        object_id=object_id,
    )
    db.session.add(event)
    return event
