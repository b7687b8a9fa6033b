"""Views for offline visits: take a plan offline, hand keys back, receive the outbox, remove what is kept, and the
service worker and the page it shows without a signal. Advocates only; a person's own pages never load any of it."""

from __future__ import annotations

import json
from pathlib import Path

from flask import abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from advocate_app import db, policy
from advocate_app.accounts import auth
from advocate_app.accounts.auth import signed_in_user as _me
from advocate_app.db import utcnow
from advocate_app.offline import services, snapshot, sync
from advocate_app.offline.words import words_file
from advocate_app.policy import Action, requires

# How many changes one request may carry (a day's visits make a few dozen at most).
MAX_CHANGES = 200


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


@requires(Action.OFFLINE_TAKE)
def take(person_id: int):
    """Keep this person's plan on this phone for the visit: the key and what the visit needs, as JSON."""
    person = policy.person_or_404(_me(), person_id, Action.OFFLINE_TAKE)
    now = utcnow()
    visit = services.take(
        person.id,
        by=_me(),
        session_id=services.session_hash(auth.current_token()),
        lifetime=current_app.config["OFFLINE_VISIT_LIFETIME"],
        now=now,
    )
    data = snapshot.for_visit(visit, person, by=_me(), now=now)
    db.session.commit()
    if not _wants_json():
        flash(_("This plan can be kept on this phone only with JavaScript turned on."))
        return redirect(url_for("plans.plan", person_id=person.id))
    return jsonify(visit=visit.id, key=visit.key, expires_at=visit.expires_at.isoformat(), data=data)


@requires(Action.OFFLINE_USE)
def keys():
    """The keys of the user's live visits this device names, and a fresh token for sending the outbox."""
    wanted = [int(value) for value in request.args.getlist("visit") if value.isdigit() and len(value) < 10][:50]
    found = services.keys_for(wanted, by=_me())
    db.session.commit()
    return jsonify(keys={str(k): v for k, v in found.items()}, csrf_token=generate_csrf(), user=current_user.id)


@requires(Action.OFFLINE_USE)
def send():
    """Apply the changes a device kept while offline, one by one, each in its own transaction."""
    try:
        changes = json.loads(request.form.get("changes", "[]"))
    except ValueError:
        return jsonify(error="malformed"), 400
    if not isinstance(changes, list) or len(changes) > MAX_CHANGES:
        return jsonify(error="malformed"), 400
    results = []
    for change in changes:
        result = sync.apply(change, by=_me())
        db.session.commit()
        results.append(_worded(result))
    return jsonify(results=results)


def _worded(result: dict) -> dict:
    """A result with the plain words the advocate reads."""
    words = {"words": str(sync.OUTCOME_WORDS[result["outcome"]])}
    if result.get("reason"):
        words["reason_words"] = str(sync.REASONS[result["reason"]])
    return {**result, **words}


@requires(Action.OFFLINE_USE)
def remove():
    """ "Remove offline data": end every visit of this advocate and destroy their keys."""
    services.forget_all(current_user.id)
    db.session.commit()
    if _wants_json():
        return jsonify(removed=True)
    flash(_("Offline data removed from this phone."), "success")
    return redirect(url_for("accounts.home"))


@requires(Action.OFFLINE_USE)
def page():
    """The page the service worker shows for a plan when there is no signal: words only, no one's data."""
    return render_template("offline/page.html")


def words(locale: str, version: str):
    """The offline code's words in a language: no one's data, so anyone may have them. Every advocate's page names
    the file of its language by the version of its words, so a browser keeps it for a year; an address of words
    that have since changed is answered with today's, for no one to keep."""
    if locale not in current_app.config["LANGUAGES"]:
        abort(404)
    with force_locale(locale):
        found = words_file()
    response = current_app.response_class(found.body, mimetype="application/json")
    current = found.url.rpartition("/")[2] == f"{version}.json"
    response.headers["Cache-Control"] = "public, max-age=31536000, immutable" if current else "no-cache"
    return response


@requires(Action.OFFLINE_USE)
def worker():
    """The service worker, from the site's root so that its scope covers the plan pages. It keeps the words of the
    advocate's language of the moment with the built files."""
    manifest = json.loads((Path(current_app.static_folder) / "dist" / "manifest.json").read_text())
    source = (Path(current_app.static_folder) / "dist" / manifest["offline-worker.js"]).read_text()
    files = [url_for("assets.built", filename=manifest[name]) for name in ("app.css", "offline.mjs")]
    files.append(words_file().url)
    head = f"const FILES = {json.dumps(files)}, PAGE = {json.dumps(url_for('offline.page'))};\n"
    response = current_app.response_class(head + source, mimetype="text/javascript")
    response.headers["Cache-Control"] = "no-cache"
    return response
