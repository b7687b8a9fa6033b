"""What offline visits add to every request: the offline code on advocates' pages (never a person's), and visit
keys destroyed when an advocate signs out. The offline blueprint registers both with the app."""

from __future__ import annotations

from flask import Flask
from flask_login import current_user, user_logged_out

from advocate_app import policy
from advocate_app.offline.services import forget_ended
from advocate_app.offline.words import words_file


def offline_context() -> dict:
    """Whether this page loads the offline code, the address of the words it shows and whose page it is: advocates'
    pages only.

    The words are a file of their own, one a language (``words.words_file``), which the browser keeps: written
    into every page, they had been about 4 KB of each advocate's page, and as much again to compress.
    """
    user = current_user._get_current_object()  # not the proxy: asked twice
    if not policy.can(user, policy.Action.OFFLINE_USE):
        return {"offline_code": False}
    return {"offline_code": True, "offline_words": words_file().url, "offline_user": user.id}


def destroy_keys_on_sign_out(_app: Flask, user) -> None:
    """Signing out ends the visits taken in that session: their keys are destroyed with it."""
    if user is not None and getattr(user, "id", None) is not None:
        forget_ended(user.id)


def connect(state) -> None:
    """Subscribe to signing out, for the app the blueprint is registered on."""
    user_logged_out.connect(destroy_keys_on_sign_out, state.app)
