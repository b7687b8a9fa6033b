"""Recording audit events. Callers pass who acted; nothing here reads request globals."""

from __future__ import annotations

from advocate_app import db
from advocate_app.audit.models import AuditEvent

# One row, written as it is recorded: an event is never read back or changed, so it needs no object in the session
# (adding one cost a page view about as much as the rest of its statement: the unit of work's flush around it).
_INSERT = AuditEvent.__table__.insert()


def record(
    action: str,
    actor=None,
    person_id: int | None = None,
    object_type: str | None = None,
    object_id: int | None = None,
) -> None:
    """Write an audit event in the caller's transaction (it is kept when that commits, and undone with it).

    :param action: what happened, e.g. ``login``, ``login_failed``, ``view``, ``create``, ``update``.
    :param actor: the user who acted, or ``None`` for an anonymous or unknown actor.
    :param person_id: whose record it concerns, if any.
    """
    db.session.execute(
        _INSERT,
        {
            "action": action,
            "actor_id": getattr(actor, "id", None),
            "actor_role": actor.role.value if actor is not None else None,
            "person_id": person_id,
            "object_type": object_type,
            "object_id": object_id,
        },
    )
