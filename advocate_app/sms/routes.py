"""Text-message pages and the provider's webhooks.

- ``POST /sms/inbound`` and ``POST /sms/status``: only with a valid ``X-Twilio-Signature`` (403 otherwise).
- ``/people/<id>/messages``: the advocate's inbox of replies and alerts for one person, and their texts.
- ``/sms/console``: in development with the console backend, the texts the advocate's people were sent.
"""

from __future__ import annotations

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

from advocate_app import db, policy
from advocate_app.accounts.auth import signed_in_user
from advocate_app.audit.services import record as audit
from advocate_app.extensions import csrf
from advocate_app.policy import Action
from advocate_app.sms import inbound, messages, queries
from advocate_app.sms import services as sms
from advocate_app.sms.labels import KIND_LABELS, STATUS_LABELS, TASK_LABELS
from advocate_app.sms.models import SmsTask
from advocate_app.team import contact as team_contact
from advocate_app.team.models import ActionKind


def signature_is_valid() -> bool:
    """Does ``X-Twilio-Signature`` sign this request, as addressed at ``PUBLIC_BASE_URL`` + path?

    Behind a TLS-terminating proxy the app sees ``http://``; the provider signed the public ``https://``
    address, so that is the one checked.
    """
    token = current_app.config["TWILIO_AUTH_TOKEN"]
    if not token:
        return False
    url = current_app.config["PUBLIC_BASE_URL"] + request.full_path.rstrip("?")
    signature = request.headers.get("X-Twilio-Signature", "")
    try:
        return RequestValidator(token).validate(url, request.form.to_dict(flat=True), signature)
    except (TypeError, ValueError, UnicodeError):
        return False


def _labels() -> dict:
    return {"task_labels": TASK_LABELS, "status_labels": STATUS_LABELS, "kind_labels": KIND_LABELS}


def _field(name: str, limit: int) -> str:
    value = request.form.get(name, "")
    return value[:limit] if isinstance(value, str) else ""


@csrf.exempt
def inbound_webhook():
    """A text received: keywords, numbered answers, or the advocate's inbox. Answered with TwiML."""
    if not signature_is_valid():
        abort(403)
    sid, sender = _field("MessageSid", 64).strip(), _field("From", 32).strip()
    if not sid or not sender:
        abort(400)
    reply = inbound.handle_inbound(sid, sender, _field("Body", 1600))
    db.session.commit()
    twiml = MessagingResponse()
    if reply.template:
        twiml.message(messages.render(reply.template, reply.language))
    return Response(str(twiml), mimetype="text/xml")


@csrf.exempt
def status_webhook():
    """A delivery report: moves the message forward only."""
    if not signature_is_valid():
        abort(403)
    sid = _field("MessageSid", 64).strip()
    status = _field("MessageStatus", 20).strip() or _field("SmsStatus", 20).strip()
    if not sid or not status:
        abort(400)
    inbound.record_status(sid, status, _field("ErrorCode", 20).strip() or None, request.args.get("k", "")[:80] or None)
    db.session.commit()
    return Response("", status=204)


@policy.requires(Action.SMS_INBOX)
def person_messages(person_id: int):
    """Replies and alerts about one person that need the advocate, and the texts they were sent."""
    person = policy.person_or_404(current_user, person_id, policy.Action.SMS_INBOX)
    tasks = sms.open_tasks(person_id)
    sent = sms.recent_messages(person_id)
    audit("view", actor=signed_in_user(), person_id=person_id, object_type="sms_inbox")
    db.session.commit()
    return render_template("sms/person_messages.html", person=person, tasks=tasks, sent=sent, **_labels())


@policy.requires(Action.SMS_INBOX)
def close_task(person_id: int, task_id: int):
    """The advocate has dealt with a reply or alert."""
    policy.person_or_404(current_user, person_id, policy.Action.SMS_INBOX)
    task = db.session.get(SmsTask, task_id)
    if task is None or task.person_id != person_id:
        abort(404)
    mode = team_contact.mode_from(request.form, signed_in_user())
    if mode is None:
        flash(_("Choose how it was done, with the person or about them, from the list."))
        return redirect(url_for("sms.person_messages", person_id=person_id))
    sms.close_task(task, by=signed_in_user())
    team_contact.record_action(person_id, ActionKind.TASK, task.id, mode, by=signed_in_user())
    db.session.commit()
    flash(_("Marked as dealt with."), "success")
    return redirect(url_for("sms.person_messages", person_id=person_id))


@policy.requires(Action.CASELOAD_VIEW)
def console():
    """Development only: what the console backend "sent" to the advocate's people, newest first."""
    if current_app.config["APP_ENV"] == "production" or current_app.config["SMS_BACKEND"] != "console":
        abort(404)
    rows = queries.console_messages(signed_in_user())
    return render_template("sms/console.html", rows=rows, **_labels())


def sms_inbox() -> list[tuple[int, str, int]]:
    """``sms_inbox()`` in templates (a template global): (person id, name, open message tasks) on the signed-in
    advocate's caseload."""
    if not policy.can(current_user, Action.CASELOAD_VIEW):
        return []
    return sms.open_task_counts(signed_in_user())
