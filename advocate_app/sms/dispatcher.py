"""The dispatcher: claims due messages, applies the safety rules, hands them to the backend, records the answer.

Each round has three short transactions so no database lock is held while the provider is called:

1. *claim*: lock due rows (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so several dispatchers share the
   work; SQLite ignores it and runs one dispatcher), decide for each whether it may go now, is held until
   the person's next safe window, or is cancelled; mark those that go ``sending`` and commit.
2. *send*: outside any transaction, each message goes to the provider. A message that was in doubt (a
   timed-out request, or a dispatcher that died while it was ``sending``) is first looked for at the
   provider; only if it is not there is it sent again.
3. *record*: store each outcome; transient failures wait with exponential backoff and jitter.
"""

from __future__ import annotations

import logging
import random
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, bindparam, func, insert, or_, select, text, update
from sqlalchemy.orm import selectinload

from advocate_app import db
from advocate_app.accounts.models import User
from advocate_app.audit.models import AuditEvent
from advocate_app.clock import LOCAL_ZONE
from advocate_app.consent.models import Consent, ConsentKind
from advocate_app.db import utcnow
from advocate_app.people.models import Person, PersonStatus
from advocate_app.people.phones import NotAMobileNumber, to_e164_mobile
from advocate_app.sms import backends
from advocate_app.sms import services as sms
from advocate_app.sms.models import GONE_OUT, WAITING, MessageStatus, SmsMessage, SmsNumber, StaffNumber, TaskKind
from advocate_app.sms.windows import STAFF_WINDOW, every_day, hold_until_safe_window, local_midnight, next_safe_moment

log = logging.getLogger("advocate_app.sms")
MAX_BACKOFF = 3600.0
NOT_FOUND = "not_found"


@dataclass
class Job:
    """What the send step needs, copied out of the claim transaction."""

    id: int
    to: str
    body: str
    key: str
    claimed_at: datetime
    reconcile_since: datetime | None
    exclude: set[str] = field(default_factory=set)


@dataclass
class RoundCounts:
    sent: int = 0
    held: int = 0
    cancelled: int = 0
    retrying: int = 0
    failed: int = 0
    in_doubt: int = 0

    @property
    def touched(self) -> int:
        return self.sent + self.held + self.cancelled + self.retrying + self.failed + self.in_doubt


def backoff_seconds(attempts: int, base: float) -> float:
    """Exponential backoff with full jitter: up to ``base * 2**(attempts-1)``, at most an hour, at least half."""
    ceiling = min(MAX_BACKOFF, base * (2 ** max(0, attempts - 1)))
    return random.uniform(ceiling / 2, ceiling)  # noqa: S311 - spreading retries, not a secret


