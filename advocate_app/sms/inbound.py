"""What a text received does: keywords, numbered answers to a prompt, "YES <code>" from an organisation,
and everything else to the advocate's inbox. Status reports from the provider move a message forward only.

Answers we send back are from ``messages.TEMPLATES``: they never hold anything about the person.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from advocate_app import db, policy
from advocate_app.accounts.models import Role, User
from advocate_app.clock import local_today
from advocate_app.db import utcnow
from advocate_app.people.models import Person
from advocate_app.plans import services as plans
from advocate_app.plans.models import PlanStatus, RatedBy
from advocate_app.plans.outcomes import record_check_in
from advocate_app.referrals import services as referrals
from advocate_app.referrals.models import Referral, ReferralStatus
from advocate_app.sms import backends, verdict_question
from advocate_app.sms import services as sms
from advocate_app.sms.models import InboundSms, MessageKind, MessageStatus, SmsMessage, TaskKind

STOP_WORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "END", "QUIT", "CANCEL", "OPTOUT", "REVOKE"})
START_WORDS = frozenset({"START", "UNSTOP"})
HELP_WORDS = frozenset({"HELP"})
PAUSE_WORDS = frozenset({"PAUSE"})
# How long after a prompt a bare number is taken as the answer to it.
PROMPT_ANSWER_DAYS = 7
# A check-in this low is put in front of the advocate as well as recorded.
LOW_CHECK_IN = 3
CHECK_IN_DOMAIN = "mental_wellbeing"
_YES_CODE = re.compile(r"^\s*YES\s+([A-Z0-9]{4,12})\s*$", re.IGNORECASE)
_NUMBER = re.compile(r"^\s*(\d{1,2})\b")


@dataclass
class Reply:
    """What we did and the template to answer with (``None``: no answer)."""

    handled_as: str
    template: str | None
    language: str = "en"


@dataclass
class _Person:
    """Who acts when a person answers by text: their own login if they have one."""

    id: int | None
    role: Role = Role.INDIVIDUAL


def handle_inbound(provider_sid: str, from_number: str, body: str) -> Reply:
    """Act on one text received. A second delivery of the same ``provider_sid`` changes nothing.

    The caller commits.
    """
    if db.session.scalar(select(InboundSms.id).where(InboundSms.provider_sid == provider_sid)) is not None:
        return Reply("duplicate", None)
    inbound = InboundSms(provider_sid=provider_sid, from_number=from_number[:32], body=body[:1600])
    try:
        with db.session.begin_nested():
            db.session.add(inbound)
    except IntegrityError:
        return Reply("duplicate", None)
    reply = _act(inbound, body)
    inbound.handled_as = reply.handled_as
    return reply


def _act(inbound: InboundSms, body: str) -> Reply:
    number = inbound.from_number
    word = body.strip().split()[0].upper() if body.strip() else ""
    people = sms.people_with_number(number)
    language = people[0].language if people else "en"
    if people:
        inbound.person_id = people[0].id
    if word in STOP_WORDS:
        sms.opt_out(number)
        # The provider confirms an opt-out itself; a second text would only add to what a watcher sees.
        return Reply("stop", None)
    if word in START_WORDS:
        sms.opt_in(number)
        return Reply("start", "started", language)
    if word in HELP_WORDS:
        return Reply("help", "help", language)
    if word in PAUSE_WORDS:
        sms.pause(number)
        return Reply("pause", "paused", language)
    staff = None if people else sms.staff_with_number(number)
    if staff is not None:
        inbound.user_id = staff.id
        return _staff_reply(staff, body)
    if not people:
        return Reply("unknown", None)
    prompt = _last_prompt(number)
    person = next((p for p in people if prompt is not None and p.id == prompt.person_id), people[0])
    inbound.person_id = person.id
    language = person.language
    answer = _NUMBER.match(body)
    if prompt is not None and answer is not None and prompt.kind is MessageKind.VERDICT:
        if verdict_question.answer(prompt, person, int(answer.group(1)), body[answer.end() :], by=_actor(person)):
            return Reply("verdict", "noted", language)
    elif prompt is not None and answer is not None:
        handled = _answer_prompt(prompt, person, int(answer.group(1)), inbound)
        if handled is not None:
            return Reply(handled, "noted", language)
    sms.add_task(person.id, TaskKind.REPLY, inbound_id=inbound.id)
    return Reply("inbox", "passed_on", language)


def _last_prompt(number: str) -> SmsMessage | None:
    return db.session.scalar(
        select(SmsMessage)
        .where(
            SmsMessage.to_number == number,
            SmsMessage.kind.in_([MessageKind.STEP_DUE, MessageKind.CHECK_IN, MessageKind.VERDICT]),
            SmsMessage.status.in_([MessageStatus.SENT, MessageStatus.DELIVERED]),
            SmsMessage.sent_at >= utcnow() - timedelta(days=PROMPT_ANSWER_DAYS),
        )
        .order_by(SmsMessage.sent_at.desc(), SmsMessage.id.desc())
        .limit(1)
    )


def _actor(person: Person):
    login = db.session.scalar(select(User).where(User.person_id == person.id, User.role == Role.INDIVIDUAL))
    return login or _Person(id=None)


def _answer_prompt(prompt: SmsMessage, person: Person, number: int, inbound: InboundSms) -> str | None:
    """Numbered answers: 1 done / 2 rearrange / 3 help for a step; 1–10 for a check-in."""
    if prompt.kind is MessageKind.CHECK_IN and 1 <= number <= 10:
        record_check_in(
            person.id,
            domain=CHECK_IN_DOMAIN,
            score=number,
            rated_by=RatedBy.PERSON,
            taken_on=local_today(),
            by=_actor(person),
        )
        if number <= LOW_CHECK_IN:
            sms.add_task(person.id, TaskKind.LOW_CHECK_IN, inbound_id=inbound.id, detail=str(number))
        return "check_in"
    if prompt.kind is MessageKind.STEP_DUE and number in (1, 2, 3):
        step = plans.load_item(prompt.subject_id) if prompt.subject_id else None
        if step is None or step.plan.person_id != person.id:
            return None
        if number == 1:
            if step.plan.status is PlanStatus.ACTIVE and not step.is_done:
                plans.set_step_done(step, True, by=_actor(person))
            return "step_done"
        kind = TaskKind.REARRANGE if number == 2 else TaskKind.HELP_ASKED
        sms.add_task(person.id, kind, inbound_id=inbound.id, item_id=step.id)
        return "rearrange" if number == 2 else "help_asked"
    return None


def _staff_reply(staff: User, body: str) -> Reply:
    """An organisation worker accepts a referral with "YES <code>"."""
    language = staff.locale or "en"
    match = _YES_CODE.match(body)
    if not policy.can(staff, policy.Action.REFERRALS_RECEIVE) or match is None:
        return Reply("staff_other", "help", language)
    referral = db.session.scalar(
        select(Referral).where(
            Referral.reference == match.group(1).upper(), Referral.organisation_id == staff.organisation_id
        )
    )
    if referral is None or referral.status is not ReferralStatus.SENT:
        return Reply("referral_not_found", "help", language)
    referrals.change_status(referral, ReferralStatus.ACCEPTED, by=staff)
    return Reply("referral_accepted", "noted", language)


# Delivery reports --------------------------------------------------------------------------------------------

_PROVIDER_STATUS = {
    "sent": MessageStatus.SENT,
    "delivered": MessageStatus.DELIVERED,
    "read": MessageStatus.DELIVERED,
    "undelivered": MessageStatus.UNDELIVERED,
    "failed": MessageStatus.FAILED,
}
_RANK = {
    MessageStatus.QUEUED: 0,
    MessageStatus.HELD: 0,
    MessageStatus.SENDING: 0,
    MessageStatus.IN_DOUBT: 0,
    MessageStatus.SENT: 1,
    MessageStatus.DELIVERED: 2,
    MessageStatus.UNDELIVERED: 2,
    MessageStatus.FAILED: 2,
    MessageStatus.CANCELLED: 2,
}


def record_status(provider_sid: str, provider_status: str, error_code: str | None, key: str | None) -> bool:
    """Move a message forward on a delivery report; an older or repeated report changes nothing.

    :param key: our idempotency key, carried in the status callback address, for a report that
        arrives before the dispatcher has stored the provider's id.
    :returns: True when the message changed.
    """
    message = db.session.scalar(select(SmsMessage).where(SmsMessage.provider_sid == provider_sid))
    if message is None and key:
        message = db.session.scalar(select(SmsMessage).where(SmsMessage.idempotency_key == key))
        if message is not None and message.provider_sid not in (None, provider_sid):
            return False
    if message is None:
        return False
    new = _PROVIDER_STATUS.get(provider_status.lower())
    changed = message.provider_sid is None
    message.provider_sid = message.provider_sid or provider_sid
    if new is None or _RANK[new] <= _RANK[message.status]:
        return changed
    message.status = new
    message.sent_at = message.sent_at or utcnow()
    message.updated_at = utcnow()
    if error_code:
        message.error_code = error_code[:20]
    if new in (MessageStatus.UNDELIVERED, MessageStatus.FAILED):
        code = int(error_code) if error_code and error_code.isdigit() else None
        if code in backends.PERMANENT_CODES:
            sms.number_failed(message, error_code)
    return True
