"""What offline visits add to every request: the offline code on advocates' pages (never a person's), and visit
keys destroyed when an advocate signs out. The offline blueprint registers both with the app."""

from __future__ import annotations

from flask import Flask, request
from flask_babel import get_locale
from flask_login import current_user, user_logged_out

from advocate_app import policy
from advocate_app.offline.services import forget_ended
from advocate_app.offline.words import offline_words
from advocate_app.templating import made_once


def offline_context() -> dict:
    """Whether this page loads the offline code, and the words it shows: advocates' pages only.

    The words and addresses are the same on every page in a language, so they are made once per language (about
    sixty catalogue look-ups had cost every advocate's page as much as the rest of its layout); whose page it is
    (``user``) is added on each.
    """
    if not policy.can(current_user, policy.Action.OFFLINE_USE):
        return {"offline_code": False}
    words = made_once("offline_words", (request.script_root, str(get_locale())), offline_words)
    return {"offline_code": True, "offline_words": lambda: {**words, "user": current_user.id}}


def destroy_keys_on_sign_out(_app: Flask, user) -> None:
    """Signing out ends the visits taken in that session: their keys are destroyed with it."""
    if user is not None and getattr(user, "id", None) is not None:
        forget_ended(user.id)


def connect(state) -> None:
    """Subscribe to signing out, for the app the blueprint is registered on."""
    user_logged_out.connect(destroy_keys_on_sign_out, state.app)