class Dispatcher:
    """One dispatcher process: its backend and its pool of sending threads."""

    def __init__(self, config: dict, backend=None):
        self.config = config
        self.backend = backend or backends.make_backend(config)
        self.pool = ThreadPoolExecutor(max_workers=max(1, config["SMS_DISPATCH_THREADS"]))

    def close(self) -> None:
        self.pool.shutdown(wait=True)

    def run_once(self, now: datetime | None = None) -> RoundCounts:
        """One round: claim up to a batch, send, record. Needs an app context."""
        counts = RoundCounts()
        try:
            jobs = self._claim(now or utcnow(), counts)
            if jobs:
                outcomes = list(self.pool.map(self._send, jobs))
                self._record(jobs, outcomes, counts)
        finally:
            # A long-running worker must not keep every message it ever saw in its session.
            db.session.close()
        return counts

    def drain(self, max_rounds: int = 1000) -> RoundCounts:
        """Rounds until nothing is due (for ``dispatch --once`` and tests)."""
        total = RoundCounts()
        for _ in range(max_rounds):
            counts = self.run_once()
            for name in ("sent", "held", "cancelled", "retrying", "failed", "in_doubt"):
                setattr(total, name, getattr(total, name) + getattr(counts, name))
            if counts.touched == 0:
                break
        return total

    # 1. claim ---------------------------------------------------------------------------------------------

    def _claim(self, now: datetime, counts: RoundCounts) -> list[Job]:
        lease = timedelta(seconds=self.config["SMS_SENDING_LEASE"])
        due = or_(
            and_(SmsMessage.status.in_(WAITING), SmsMessage.next_attempt_at <= now),
            and_(SmsMessage.status == MessageStatus.SENDING, SmsMessage.last_attempt_at < now - lease),
        )
        session = db.session
        try:
            batch = session.scalars(
                select(SmsMessage)
                .where(due)
                .order_by(SmsMessage.next_attempt_at, SmsMessage.id)
                .limit(self.config["SMS_BATCH_SIZE"])
                .with_for_update(skip_locked=True)
                .execution_options(populate_existing=True)
            ).all()
            if not batch:
                session.rollback()
                return []
            _one_claim_per_person_at_a_time(batch)
            rules = _Rules.load(batch, now, self.config)
            jobs, first_tries, lookups = [], [], []
            for message in batch:
                reconcile = message.status in (MessageStatus.IN_DOUBT, MessageStatus.SENDING)
                if not reconcile:
                    decision, when, reason = rules.decide(message)
                    if decision == "cancel":
                        message.status, message.status_reason = MessageStatus.CANCELLED, reason
                        message.updated_at = now
                        counts.cancelled += 1
                        continue
                    if decision == "hold":
                        message.status, message.status_reason = MessageStatus.HELD, reason
                        message.next_attempt_at = when
                        message.updated_at = now
                        counts.held += 1
                        continue
                (lookups if reconcile else first_tries).append(message.id)
                jobs.append(
                    Job(
                        id=message.id,
                        to=message.to_number,
                        body=message.body,
                        key=message.idempotency_key,
                        claimed_at=now,
                        reconcile_since=message.first_attempt_at if reconcile else None,
                    )
                )
            session.flush()
            # One statement for the whole batch: the round trips, not the rows, are what cost.
            table = SmsMessage.__table__
            sending = {
                "status": MessageStatus.SENDING.value,
                "status_reason": "",
                "last_attempt_at": now,
                "updated_at": now,
            }
            if first_tries:
                session.execute(
                    update(table)
                    .where(table.c.id.in_(first_tries))
                    .values(
                        attempts=table.c.attempts + 1,
                        first_attempt_at=func.coalesce(table.c.first_attempt_at, now),
                        **sending,
                    )
                )
            if lookups:
                session.execute(update(table).where(table.c.id.in_(lookups)).values(**sending))
            _known_sids(jobs)
            session.commit()
            return jobs
        except Exception:
            session.rollback()
            raise

    # 2. send ----------------------------------------------------------------------------------------------

    def _send(self, job: Job) -> backends.Outcome:
        try:
            if job.reconcile_since is not None:
                try:
                    sid = self.backend.find_sent(
                        to=job.to, body=job.body, since=job.reconcile_since, exclude=job.exclude
                    )
                except Exception as error:  # noqa: BLE001 - the provider could not be asked: still in doubt
                    log.warning("text message %s: could not look it up (%s)", job.key, type(error).__name__)
                    return backends.Outcome(backends.IN_DOUBT, error_code="lookup")
                if sid is not None:
                    return backends.Outcome(backends.SENT, provider_sid=sid)
                return backends.Outcome(NOT_FOUND)
            return self.backend.send(to=job.to, body=job.body, key=job.key)
        except Exception:  # a bug in a backend must not lose the message: look before trying again
            log.exception("text message %s: unexpected error while sending", job.key)
            return backends.Outcome(backends.IN_DOUBT, error_code="error")

    # 3. record --------------------------------------------------------------------------------------------

    def _record(self, jobs: list[Job], outcomes: list[backends.Outcome], counts: RoundCounts) -> None:
        session = db.session
        now = utcnow()
        base = float(self.config["SMS_RETRY_BASE"])
        table = SmsMessage.__table__
        # Each change applies only while the message is still ours: sending, and claimed at our time. A
        # dispatcher that outlived its lease finds the message taken over, and the other's answer wins.
        ours = (
            (table.c.id == bindparam("b_id"))
            & (table.c.status == MessageStatus.SENDING.value)
            & (table.c.last_attempt_at == bindparam("b_claimed"))
        )
        sent, retry, doubt, not_found, given_up = [], [], [], [], []
        for job, outcome in zip(jobs, outcomes, strict=True):
            row = {"b_id": job.id, "b_claimed": job.claimed_at}
            if outcome.result == backends.SENT:
                sent.append({**row, "provider_sid": outcome.provider_sid})
            elif outcome.result == NOT_FOUND:
                not_found.append(row)
            elif outcome.result == backends.IN_DOUBT:
                doubt.append({**row, "error_code": outcome.error_code})
            elif outcome.result == backends.TRANSIENT:
                retry.append((job, outcome))
            else:
                given_up.append((job, outcome))
        try:
            if sent:
                session.execute(
                    update(table)
                    .where(ours)
                    .values(
                        status=MessageStatus.SENT.value,
                        provider_sid=bindparam("provider_sid"),
                        sent_at=now,
                        updated_at=now,
                        error_code=None,
                    ),
                    sent,
                )
                # Only the rows this update changed count: a delivery report that came first has moved a
                # message on already, and the guarded update left it alone. The rows stay locked by the
                # update until the commit, so nothing can move them in between.
                changed = session.execute(
                    select(table.c.id, table.c.person_id, table.c.provider_sid).where(
                        table.c.id.in_([r["b_id"] for r in sent]),
                        table.c.status == MessageStatus.SENT.value,
                        table.c.sent_at == now,
                    )
                ).all()
                ours_now = {(r["b_id"], r["provider_sid"]) for r in sent}
                changed = [(row_id, person_id) for row_id, person_id, sid in changed if (row_id, sid) in ours_now]
                events = [
                    {"action": "sms_sent", "person_id": person_id, "object_type": "sms_message", "object_id": row_id}
                    for row_id, person_id in changed
                    if person_id
                ]
                if events:
                    session.execute(insert(AuditEvent), events)
                counts.sent += len(changed)
            if not_found:
                # It never reached the provider: it is an ordinary queued message again.
                session.execute(
                    update(table)
                    .where(ours)
                    .values(
                        status=MessageStatus.QUEUED.value, first_attempt_at=None, next_attempt_at=now, updated_at=now
                    ),
                    not_found,
                )
                counts.retrying += len(not_found)
            if doubt:
                session.execute(
                    update(table)
                    .where(ours)
                    .values(
                        status=MessageStatus.IN_DOUBT.value,
                        error_code=bindparam("error_code"),
                        next_attempt_at=bindparam("next_at"),
                        updated_at=now,
                    ),
                    [{**r, "next_at": now + timedelta(seconds=backoff_seconds(1, base))} for r in doubt],
                )
                counts.in_doubt += len(doubt)
            if retry or given_up:
                self._record_failures(retry, given_up, now, base, counts)
            session.commit()
        except Exception:
            session.rollback()
            raise

    def _record_failures(self, retry, given_up, now: datetime, base: float, counts: RoundCounts) -> None:
        """Transient failures wait and try again (until ``SMS_MAX_ATTEMPTS``); the rest fail and say why."""
        ids = [job.id for job, _ in retry + given_up]
        rows = {m.id: m for m in db.session.scalars(select(SmsMessage).where(SmsMessage.id.in_(ids)))}
        for job, outcome in retry + given_up:
            message = rows.get(job.id)
            if message is None or message.status is not MessageStatus.SENDING:
                continue
            if message.last_attempt_at != job.claimed_at:
                continue
            message.updated_at = now
            message.error_code = outcome.error_code
            if outcome.result == backends.TRANSIENT and message.attempts < self.config["SMS_MAX_ATTEMPTS"]:
                message.status, message.status_reason = MessageStatus.QUEUED, "retrying"
                message.first_attempt_at = None
                message.next_attempt_at = now + timedelta(seconds=backoff_seconds(message.attempts, base))
                counts.retrying += 1
                continue
            message.status = MessageStatus.FAILED
            message.status_reason = "refused" if outcome.result == backends.PERMANENT else "gave_up"
            if outcome.number_failed:
                sms.number_failed(message, outcome.error_code)
            elif message.person_id is not None:
                sms.add_task(
                    message.person_id, TaskKind.NOT_SENT, message_id=message.id, detail=outcome.error_code or ""
                )
            counts.failed += 1


