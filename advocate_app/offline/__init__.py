"""Offline visit mode for advocates: a person's plan kept encrypted on the phone for a visit, and the
changes made without a signal sent back through the same services as the online forms."""

from __future__ import annotations

from flask import Flask
from flask_login import current_user, user_logged_out


def _offline_context() -> dict:
    """Whether this page loads the offline code: advocates' pages only, never a person's own."""
    # Imported here, not at the top: advocate_app.models imports this package (for its models) before the
    # models the policy needs are all defined.
    from advocate_app import policy
    from advocate_app.offline.words import offline_words

    if not policy.can(current_user, policy.Action.OFFLINE_USE):
        return {"offline_code": False}
    return {"offline_code": True, "offline_words": lambda: {**offline_words(), "user": current_user.id}}


def _destroy_keys_on_sign_out(_app, user) -> None:
    """Signing out ends the visits taken in that session: their keys are destroyed with it."""
    from advocate_app.offline.services import forget_ended

    if user is not None and getattr(user, "id", None) is not None:
        forget_ended(user.id)


def init_app(app: Flask) -> None:
    """Load the offline code on advocates' pages; destroy visit keys when an advocate signs out."""
    app.context_processor(_offline_context)
    user_logged_out.connect(_destroy_keys_on_sign_out, app)
