"""The outbox and its dispatcher: safe windows, consent, daily limits, retries, refusals and messages in doubt."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from advocate_app import db
from advocate_app.audit.models import AuditEvent
from advocate_app.db import utcnow
from advocate_app.sms import inbound
from advocate_app.sms import services as sms
from advocate_app.sms.backends import TwilioBackend
from advocate_app.sms.dispatcher import Dispatcher
from advocate_app.sms.models import MessageKind, MessageStatus, SmsMessage, SmsNumber, SmsTask, TaskKind
from tests import factories
from tests.sms_fakes import TWILIO_CONFIG, FakeTwilio, status_key

SAM = "+447700900123"
ALL_WEEK_9_TO_8 = {day: (time(9, 0), time(20, 0)) for day in range(7)}
# A Wednesday in winter, so UK time is UTC.
WEDNESDAY_NOON = datetime(2026, 1, 14, 12, 0, tzinfo=UTC)


@pytest.fixture
def twilio_app(app_factory):
    app = app_factory(**TWILIO_CONFIG)
    factories.use(app)
    return app


def someone_who_agreed_to_texts(windows=ALL_WEEK_9_TO_8, phone=SAM, language="en"):
    advocate = factories.advocate()
    person = factories.person(advocate, phone_e164=phone, sms_allowed=True, safe_windows=windows, language=language)
    factories.texts(person, by=advocate, language=language)
    db.session.commit()
    return advocate, person


def queue_check_in(person, *, earliest=None, latest=None, key="check_in:test"):
    now = utcnow()
    message = sms.queue(kind=MessageKind.CHECK_IN, template="check_in", key=key, to_number=person.phone_e164,
                        language=person.language, earliest=earliest or now, latest=latest or now + timedelta(days=2),
                        person_id=person.id, subject_id=person.id)
    db.session.commit()
    return message.id


def dispatch(app, fake=None):
    backend = TwilioBackend(app.config, http_client_factory=lambda: fake) if fake is not None else None
    dispatcher = Dispatcher(app.config, backend=backend)
    try:
        return dispatcher.run_once()
    finally:
        dispatcher.close()


def message(message_id) -> SmsMessage:
    return db.session.get(SmsMessage, message_id, populate_existing=True)


def test_a_check_in_inside_the_safe_window_is_sent_once_through_the_library(twilio_app):
    fake = FakeTwilio()
    with time_machine.travel(WEDNESDAY_NOON, tick=False), twilio_app.app_context():
        _, person = someone_who_agreed_to_texts()
        message_id = queue_check_in(person)
        assert dispatch(twilio_app, fake).sent == 1
        assert dispatch(twilio_app, fake).touched == 0
        sent = message(message_id)
        assert sent.status is MessageStatus.SENT
        assert sent.provider_sid == fake.accepted[0]["sid"]
        assert fake.bodies_to(SAM) == [sent.body]
        assert "k=check_in:test" in fake.accepted[0]["status_callback"]
    # The library waits for ever unless told: every request carries our timeout.
    assert fake.timeouts and all(t == twilio_app.config["SMS_SEND_TIMEOUT"] for t in fake.timeouts)


def test_a_reminder_due_at_ten_at_night_waits_for_the_next_window_when_the_window_ends_at_eight(twilio_app):
    fake = FakeTwilio()
    ten_pm = datetime(2026, 1, 14, 22, 0, tzinfo=UTC)
    with time_machine.travel(ten_pm, tick=False), twilio_app.app_context():
        _, person = someone_who_agreed_to_texts()
        message_id = queue_check_in(person)
        assert dispatch(twilio_app, fake).held == 1
        held = message(message_id)
        assert held.status is MessageStatus.HELD
        assert held.status_reason == "outside_window"
        assert held.next_attempt_at == datetime(2026, 1, 15, 9, 0, tzinfo=UTC)
        assert fake.accepted == []
    with time_machine.travel(datetime(2026, 1, 15, 8, 59, tzinfo=UTC), tick=False), twilio_app.app_context():
        assert dispatch(twilio_app, fake).touched == 0
    with time_machine.travel(datetime(2026, 1, 15, 9, 0, 30, tzinfo=UTC), tick=False), twilio_app.app_context():
        assert dispatch(twilio_app, fake).sent == 1
        assert message(message_id).status is MessageStatus.SENT


def test_a_held_message_is_cancelled_when_it_would_arrive_too_late(twilio_app):
    with time_machine.travel(datetime(2026, 1, 14, 21, 0, tzinfo=UTC), tick=False), twilio_app.app_context():
        _, person = someone_who_agreed_to_texts()
        message_id = queue_check_in(person, latest=utcnow() + timedelta(hours=6))
        assert dispatch(twilio_app, FakeTwilio()).cancelled == 1
        assert (message(message_id).status, message(message_id).status_reason) == (MessageStatus.CANCELLED, "stale")


def test_nothing_goes_without_an_sms_consent_or_to_a_number_that_is_not_a_mobile(twilio_app):
    fake = FakeTwilio()
    with time_machine.travel(WEDNESDAY_NOON, tick=False), twilio_app.app_context():
        advocate = factories.advocate()
        no_consent = factories.person(advocate, phone_e164=SAM, sms_allowed=True, safe_windows=ALL_WEEK_9_TO_8)
        _, landline = someone_who_agreed_to_texts(phone="+442079460000")
        first = queue_check_in(no_consent, key="a")
        second = queue_check_in(landline, key="b")
        assert dispatch(twilio_app, fake).cancelled == 2
        assert message(first).status_reason == "no_consent"
        assert message(second).status_reason == "no_mobile"
    assert fake.accepted == []


def test_no_more_than_the_daily_limit_reaches_a_person_in_a_day(twilio_app):
    fake = FakeTwilio()
    with time_machine.travel(WEDNESDAY_NOON, tick=False), twilio_app.app_context():
        _, person = someone_who_agreed_to_texts()
        ids = [queue_check_in(person, key=f"k{n}") for n in range(5)]
        counts = dispatch(twilio_app, fake)
        assert (counts.sent, counts.held) == (3, 2)
        held = [message(i) for i in ids if message(i).status is MessageStatus.HELD]
        assert {m.status_reason for m in held} == {"daily_limit"}
        assert all(m.next_attempt_at == datetime(2026, 1, 15, 9, 0, tzinfo=UTC) for m in held)
    assert len(fake.accepted) == twilio_app.config["SMS_DAILY_LIMIT"]


def test_a_transient_failure_is_retried_with_backoff_and_sent_once(twilio_app):
    fake = FakeTwilio()
    # Including a wrong auth token while it is being rotated: ours to fix, so the message waits.
    fake.script = ["503", "429", "connect_timeout", "401"]
    with time_machine.travel(WEDNESDAY_NOON, tick=True), twilio_app.app_context():
        _, person = someone_who_agreed_to_texts()
        message_id = queue_check_in(person)
        for _ in range(4):
            assert dispatch(twilio_app, fake).retrying == 1
            assert message(message_id).status is MessageStatus.QUEUED
        assert dispatch(twilio_app, fake).sent == 1
        assert message(message_id).attempts == 5
    assert len(fake.accepted) == 1


def test_after_the_last_attempt_a_message_fails_and_the_advocate_is_told(app_factory):
    app = app_factory(**TWILIO_CONFIG, SMS_MAX_ATTEMPTS=2)
    factories.use(app)
    fake = FakeTwilio()
    fake.script = ["503", "503"]
    with time_machine.travel(WEDNESDAY_NOON, tick=True), app.app_context():
        _, person = someone_who_agreed_to_texts()
        message_id = queue_check_in(person)
        assert dispatch(app, fake).retrying == 1
        assert dispatch(app, fake).failed == 1
        assert (message(message_id).status, message(message_id).status_reason) == (MessageStatus.FAILED, "gave_up")
        task = db.session.scalar(select(SmsTask).where(SmsTask.person_id == person.id))
        assert (task.kind, task.message_id) == (TaskKind.NOT_SENT, message_id)
    assert fake.accepted == []


def test_backoff_doubles_with_jitter_up_to_an_hour():
    from advocate_app.sms.dispatcher import backoff_seconds

    waits = [backoff_seconds(n, 30) for n in range(1, 12)]
    assert 15 <= waits[0] <= 30
    assert 120 <= waits[3] <= 240
    assert all(w <= 3600 for w in waits)


@pytest.mark.parametrize("code", [21610, 21211, 21614])
def test_a_number_refused_for_good_is_marked_and_the_advocate_is_told(twilio_app, code):
    fake = FakeTwilio()
    fake.script = [code]
    with time_machine.travel(WEDNESDAY_NOON, tick=False), twilio_app.app_context():
        _, person = someone_who_agreed_to_texts()
        message_id = queue_check_in(person)
        assert dispatch(twilio_app, fake).failed == 1
        failed = message(message_id)
        assert (failed.status, failed.error_code) == (MessageStatus.FAILED, str(code))
        assert db.session.get(SmsNumber, SAM).failed_code == str(code)
        task = db.session.scalar(select(SmsTask).where(SmsTask.person_id == person.id))
        assert task.kind is TaskKind.NUMBER_FAILED
        # And nothing else is tried on that number.
        later = queue_check_in(person, key="later")
        assert dispatch(twilio_app, fake).cancelled == 1
        assert message(later).status_reason == "number_failed"
    assert fake.accepted == []


def test_a_send_that_timed_out_after_it_left_is_found_at_the_provider_and_not_sent_twice(twilio_app):
    fake = FakeTwilio()
    fake.script = ["read_timeout"]
    with time_machine.travel(WEDNESDAY_NOON, tick=True), twilio_app.app_context():
        _, person = someone_who_agreed_to_texts()
        message_id = queue_check_in(person)
        assert dispatch(twilio_app, fake).in_doubt == 1
        assert message(message_id).status is MessageStatus.IN_DOUBT
        assert dispatch(twilio_app, fake).sent == 1
        assert message(message_id).provider_sid == fake.accepted[0]["sid"]
    assert len(fake.accepted) == 1


def test_a_message_in_doubt_that_never_arrived_is_sent_again(twilio_app):
    fake = FakeTwilio()
    with time_machine.travel(WEDNESDAY_NOON, tick=True), twilio_app.app_context():
        _, person = someone_who_agreed_to_texts()
        message_id = queue_check_in(person)
        doubtful = message(message_id)
        doubtful.status, doubtful.first_attempt_at, doubtful.attempts = MessageStatus.IN_DOUBT, utcnow(), 1
        db.session.commit()
        fake.list_fails = True
        assert dispatch(twilio_app, fake).in_doubt == 1, "cannot ask the provider: still in doubt, nothing sent"
        fake.list_fails = False
        message(message_id).next_attempt_at = utcnow()
        db.session.commit()
        assert dispatch(twilio_app, fake).retrying == 1, "not at the provider: queued again"
        assert dispatch(twilio_app, fake).sent == 1
    assert len(fake.accepted) == 1


def test_a_message_left_sending_by_a_dispatcher_that_died_is_checked_after_its_lease(twilio_app):
    fake = FakeTwilio()
    with time_machine.travel(WEDNESDAY_NOON, tick=False) as clock, twilio_app.app_context():
        _, person = someone_who_agreed_to_texts()
        message_id = queue_check_in(person)
        # The first dispatcher marked it sending, the provider took it, and then the process was killed.
        stuck = message(message_id)
        stuck.status, stuck.attempts, stuck.first_attempt_at, stuck.last_attempt_at = (
            MessageStatus.SENDING, 1, utcnow(), utcnow())
        db.session.commit()
        fake.accept({"To": SAM, "Body": stuck.body})
        assert dispatch(twilio_app, fake).touched == 0, "inside its lease nobody else touches it"
        clock.shift(timedelta(seconds=twilio_app.config["SMS_SENDING_LEASE"] + 1))
        assert dispatch(twilio_app, fake).sent == 1
        assert message(message_id).provider_sid == fake.accepted[0]["sid"]
    assert len(fake.accepted) == 1


def test_the_console_backend_keeps_texts_on_a_development_page_and_sends_nothing(app, client, login):
    with time_machine.travel(WEDNESDAY_NOON, tick=False):
        with app.app_context():
            advocate, person = someone_who_agreed_to_texts()
            queue_check_in(person)
            assert dispatch(app).sent == 1
        login(client, advocate)
        page = client.get("/sms/console").get_data(as_text=True)
    assert "how are things at the moment" in page
    assert "Sent" in page


def test_the_development_page_does_not_exist_in_production_or_with_a_real_provider(app_factory, client, login):
    twilio = app_factory(**TWILIO_CONFIG)
    factories.use(twilio)
    advocate = factories.advocate()
    browser = twilio.test_client()
    login(browser, advocate)
    assert browser.get("/sms/console").status_code == 404


def test_dispatch_once_from_the_command_line(app):
    with time_machine.travel(WEDNESDAY_NOON, tick=False):
        with app.app_context():
            _, person = someone_who_agreed_to_texts()
            queue_check_in(person)
        result = app.test_cli_runner().invoke(args=["sms", "dispatch", "--once"])
    assert result.exit_code == 0, result.output
    assert "sent 1" in result.output


@pytest.mark.postgres
@pytest.mark.real_database
def test_two_dispatchers_on_postgresql_never_claim_the_same_message(twilio_app):
    """Claims use FOR UPDATE SKIP LOCKED: a second dispatcher skips what the first has locked."""
    from advocate_app.sms.dispatcher import RoundCounts

    with time_machine.travel(WEDNESDAY_NOON, tick=True), twilio_app.app_context():
        people = [someone_who_agreed_to_texts(phone=f"+4477009001{n:02d}")[1] for n in range(4)]
        for n, person in enumerate(people):
            queue_check_in(person, key=f"k{n}")
        first = Dispatcher({**twilio_app.config, "SMS_BATCH_SIZE": 2}, backend=TwilioBackend(
            twilio_app.config, http_client_factory=FakeTwilio))
        # The first dispatcher's claim transaction stays open while a second one claims.
        session = db.session
        locked = session.scalars(
            select(SmsMessage).order_by(SmsMessage.id).limit(2).with_for_update(skip_locked=True)
        ).all()
        with twilio_app.app_context():
            fake = FakeTwilio()
            backend = TwilioBackend(twilio_app.config, http_client_factory=lambda: fake)
            second = Dispatcher(twilio_app.config, backend=backend)
            counts: RoundCounts = second.run_once()
            second.close()
        assert counts.sent == 2
        assert {m["to"] for m in fake.accepted}.isdisjoint({m.to_number for m in locked})
        session.rollback()
        first.close()


@pytest.mark.postgres
@pytest.mark.real_database
def test_two_dispatchers_together_keep_to_the_daily_limit(twilio_app):
    """A second dispatcher waits while the first claims for the same person, then counts what it sent."""
    import threading

    from advocate_app.sms.dispatcher import _one_claim_per_person_at_a_time

    with time_machine.travel(WEDNESDAY_NOON, tick=True), twilio_app.app_context():
        _, person = someone_who_agreed_to_texts()
        ids = [queue_check_in(person, key=f"k{n}") for n in range(4)]
        # The first dispatcher has claimed three of them and is counting for this person.
        first_three = db.session.scalars(
            select(SmsMessage).where(SmsMessage.id.in_(ids[:3])).with_for_update(skip_locked=True)
        ).all()
        _one_claim_per_person_at_a_time(first_three)
        results = {}

        def second_dispatcher():
            with twilio_app.app_context():
                results["counts"] = dispatch(twilio_app, FakeTwilio())

        other = threading.Thread(target=second_dispatcher)
        other.start()
        other.join(timeout=1.0)
        assert other.is_alive(), "the second dispatcher waits for the first one's claim"
        for message_row in first_three:
            message_row.status, message_row.first_attempt_at = MessageStatus.SENDING, utcnow()
        db.session.commit()
        other.join(timeout=10)
        assert (results["counts"].sent, results["counts"].held) == (0, 1)
        assert message(ids[3]).status_reason == "daily_limit"


class ReportsBeforeAnswering(FakeTwilio):
    """A provider whose delivery report reaches us before its answer to the send has been recorded."""

    def __init__(self, app):
        super().__init__()
        self.app = app

    def accept(self, data: dict) -> dict:
        message = super().accept(data)
        with self.app.app_context():
            assert inbound.record_status(message["sid"], "delivered", None, status_key(message))
            db.session.commit()
        return message


def test_a_message_delivered_before_its_send_is_recorded_is_neither_counted_nor_audited_again(twilio_app):
    fake = ReportsBeforeAnswering(twilio_app)
    with time_machine.travel(WEDNESDAY_NOON, tick=True), twilio_app.app_context():
        _, person = someone_who_agreed_to_texts()
        message_id = queue_check_in(person)
        counts = dispatch(twilio_app, fake)
        assert message(message_id).status is MessageStatus.DELIVERED
        assert counts.sent == 0, "the dispatcher's update changed nothing, so it sent nothing it can count"
        assert db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "sms_sent")) == 0
    assert len(fake.accepted) == 1