# Namespace of our advocate_app advisory locks (the two-number form: namespace, person id).
_DAILY_LIMIT_LOCK = 7007


def _one_claim_per_person_at_a_time(batch: list[SmsMessage]) -> None:
    """On PostgreSQL, two dispatchers holding messages for the same person take turns to count what
    went out today, so together they never pass the daily limit. The locks end with the claim's
    transaction; taking them in order of id means two claims cannot wait on each other."""
    person_ids = sorted({m.person_id for m in batch if m.person_id is not None})
    if not person_ids or db.session.get_bind().dialect.name != "postgresql":
        return
    db.session.execute(
        text("SELECT pg_advisory_xact_lock(:space, id) FROM unnest(CAST(:ids AS integer[])) AS id ORDER BY id"),
        {"space": _DAILY_LIMIT_LOCK, "ids": person_ids},
    )


def _known_sids(jobs: list[Job]) -> None:
    """Provider ids already matched to other messages: a lookup must not claim one of them twice."""
    if not any(job.reconcile_since for job in jobs):
        return
    numbers = {job.to for job in jobs if job.reconcile_since}
    rows = db.session.execute(
        select(SmsMessage.to_number, SmsMessage.provider_sid).where(
            SmsMessage.to_number.in_(numbers), SmsMessage.provider_sid.is_not(None)
        )
    )
    by_number: dict[str, set[str]] = {}
    for number, sid in rows:
        by_number.setdefault(number, set()).add(sid)
    for job in jobs:
        job.exclude = by_number.get(job.to, set())


