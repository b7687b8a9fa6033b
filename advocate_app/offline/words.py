"""The words the offline code shows, in the advocate's language (the code itself carries none, so it stays small and
every word is in the catalogues): one file a language, which each page names and the browser keeps."""

from __future__ import annotations

import hashlib
import json
from typing import NamedTuple

from flask import request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from advocate_app.templating import made_once


class WordsFile(NamedTuple):
    """The offline words of one language as the file carries them, and the address that names this version."""

    body: bytes
    url: str


def words_file() -> WordsFile:
    """The words file of the language in force, made once per language (the address changes with the words, so a
    browser may keep a file for as long as it likes)."""
    locale = str(get_locale())

    def make() -> WordsFile:
        body = json.dumps(offline_words(), ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
        version = hashlib.sha256(body).hexdigest()[:12]
        return WordsFile(body, url_for("offline.words", locale=locale, version=version))

    return made_once("offline_words_file", (request.script_root, locale), make)


def offline_words() -> dict:
    """Every label, button and message of the offline panels and the offline plan page."""
    return {
        "urls": {
            "worker": url_for("offline.worker"),
            "keys": url_for("offline.keys"),
            "sync": url_for("offline.send"),
            "remove": url_for("offline.remove"),
        },
        "take": _("Keep this plan on this phone for the visit"),
        "take_hint": _(
            "The plan is kept encrypted and can be read without a signal until the visit ends. Signing out removes it."
        ),
        "taking": _("Keeping the plan on this phone…"),
        "kept": _("Kept on this phone until %(time)s: %(size)s."),
        "remove": _("Remove offline data"),
        "removed": _("Offline data removed from this phone."),
        "persist_no": _(
            "This browser may delete what is kept if the phone needs the space or the site is not used for some days."
        ),
        "failed": _("The plan could not be kept on this phone. Try again."),
        "offline_heading": _("Plan for %(name)s (no signal)"),
        "offline_lead": _(
            "You have no signal. Changes you make are kept encrypted on this phone and sent when the signal returns."
        ),
        "locked": _(
            "This plan is locked: the phone no longer holds its key. It opens again when you have a signal and are "
            "signed in."
        ),
        "nothing": _("Nothing from this person's plan is kept on this phone."),
        "outbox": _("Changes waiting to send: %(count)s"),
        "needs_you": _("Changes that need you: %(count)s"),
        "send_now": _("Send now"),
        "sending": _("Sending…"),
        "not_sent": _("Not sent yet: there is no signal. They will be sent when it returns."),
        "locked_change": _("A change, locked until you have a signal"),
        "signout_warning": _("Signing out removes changes that have not been sent."),
        "copy": _("Copy"),
        "copied": _("Copied"),
        "discard": _("Discard"),
        "yours": _("Your version"),
        "saved": _("The version saved now"),
        "results": _("What happened to your changes"),
        "signal_back": _("You have a signal again."),
        "open_plan": _("Open the plan as it is saved now"),
        "waiting": _("waiting to send"),
        "about": _("About"),
        "needs": _("Needs"),
        "goal": _("Goal"),
        "steps": _("Steps"),
        "done": _("Done"),
        "mark_done": _("Mark as done"),
        "mark_not_done": _("Mark as not done"),
        "reword": _("Change the wording"),
        "save": _("Save"),
        "add_goal": _("Add a goal"),
        "add_step": _("Add a step"),
        "step_goal": _("Which goal is it for?"),
        "step_text": _("What is the step?"),
        "step_owner": _("Who will do it?"),
        "goal_need": _("Which need is it for?"),
        "goal_text": _("What is the goal?"),
        "need_text": _("What is the need?"),
        "check_in": _("Record a check-in"),
        "domain": _("Which part of life is this about?"),
        "score": _("How are things with this right now? (1 very hard, 10 going well)"),
        "rated_by": _("Whose rating is this?"),
        "note": _("Anything to add?"),
        "visit_note": _("Visit note"),
        "note_on": _("Which entry is it about?"),
        "note_text": _("What happened at the visit"),
        "latest_check_ins": _("Latest check-ins"),
        "consents": _("Consent in force"),
        "no_consents": _("No sharing or text message consent in force."),
        "text_messages": _("Text messages"),
        "suggestion": _("Suggested wording waiting"),
        "added": _("Kept on this phone: it will be sent when the signal returns."),
        "lost": _(
            "Changes that could not be opened: %(count)s. The offline visit ended before they were sent, "
            "so they were removed."
        ),
        "error_text": _("Write something first"),
    }
