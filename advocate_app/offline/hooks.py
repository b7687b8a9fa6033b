"""What offline visits add to every request: the offline code on advocates' pages (never a person's), and visit
keys destroyed when an advocate signs out. The offline blueprint registers both with the app."""

from __future__ import annotations

from flask import Flask, current_app, request
from flask_babel import get_locale
from flask_login import current_user, user_logged_out
from jinja2.utils import htmlsafe_json_dumps
from markupsafe import Markup, escape

from advocate_app import policy
from advocate_app.offline.services import forget_ended
from advocate_app.offline.words import offline_words
from advocate_app.templating import made_once


def offline_context() -> dict:
    """Whether this page loads the offline code, and the words it shows: advocates' pages only.

    The words and addresses are the same on every page in a language, so they are made once per language, written
    as the page carries them (about sixty catalogue look-ups and their JSON had cost every advocate's page as
    much as the rest of its layout); whose page it is (``user``) is put in on each.
    """
    user = current_user._get_current_object()  # not the proxy: asked three times
    if not policy.can(user, policy.Action.OFFLINE_USE):
        return {"offline_code": False}
    head, tail = made_once("offline_words", (request.script_root, str(get_locale())), _words_around_the_user)
    return {"offline_code": True, "offline_words": head + str(user.id) + tail}


# An id no user will have, standing for the signed-in advocate's in the words made once.
_USER_STAND_IN = 9_081_726_354_453_627


def _words_around_the_user() -> tuple[Markup, Markup]:
    """The offline words as the page's ``<meta>`` carries them (as ``tojson | forceescape`` writes them, keys in
    order), split where the advocate's id goes."""
    policies = current_app.jinja_env.policies
    written = htmlsafe_json_dumps(
        {**offline_words(), "user": _USER_STAND_IN},
        dumps=policies["json.dumps_function"],
        **policies["json.dumps_kwargs"],
    )
    head, _, tail = escape(str(written)).partition(str(_USER_STAND_IN))
    return head, tail


def destroy_keys_on_sign_out(_app: Flask, user) -> None:
    """Signing out ends the visits taken in that session: their keys are destroyed with it."""
    if user is not None and getattr(user, "id", None) is not None:
        forget_ended(user.id)


def connect(state) -> None:
    """Subscribe to signing out, for the app the blueprint is registered on."""
    user_logged_out.connect(destroy_keys_on_sign_out, state.app)