class _Rules:
    """DESIGN §4 rule 2 for one batch, with everything it needs loaded in a handful of queries."""

    def __init__(self):
        self.now: datetime
        self.config: dict
        self.people: dict[int, Person] = {}
        self.consented: set[int] = set()
        self.staff: dict[int, tuple[User, str]] = {}
        self.numbers: dict[str, SmsNumber] = {}
        self.sent_today: dict[int, int] = {}

    @classmethod
    def load(cls, batch: list[SmsMessage], now: datetime, config: dict) -> _Rules:
        rules = cls()
        rules.now, rules.config = now, config
        person_ids = {m.person_id for m in batch if m.person_id is not None}
        user_ids = {m.user_id for m in batch if m.user_id is not None}
        session = db.session
        if person_ids:
            rules.people = {
                p.id: p
                for p in session.scalars(
                    select(Person).where(Person.id.in_(person_ids)).options(selectinload(Person.safe_windows))
                )
            }
            rules.consented = set(
                session.scalars(
                    select(Consent.person_id).where(
                        Consent.person_id.in_(person_ids),
                        Consent.kind == ConsentKind.SMS,
                        Consent.in_force(now),
                    )
                )
            )
            today_starts = local_midnight(now.astimezone(LOCAL_ZONE).date())
            rules.sent_today = dict(
                session.execute(
                    select(SmsMessage.person_id, func.count(SmsMessage.id))
                    .where(
                        SmsMessage.person_id.in_(person_ids),
                        SmsMessage.status.in_(GONE_OUT),
                        SmsMessage.first_attempt_at >= today_starts,
                        SmsMessage.id.not_in([m.id for m in batch]),
                    )
                    .group_by(SmsMessage.person_id)
                ).all()
            )
        if user_ids:
            for user, number in session.execute(
                select(User, StaffNumber.number)
                .join(StaffNumber, StaffNumber.user_id == User.id)
                .where(User.id.in_(user_ids))
            ):
                rules.staff[user.id] = (user, number)
        numbers = {m.to_number for m in batch} | {p.phone_e164 for p in rules.people.values() if p.phone_e164}
        numbers |= {number for _, number in rules.staff.values()}
        rules.numbers = {n.number: n for n in session.scalars(select(SmsNumber).where(SmsNumber.number.in_(numbers)))}
        return rules

    def decide(self, message: SmsMessage) -> tuple[str, datetime | None, str]:
        """``("send", None, "")``, ``("hold", until, reason)`` or ``("cancel", None, reason)``."""
        if message.person_id is not None:
            found = self._person_number(message)
            if isinstance(found, tuple):
                return found
            windows = {w.weekday: (w.starts_at, w.ends_at) for w in self.people[message.person_id].safe_windows}
        else:
            staff = self.staff.get(message.user_id)
            if staff is None or not staff[0].active:
                return "cancel", None, "no_mobile"
            found = staff[1]
            windows = every_day(STAFF_WINDOW)
        message.to_number = found
        state = self.numbers.get(found)
        if state is not None and state.blocked:
            reason = "opted_out" if state.opted_out_at else "paused" if state.paused_at else "number_failed"
            return "cancel", None, reason
        if self.now >= message.latest_at:
            return "cancel", None, "stale"
        when = hold_until_safe_window(windows, now=self.now, earliest=message.earliest_at)
        if when is None:
            return "cancel", None, "no_safe_window"
        if when >= message.latest_at:
            return "cancel", None, "stale"
        if when > self.now:
            return "hold", when, "outside_window"
        if message.person_id is not None:
            already = self.sent_today.get(message.person_id, 0)
            if already >= self.config["SMS_DAILY_LIMIT"]:
                tomorrow = local_midnight(self.now.astimezone(LOCAL_ZONE).date() + timedelta(days=1))
                when = next_safe_moment(windows, tomorrow)
                if when is None or when >= message.latest_at:
                    return "cancel", None, "daily_limit"
                return "hold", when, "daily_limit"
            self.sent_today[message.person_id] = already + 1
        return "send", None, ""

    def _person_number(self, message: SmsMessage):
        person = self.people.get(message.person_id)
        if person is None or person.status is not PersonStatus.OPEN or person.anonymised_at is not None:
            return "cancel", None, "closed"
        if not person.sms_allowed or person.id not in self.consented:
            return "cancel", None, "no_consent"
        try:
            return to_e164_mobile(person.phone_e164 or "", current_app.config["DEFAULT_PHONE_REGION"])
        except NotAMobileNumber:
            return "cancel", None, "no_mobile"
