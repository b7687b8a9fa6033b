"""Outbox rules: queueing a message once, cancelling it when the record changes, opting out and in,
and the advocate's inbox of what came back.

Callers own the transaction: these functions add and flush, never commit.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from functools import cache

from sqlalchemy import JSON, Integer, ScalarSelect, Select, bindparam, func, select, type_coerce, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from advocate_app import db
from advocate_app.accounts.models import User
from advocate_app.audit.services import record as audit
from advocate_app.consent import services as consent
from advocate_app.consent.models import Consent, ConsentKind, GivenHow
from advocate_app.db import utcnow
from advocate_app.people.models import Assignment, Person
from advocate_app.sms import messages
from advocate_app.sms.models import (
    WAITING,
    MessageKind,
    MessageStatus,
    SmsMessage,
    SmsNumber,
    SmsTask,
    StaffNumber,
    TaskKind,
)


def _values_for_storage(values: dict) -> dict:
    return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in values.items()}


def _values_from_storage(values: dict) -> dict:
    return {k: (date.fromisoformat(v) if k == "day" else v) for k, v in values.items()}


def queue(
    *,
    kind: MessageKind,
    template: str,
    key: str,
    to_number: str,
    language: str,
    earliest: datetime,
    latest: datetime,
    person_id: int | None = None,
    user_id: int | None = None,
    subject_id: int | None = None,
    values: dict | None = None,
) -> SmsMessage:
    """Put a message in the outbox once: the same ``key`` never makes a second message.

    A message with that key that was cancelled (the step's date moved away and back) is queued again;
    one that is waiting or has gone out is left as it is.
    """
    values = values or {}
    existing = db.session.scalar(select(SmsMessage).where(SmsMessage.idempotency_key == key))
    if existing is not None and existing.status is not MessageStatus.CANCELLED:
        return existing
    message = existing or SmsMessage(idempotency_key=key, attempts=0)
    message.person_id, message.user_id = person_id, user_id
    message.kind, message.template, message.subject_id = kind, template, subject_id
    message.template_values = _values_for_storage(values)
    message.language = language
    message.body = messages.render(template, language, **values)
    message.to_number = to_number
    message.earliest_at, message.latest_at = earliest, latest
    message.next_attempt_at = earliest
    message.status, message.status_reason = MessageStatus.QUEUED, ""
    message.updated_at = utcnow()
    if existing is None:
        try:
            # Two requests may queue the same reminder at once: the first one's message is the one kept.
            with db.session.begin_nested():
                db.session.add(message)
        except IntegrityError:
            return db.session.scalar(select(SmsMessage).where(SmsMessage.idempotency_key == key))
    db.session.flush()
    return message


def cancel_waiting(
    *,
    reason: str,
    person_id: int | None = None,
    kind: MessageKind | None = None,
    subject_id: int | None = None,
    keep_key: str | None = None,
) -> int:
    """Cancel messages not yet sent, for a person and/or about one subject; returns how many."""
    query = update(SmsMessage).where(SmsMessage.status.in_(WAITING - {MessageStatus.IN_DOUBT}))
    if person_id is not None:
        query = query.where(SmsMessage.person_id == person_id)
    if kind is not None:
        query = query.where(SmsMessage.kind == kind)
    if subject_id is not None:
        query = query.where(SmsMessage.subject_id == subject_id)
    if keep_key is not None:
        # The message still wanted (an advocate's copy adds ":<user id>" to the same key).
        query = query.where(
            SmsMessage.idempotency_key != keep_key, SmsMessage.idempotency_key.not_like(keep_key + ":%")
        )
    result = db.session.execute(
        query.values(status=MessageStatus.CANCELLED, status_reason=reason, updated_at=utcnow()),
        execution_options={"synchronize_session": "fetch"},
    )
    return result.rowcount or 0


def look_again(person: Person) -> None:
    """The person's number, language or safe windows changed: waiting messages are checked again now."""
    waiting = db.session.scalars(
        select(SmsMessage).where(
            SmsMessage.person_id == person.id, SmsMessage.status.in_(WAITING - {MessageStatus.IN_DOUBT})
        )
    ).all()
    now = utcnow()
    for message in waiting:
        if person.phone_e164:
            message.to_number = person.phone_e164
        if message.language != person.language:
            message.language = person.language
            values = _values_from_storage(message.template_values)
            message.body = messages.render(message.template, person.language, **values)
        message.status = MessageStatus.QUEUED
        message.next_attempt_at = max(now, message.earliest_at)
        message.updated_at = now


def number_state(number: str) -> SmsNumber:
    """The record of a number, made on first use, held until the transaction ends.

    Texts from a number not yet on record can arrive together (a STOP sent twice, a reply and a STOP):
    the record is inserted unless it is already there, then its row is held, so they are acted on one after
    the other and none is lost.
    """
    db.insert_new(SmsNumber, {"number": number, "updated_at": utcnow()}, conflict=[SmsNumber.number])
    db.lock(SmsNumber, number)
    return db.session.get(SmsNumber, number, populate_existing=True)


def people_with_number(number: str) -> list[Person]:
    """The open records whose mobile is ``number``."""
    return list(db.session.scalars(select(Person).where(Person.phone_e164 == number).order_by(Person.id)))


def staff_with_number(number: str) -> User | None:
    """The active member of staff whose mobile is ``number``."""
    return db.session.scalar(
        select(User).join(StaffNumber, StaffNumber.user_id == User.id).where(StaffNumber.number == number, User.active)
    )


def set_staff_number(user: User, number: str | None) -> None:
    """Record (or, with ``None``, forget) a member of staff's mobile."""
    current = db.session.scalar(select(StaffNumber).where(StaffNumber.user_id == user.id))
    if number is None:
        if current is not None:
            db.session.delete(current)
    elif current is None:
        db.session.add(StaffNumber(user_id=user.id, number=number))
    else:
        current.number = number
    db.session.flush()


def add_task(
    person_id: int,
    kind: TaskKind,
    *,
    detail: str = "",
    inbound_id: int | None = None,
    message_id: int | None = None,
    item_id: int | None = None,
) -> SmsTask:
    """Put something in the advocate's inbox for this person."""
    task = SmsTask(
        person_id=person_id, kind=kind, detail=detail, inbound_id=inbound_id, message_id=message_id, item_id=item_id
    )
    db.session.add(task)
    db.session.flush()
    return task


def opt_out(number: str, *, now: datetime | None = None) -> list[Person]:
    """STOP: the number gets nothing more, every SMS consent of its people is withdrawn, their advocates are told."""
    now = now or utcnow()
    state = number_state(number)
    state.opted_out_at = state.opted_out_at or now
    state.updated_at = now
    people = people_with_number(number)
    for person in people:
        # Cancelled before the consents are withdrawn, so the texts say why: the number opted out.
        cancel_waiting(reason="opted_out", person_id=person.id)
        active = db.session.scalars(
            select(Consent).where(
                Consent.person_id == person.id, Consent.kind == ConsentKind.SMS, Consent.withdrawn_at.is_(None)
            )
        ).all()
        for given in active:
            consent.withdraw(given, how=GivenHow.SMS_REPLY, by=None, now=now)
        add_task(person.id, TaskKind.OPTED_OUT)
    return people


def opt_in(number: str, *, now: datetime | None = None) -> list[Person]:
    """START: texts may come again; an SMS consent is recorded as given by text reply."""
    now = now or utcnow()
    state = number_state(number)
    state.opted_out_at = None
    state.paused_at = None
    state.updated_at = now
    people = people_with_number(number)
    for person in people:
        if not consent.has_active_sms_consent(person.id, now):
            consent.give(
                person, ConsentKind.SMS, given_how=GivenHow.SMS_REPLY, by=None, language=person.language, now=now
            )
        add_task(person.id, TaskKind.OPTED_IN)
    return people


def pause(number: str, *, now: datetime | None = None) -> list[Person]:
    """PAUSE: nothing more goes to the number from this moment, and the advocate is alerted."""
    now = now or utcnow()
    state = number_state(number)
    state.paused_at = state.paused_at or now
    state.updated_at = now
    people = people_with_number(number)
    for person in people:
        cancel_waiting(reason="paused", person_id=person.id)
        add_task(person.id, TaskKind.PAUSED)
    return people


def number_failed(message: SmsMessage, code: str | None) -> None:
    """The network refused the number for good: mark it and tell the advocate."""
    now = utcnow()
    state = number_state(message.to_number)
    state.failed_at, state.failed_code, state.updated_at = now, code, now
    if message.person_id is not None:
        add_task(message.person_id, TaskKind.NUMBER_FAILED, message_id=message.id, detail=code or "")


def open_tasks(person_id: int) -> list[SmsTask]:
    """What is waiting for the advocate about this person, newest first, with the reply text."""
    return list(
        db.session.scalars(
            select(SmsTask)
            .where(SmsTask.person_id == person_id, SmsTask.done_at.is_(None))
            .options(joinedload(SmsTask.inbound), joinedload(SmsTask.item))
            .order_by(SmsTask.created_at.desc(), SmsTask.id.desc())
        )
    )


def recent_messages(person_id: int, limit: int = 20) -> list[SmsMessage]:
    """The person's latest texts, newest first."""
    return list(
        db.session.scalars(
            select(SmsMessage)
            .where(SmsMessage.person_id == person_id)
            .order_by(SmsMessage.earliest_at.desc(), SmsMessage.id.desc())
            .limit(limit)
        )
    )


def open_task_counts(advocate: User) -> list[tuple[int, str, int]]:
    """(person id, name, open message tasks) for each person on the advocate's caseload with any, in one query."""
    return _by_name(db.session.execute(_open_task_counts_statement(), {"tasks_advocate": advocate.id}))


def open_tasks_figure(dialect: str) -> tuple[str, ScalarSelect, Callable]:
    """``open_task_counts`` for the caseload's own statement (``events.caseload_figures``): its rows as one JSON
    column, run with ``advocate_id``, and what reads them back, by name as ``open_task_counts`` gives them."""
    counts = _open_task_counts_statement("advocate_id").subquery()
    if dialect == "postgresql":
        rows = func.json_agg(func.json_build_array(*counts.c))
    else:
        rows = func.json_group_array(func.json_array(*counts.c))
    return "text_messages", select(type_coerce(rows, JSON)).scalar_subquery(), _by_name


def _by_name(rows) -> list[tuple[int, str, int]]:
    """(person id, name, open tasks) rows by name, case aside, then id (None: there are none)."""
    rows = [(person_id, name, count) for person_id, name, count in rows or ()]
    return sorted(rows, key=lambda row: (row[1].casefold(), row[1], row[0]))


@cache
def _open_task_counts_statement(advocate: str = "tasks_advocate") -> Select:
    # Every caseload asks: built once and run with the advocate's id.
    return (
        select(Person.id, Person.preferred_name, func.count(SmsTask.id))
        .join(SmsTask, SmsTask.person_id == Person.id)
        .join(
            Assignment,
            (Assignment.person_id == Person.id)
            & (Assignment.advocate_id == bindparam(advocate, type_=Integer()))
            & Assignment.ended_at.is_(None),
        )
        .where(SmsTask.done_at.is_(None))
        .group_by(Person.id, Person.preferred_name)
    )


def close_task(task: SmsTask, *, by: User) -> None:
    """The advocate has dealt with it."""
    if task.done_at is None:
        task.done_at = utcnow()
        task.done_by_id = by.id
        audit("update", actor=by, person_id=task.person_id, object_type="sms_task", object_id=task.id)


def number_blocked(number: str) -> SmsNumber | None:
    """The number's record when it has opted out, paused or failed; otherwise ``None``."""
    state = db.session.get(SmsNumber, number)
    return state if state is not None and state.blocked else None
