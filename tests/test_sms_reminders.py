"""Reminders follow the record: queued when a step, review or referral needs one, cancelled when it no longer does."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import select

from advocate_app import db, events
from advocate_app.clock import local_today
from advocate_app.consent import services as consent
from advocate_app.consent.models import GivenHow
from advocate_app.db import utcnow
from advocate_app.people import services as people
from advocate_app.plans import outcomes
from advocate_app.plans import services as plans
from advocate_app.plans.models import ItemKind, StepOwner
from advocate_app.sms import reminders
from advocate_app.sms import services as sms
from advocate_app.sms.models import MessageKind, MessageStatus, SmsMessage
from tests import factories

SAM = "+447700900123"
ALL_DAY = {day: (time(8, 0), time(21, 0)) for day in range(7)}


@pytest.fixture
def sam(app):
    with app.app_context():
        alex = factories.advocate(name="Alex")
        person = factories.person(alex, name="Sam", phone_e164=SAM, sms_allowed=True, safe_windows=ALL_DAY)
        sms_consent = factories.texts(person, by=alex)
        db.session.commit()
        return {"person": person, "advocate": alex, "consent_id": sms_consent.id}


def messages_of(kind: MessageKind) -> list[SmsMessage]:
    return list(db.session.scalars(select(SmsMessage).where(SmsMessage.kind == kind).order_by(SmsMessage.id)))


def a_step(sam, *, days=2, owner=StepOwner.ME):
    plan = plans.plan_for(sam["person"].id, by=sam["advocate"])
    need = plans.add_item(plan, ItemKind.NEED, plans.ItemFields("Home", domain="housing", priority=1),
                          by=sam["advocate"])
    goal = plans.add_item(plan, ItemKind.GOAL, plans.ItemFields("Move"), by=sam["advocate"], parent=need)
    return plans.add_item(plan, ItemKind.STEP, plans.ItemFields("Call", owner=owner,
                          due_date=local_today() + timedelta(days=days)), by=sam["advocate"], parent=goal)


def test_a_step_of_their_own_with_a_date_gets_a_reminder_from_the_day_before(app, sam):
    with app.app_context():
        step = a_step(sam)
        db.session.commit()
        [reminder] = messages_of(MessageKind.STEP_DUE)
        assert reminder.status is MessageStatus.QUEUED
        assert reminder.person_id == sam["person"].id
        assert reminder.earliest_at.date() >= local_today() + timedelta(days=1) - timedelta(days=1)
        assert "Reply 1" in reminder.body and "Call" not in reminder.body, "never the plan's content"
        assert reminder.subject_id == step.id


def test_steps_for_the_advocate_get_no_text_to_the_person(app, sam):
    with app.app_context():
        a_step(sam, owner=StepOwner.ADVOCATE)
        assert messages_of(MessageKind.STEP_DUE) == []


def test_ticking_a_step_off_cancels_its_reminder_and_unticking_brings_it_back(app, sam):
    with app.app_context():
        step = a_step(sam)
        plans.set_step_done(step, True, by=sam["advocate"])
        [reminder] = messages_of(MessageKind.STEP_DUE)
        assert (reminder.status, reminder.status_reason) == (MessageStatus.CANCELLED, "record_changed")
        plans.set_step_done(step, False, by=sam["advocate"])
        [reminder] = messages_of(MessageKind.STEP_DUE)
        assert reminder.status is MessageStatus.QUEUED


def test_moving_a_due_date_moves_the_reminder(app, sam):
    with app.app_context():
        step = a_step(sam)
        new_date = local_today() + timedelta(days=5)
        plans.edit_item(step, plans.ItemFields("Call", owner=StepOwner.ME, due_date=new_date), by=sam["advocate"])
        old, new = messages_of(MessageKind.STEP_DUE)
        assert old.status is MessageStatus.CANCELLED
        assert new.status is MessageStatus.QUEUED and new.idempotency_key.endswith(new_date.isoformat())


def test_withdrawing_sms_consent_cancels_everything_waiting(app, sam):
    from advocate_app.consent.models import Consent

    with app.app_context():
        a_step(sam)
        consent.withdraw(db.session.get(Consent, sam["consent_id"]), how=GivenHow.VERBAL, by=sam["advocate"])
        [reminder] = messages_of(MessageKind.STEP_DUE)
        assert (reminder.status, reminder.status_reason) == (MessageStatus.CANCELLED, "no_consent")


def test_a_review_date_reminds_the_person_and_their_lead_advocate_with_a_mobile(app, sam):
    with app.app_context():
        sms.set_staff_number(sam["advocate"], "+447700900456")
        plan = plans.plan_for(sam["person"].id, by=sam["advocate"])
        outcomes.set_next_review(plan, local_today() + timedelta(days=10), by=sam["advocate"])
        assert len(messages_of(MessageKind.REVIEW_DUE)) == 1
        [staff] = messages_of(MessageKind.REVIEW_DUE_ADVOCATE)
        assert staff.user_id == sam["advocate"].id and staff.to_number == "+447700900456"
        outcomes.set_next_review(plan, local_today() + timedelta(days=12), by=sam["advocate"])
        statuses = [m.status for m in messages_of(MessageKind.REVIEW_DUE)]
        assert statuses == [MessageStatus.CANCELLED, MessageStatus.QUEUED]
        statuses = [m.status for m in messages_of(MessageKind.REVIEW_DUE_ADVOCATE)]
        assert statuses == [MessageStatus.CANCELLED, MessageStatus.QUEUED]


def test_a_new_number_or_language_is_used_by_messages_still_waiting(app, sam):
    with app.app_context():
        a_step(sam)
        person = people.load_for_edit(sam["person"].id)
        details = people.PersonDetails(preferred_name="Sam", language="pl", phone_e164="+447700900888",
                                       sms_allowed=True, safe_windows=ALL_DAY)
        people.update_person(person, details, by=sam["advocate"])
        [reminder] = messages_of(MessageKind.STEP_DUE)
        assert reminder.to_number == "+447700900888"
        assert reminder.language == "pl" and "Odpowiedz" in reminder.body


def test_the_daily_sweep_queues_check_ins_and_due_reminders_once(app, sam):
    with app.app_context():
        step = a_step(sam, days=1)
        reminders.sweep()
        reminders.sweep()
        db.session.commit()
        assert len(messages_of(MessageKind.CHECK_IN)) == 1
        assert [m.subject_id for m in messages_of(MessageKind.STEP_DUE)] == [step.id]
    result = app.test_cli_runner().invoke(args=["sms", "reminders"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert len(messages_of(MessageKind.CHECK_IN)) == 1


def test_staff_mobiles_are_set_from_the_command_line(app):
    advocate = factories.advocate(email="alex@example.org")
    runner = app.test_cli_runner()
    assert runner.invoke(args=["sms", "staff-number", "alex@example.org", "07700 900456"]).exit_code == 0
    assert runner.invoke(args=["sms", "staff-number", "alex@example.org", "020 7946 0000"]).exit_code != 0
    with app.app_context():
        assert sms.staff_with_number("+447700900456").id == advocate.id


def test_a_wider_safe_window_releases_a_held_message_at_once(app, sam):
    import time_machine

    from advocate_app.sms.dispatcher import Dispatcher

    with time_machine.travel(datetime(2026, 1, 14, 21, 30, tzinfo=UTC), tick=False), app.app_context():
        message_id = sms.queue(kind=MessageKind.CHECK_IN, template="check_in", key="held", to_number=SAM,
                               language="en", earliest=utcnow(), latest=utcnow() + timedelta(days=2),
                               person_id=sam["person"].id).id
        db.session.commit()
        dispatcher = Dispatcher(app.config)
        assert dispatcher.run_once().held == 1, "21:30 is after the window closes at 21:00"
        person = people.load_for_edit(sam["person"].id)
        later = {day: (time(8, 0), time(22, 30)) for day in range(7)}
        people.update_person(person, people.PersonDetails(preferred_name="Sam", phone_e164=SAM, sms_allowed=True,
                                                          safe_windows=later), by=sam["advocate"])
        db.session.commit()
        assert dispatcher.run_once().sent == 1
        dispatcher.close()
        assert db.session.get(SmsMessage, message_id, populate_existing=True).status is MessageStatus.SENT


def test_however_many_apps_are_built_each_event_reaches_the_reminders_once(app_factory):
    app_factory()
    app_factory()
    followed = (events.step_changed, events.step_done, events.review_date_changed, events.referral_made,
                events.referral_moved_on, events.contact_details_changed, events.consent_withdrawn)
    # The reminders' own receivers (other features, such as the team's leads, may follow an event too).
    reminders_receiving = [
        sum(1 for receiver in event.receivers.values() if receiver.__module__ == "advocate_app.sms.reminders")
        for event in followed
    ]
    assert reminders_receiving == [1] * len(followed)
