"""Texts received and delivery reports: signed by the provider or refused, keywords, numbered answers."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
import time_machine
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from advocate_app import db
from advocate_app.clock import local_today
from advocate_app.consent import services as consent
from advocate_app.consent.models import GivenHow
from advocate_app.db import utcnow
from advocate_app.people.models import Person
from advocate_app.plans import services as plans
from advocate_app.plans.models import CheckIn, ItemKind, StepOwner
from advocate_app.sms import services as sms
from advocate_app.sms.backends import TwilioBackend
from advocate_app.sms.dispatcher import Dispatcher
from advocate_app.sms.models import InboundSms, MessageKind, MessageStatus, SmsMessage, SmsNumber, SmsTask, TaskKind
from tests import factories
from tests.conftest import statements_run
from tests.sms_fakes import AUTH_TOKEN, TWILIO_CONFIG, FakeTwilio, signed_post

SAM = "+447700900123"
ALL_DAY = {day: (time(0, 0), time(23, 59)) for day in range(7)}


@pytest.fixture
def app(app_factory):
    return app_factory(**TWILIO_CONFIG)


@pytest.fixture
def sam(app):
    """Sam has agreed to texts; Alex is Sam's advocate."""
    with app.app_context():
        alex = factories.advocate(name="Alex")
        person = factories.person(alex, name="Sam", phone_e164=SAM, sms_allowed=True, safe_windows=ALL_DAY)
        factories.texts(person, by=alex)
        db.session.commit()
        return {"person_id": person.id, "advocate": alex}


def text_from(client, body, sid="SM" + "1" * 32, number=SAM):
    return signed_post(client, "/sms/inbound", {"MessageSid": sid, "From": number, "To": "+447700900999", "Body": body})


def sent_prompt(app, person_id, kind=MessageKind.CHECK_IN, subject_id=None, template="check_in", values=None):
    """A prompt that has gone out to Sam, as the dispatcher leaves it."""
    with app.app_context():
        message = sms.queue(kind=kind, template=template, key=f"{kind.value}:{subject_id}", to_number=SAM,
                            language="en", earliest=utcnow(), latest=utcnow() + timedelta(days=1),
                            person_id=person_id, subject_id=subject_id, values=values or {})
        message.status, message.sent_at, message.provider_sid = MessageStatus.SENT, utcnow(), "SM" + "9" * 32
        db.session.commit()
        return message.id


# Signatures --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/sms/inbound", "/sms/status"])
def test_unsigned_forged_and_tampered_webhooks_are_refused(client, path):
    data = {"MessageSid": "SM" + "1" * 32, "From": SAM, "Body": "STOP", "MessageStatus": "delivered"}
    assert client.post(path, data=data).status_code == 403, "no signature header at all"
    assert signed_post(client, path, data, token="someone-elses-token").status_code == 403, "forged"
    assert signed_post(client, path, data, signature="").status_code == 403, "empty signature"
    good = signed_post(client, path, data).headers
    assert good is not None
    from twilio.request_validator import RequestValidator

    signature = RequestValidator(AUTH_TOKEN).compute_signature("http://127.0.0.1:5000" + path, data)
    tampered = {**data, "Body": "START"}
    assert client.post(path, data=tampered, headers={"X-Twilio-Signature": signature}).status_code == 403
    assert signed_post(client, path, data, base_url="http://evil.example").status_code == 403, "other address"


def test_without_an_auth_token_every_webhook_is_refused(app_factory):
    app = app_factory(**{**TWILIO_CONFIG, "TWILIO_AUTH_TOKEN": ""})
    response = signed_post(app.test_client(), "/sms/inbound", {"MessageSid": "SM1", "From": SAM, "Body": "STOP"},
                           token="")
    assert response.status_code == 403


def test_behind_a_proxy_the_signature_is_checked_against_the_public_https_address(app_factory):
    app = app_factory(**{**TWILIO_CONFIG, "PUBLIC_BASE_URL": "https://plans.example.org"})
    data = {"MessageSid": "SM" + "2" * 32, "From": "+447700900555", "Body": "hello"}
    client = app.test_client()
    assert signed_post(client, "/sms/inbound", data, base_url="https://plans.example.org").status_code == 200
    assert signed_post(client, "/sms/inbound", {**data, "MessageSid": "SM3"}).status_code == 403


# Keywords ----------------------------------------------------------------------------------------------------


def test_a_valid_stop_withdraws_sms_consent_and_nothing_more_is_sent(app, client, sam):
    with app.app_context():
        waiting = sms.queue(kind=MessageKind.CHECK_IN, template="check_in", key="waiting", to_number=SAM,
                            language="en", earliest=utcnow(), latest=utcnow() + timedelta(days=1),
                            person_id=sam["person_id"]).id
        db.session.commit()
    response = text_from(client, "stop")
    assert response.status_code == 200
    assert "<Message>" not in response.get_data(as_text=True), "the provider confirms STOP itself"
    with app.app_context():
        assert not consent.has_active_sms_consent(sam["person_id"])
        assert db.session.get(SmsNumber, SAM).opted_out_at is not None
        assert db.session.get(SmsMessage, waiting).status is MessageStatus.CANCELLED
        withdrawn = consent.consents_of(sam["person_id"])[0]
        assert withdrawn.withdrawn_how is GivenHow.SMS_REPLY
        # Whatever is queued afterwards does not go out either.
        later = sms.queue(kind=MessageKind.CHECK_IN, template="check_in", key="later", to_number=SAM, language="en",
                          earliest=utcnow(), latest=utcnow() + timedelta(days=1), person_id=sam["person_id"]).id
        db.session.commit()
        fake = FakeTwilio()
        dispatcher = Dispatcher(app.config, backend=TwilioBackend(app.config, http_client_factory=lambda: fake))
        dispatcher.run_once()
        dispatcher.close()
        assert db.session.get(SmsMessage, later, populate_existing=True).status is MessageStatus.CANCELLED
        assert fake.accepted == []
        told = db.session.scalar(select(SmsTask.kind).where(SmsTask.person_id == sam["person_id"]))
        assert told is TaskKind.OPTED_OUT


def test_texts_waiting_when_sam_sends_stop_are_cancelled_because_sam_opted_out(app, client, sam):
    """Sam's step reminder and check-in were waiting; Sam texts STOP. The outbox records that Sam opted out,
    not merely that a consent lapsed, so Alex can tell Sam chose to stop."""
    with app.app_context():
        alex, step_day = sam["advocate"], local_today() + timedelta(days=1)
        plan = plans.plan_for(sam["person_id"], by=alex)
        need = plans.add_item(plan, ItemKind.NEED, plans.ItemFields("Home", domain="housing", priority=1), by=alex)
        goal = plans.add_item(plan, ItemKind.GOAL, plans.ItemFields("Pay rent"), by=alex, parent=need)
        step = plans.add_item(plan, ItemKind.STEP, plans.ItemFields("Ring the council", owner=StepOwner.ME,
                                                                    due_date=step_day), by=alex, parent=goal)
        check_in = sms.queue(kind=MessageKind.CHECK_IN, template="check_in", key="waiting", to_number=SAM,
                             language="en", earliest=utcnow(), latest=utcnow() + timedelta(days=1),
                             person_id=sam["person_id"]).id
        db.session.commit()
        reminder = db.session.scalar(select(SmsMessage.id).where(SmsMessage.subject_id == step.id))
        assert reminder is not None, "the step's reminder is waiting"
    text_from(client, "STOP")
    with app.app_context():
        for waiting in (reminder, check_in):
            message = db.session.get(SmsMessage, waiting)
            assert (message.status, message.status_reason) == (MessageStatus.CANCELLED, "opted_out")


@pytest.mark.parametrize("word", ["STOPALL", "unsubscribe", "End", "QUIT", "cancel", "OPTOUT", "revoke"])
def test_every_opt_out_word_opts_out(app, client, sam, word):
    text_from(client, word)
    with app.app_context():
        assert not consent.has_active_sms_consent(sam["person_id"])


def test_start_after_stop_opts_back_in_with_a_consent_given_by_text(app, client, sam):
    text_from(client, "STOP", sid="SM" + "1" * 32)
    reply = text_from(client, "unstop", sid="SM" + "2" * 32).get_data(as_text=True)
    assert "You will get messages again" in reply
    with app.app_context():
        assert consent.has_active_sms_consent(sam["person_id"])
        assert consent.consents_of(sam["person_id"])[0].given_how is GivenHow.SMS_REPLY
        assert db.session.get(SmsNumber, SAM).opted_out_at is None


def test_help_gets_a_neutral_answer_with_nothing_about_the_person(client, sam):
    reply = text_from(client, "HELP").get_data(as_text=True)
    assert "Reply STOP" in reply
    assert "Sam" not in reply and "Alex" not in reply


def test_pause_stops_everything_at_once_and_alerts_the_advocate_on_the_caseload(app, client, sam, login):
    text_from(client, "PAUSE")
    with app.app_context():
        assert db.session.get(SmsNumber, SAM).paused_at is not None
    login(client, sam["advocate"])
    caseload = client.get("/people").get_data(as_text=True)
    assert "1 text message to look at" in caseload
    inbox = client.get(f"/people/{sam['person_id']}/messages").get_data(as_text=True)
    assert "They paused all texts" in inbox


def test_the_caseload_lists_everyone_with_texts_to_look_at_by_name(app, client, sam, login):
    """The caseload counts who has texts to look at with its own figures, in the same statement."""
    with app.app_context():
        alex = sam["advocate"]
        bea = factories.person(alex, name="Bea")
        someone_elses = factories.person(factories.advocate(name="Blake"), name="Aaron")
        done = SmsTask(person_id=bea.id, kind=TaskKind.REPLY, done_at=utcnow())
        waiting = [
            SmsTask(person_id=person_id, kind=TaskKind.REPLY) for person_id in (sam["person_id"], bea.id, bea.id)
        ]
        db.session.add_all([done, *waiting, SmsTask(person_id=someone_elses.id, kind=TaskKind.PAUSED)])
        db.session.commit()
    login(client, alex)
    with statements_run(app) as statements:
        caseload = client.get("/people").get_data(as_text=True)
    assert "3 text messages to look at" in caseload
    assert caseload.index("Bea: 2 to look at") < caseload.index("Sam: 1 to look at")
    assert "Aaron" not in caseload
    assert len([s for s in statements if "sms_task" in s]) == 1
    assert len([s for s in statements if s.startswith("SELECT")]) == 3


def test_a_text_that_is_not_a_keyword_lands_in_the_advocates_inbox(app, client, sam, login):
    reply = text_from(client, "Can we meet on Friday instead?").get_data(as_text=True)
    assert "passed on" in reply and "Friday" not in reply
    login(client, sam["advocate"])
    person_page = client.get(f"/people/{sam['person_id']}").get_data(as_text=True)
    assert "1 to look at" in person_page
    inbox = client.get(f"/people/{sam['person_id']}/messages").get_data(as_text=True)
    assert "Can we meet on Friday instead?" in inbox
    with app.app_context():
        task_id = db.session.scalar(select(SmsTask.id))
    from tests.conftest import form_post

    done = form_post(client, f"/people/{sam['person_id']}/messages/{task_id}/done", {},
                     token_from=f"/people/{sam['person_id']}/messages")
    assert done.status_code == 302
    assert "Nothing to look at" in client.get(f"/people/{sam['person_id']}/messages").get_data(as_text=True)


def test_the_same_text_delivered_twice_is_acted_on_once(app, client, sam):
    text_from(client, "hello", sid="SM" + "5" * 32)
    text_from(client, "hello", sid="SM" + "5" * 32)
    with app.app_context():
        assert db.session.scalar(select(func.count(InboundSms.id))) == 1
        assert db.session.scalar(select(func.count(SmsTask.id))) == 1


def test_a_text_from_a_number_we_do_not_know_gets_no_answer(app, client, sam):
    reply = text_from(client, "who is this?", number="+447700900777").get_data(as_text=True)
    assert "<Message>" not in reply
    with app.app_context():
        assert db.session.scalar(select(InboundSms.handled_as)) == "unknown"


# Numbered answers --------------------------------------------------------------------------------------------


def _step(app, person_id, advocate):
    with app.app_context():
        plan = plans.plan_for(person_id, by=advocate)
        need = plans.add_item(plan, ItemKind.NEED, plans.ItemFields("Home", domain="housing", priority=1), by=advocate)
        goal = plans.add_item(plan, ItemKind.GOAL, plans.ItemFields("Move"), by=advocate, parent=need)
        step = plans.add_item(plan, ItemKind.STEP, plans.ItemFields("Call the council", owner=StepOwner.ME,
                              due_date=local_today() + timedelta(days=1)), by=advocate, parent=goal)
        db.session.commit()
        return step.id


def test_replying_1_to_a_step_reminder_ticks_the_step_off(app, client, sam):
    step_id = _step(app, sam["person_id"], sam["advocate"])
    sent_prompt(app, sam["person_id"], MessageKind.STEP_DUE, step_id, "step_due", {"day": local_today()})
    assert "Thank you, noted" in text_from(client, "1").get_data(as_text=True)
    with app.app_context():
        step = plans.load_item(step_id)
        assert step.is_done
        assert step.changed_by_role == "individual"


@pytest.mark.parametrize(("answer", "kind"), [("2", TaskKind.REARRANGE), ("3 please call", TaskKind.HELP_ASKED)])
def test_replying_2_or_3_to_a_step_reminder_asks_the_advocate(app, client, sam, answer, kind, login):
    step_id = _step(app, sam["person_id"], sam["advocate"])
    sent_prompt(app, sam["person_id"], MessageKind.STEP_DUE, step_id, "step_due", {"day": local_today()})
    text_from(client, answer)
    with app.app_context():
        task = db.session.scalar(select(SmsTask))
        assert (task.kind, task.item_id) == (kind, step_id)
        assert not plans.load_item(step_id).is_done
    login(client, sam["advocate"])
    assert "Call the council" in client.get(f"/people/{sam['person_id']}/messages").get_data(as_text=True)


def test_replying_with_a_number_to_a_check_in_records_it(app, client, sam):
    sent_prompt(app, sam["person_id"])
    text_from(client, "7")
    text_from(client, "2", sid="SM" + "3" * 32)
    with app.app_context():
        scores = db.session.scalars(select(CheckIn.score).order_by(CheckIn.id)).all()
        assert scores == [7, 2]
        assert db.session.scalar(select(SmsTask.kind)) is TaskKind.LOW_CHECK_IN


def test_an_organisation_worker_accepts_a_referral_with_yes_and_its_code(app, client, sam):
    from advocate_app.consent.models import Category
    from advocate_app.directory.models import Service
    from advocate_app.referrals.models import Referral, ReferralStatus

    worker_number = "+447700900321"
    with app.app_context():
        org = factories.organisation("Harbour")
        worker = factories.org_worker(organisation_id=org.id)
        sms.set_staff_number(worker, worker_number)
        service = Service(organisation_id=org.id, name="Advice", response_target_days=3)
        db.session.add(service)
        person = db.session.get(Person, sam["person_id"])
        factories.sharing(person, org, [Category.CONTACT], by=sam["advocate"])
        referral = factories.referral(person, service, [Category.CONTACT], by=sam["advocate"])
        db.session.commit()
        reminder = db.session.scalar(select(SmsMessage).where(SmsMessage.kind == MessageKind.REFERRAL_RESPOND_BY))
        assert reminder is not None and reminder.user_id == worker.id
        assert f"YES {referral.reference}" in reminder.body
        code, referral_id = referral.reference, referral.id
    reply = text_from(client, f"yes {code.lower()}", number=worker_number).get_data(as_text=True)
    assert "Thank you, noted" in reply
    with app.app_context():
        assert db.session.get(Referral, referral_id).status is ReferralStatus.ACCEPTED
        reminder = db.session.scalar(select(SmsMessage).where(SmsMessage.kind == MessageKind.REFERRAL_RESPOND_BY))
        assert reminder.status is MessageStatus.CANCELLED, "answered: nobody is reminded any more"


# Delivery reports --------------------------------------------------------------------------------------------


def test_delivery_reports_move_a_message_forward_only_and_repeats_change_nothing(app, client, sam):
    message_id = sent_prompt(app, sam["person_id"])
    sid = "SM" + "9" * 32

    def report(status, code=None):
        data = {"MessageSid": sid, "MessageStatus": status}
        if code:
            data["ErrorCode"] = code
        return signed_post(client, "/sms/status", data)

    assert report("delivered").status_code == 204
    assert report("sent").status_code == 204
    assert report("delivered").status_code == 204
    with app.app_context():
        assert db.session.get(SmsMessage, message_id).status is MessageStatus.DELIVERED
    assert signed_post(client, "/sms/status", {"MessageSid": "SMunknown", "MessageStatus": "failed"}).status_code == 204


def test_a_report_that_arrives_before_the_provider_id_is_stored_finds_the_message_by_its_key(app, client, sam):
    with app.app_context():
        message = sms.queue(kind=MessageKind.CHECK_IN, template="check_in", key="check_in:early", to_number=SAM,
                            language="en", earliest=utcnow(), latest=utcnow() + timedelta(days=1),
                            person_id=sam["person_id"])
        message.status = MessageStatus.SENDING
        db.session.commit()
        message_id = message.id
    response = signed_post(client, "/sms/status?k=check_in:early", {"MessageSid": "SM" + "7" * 32,
                                                                     "MessageStatus": "sent"})
    assert response.status_code == 204
    with app.app_context():
        stored = db.session.get(SmsMessage, message_id)
        assert (stored.status, stored.provider_sid) == (MessageStatus.SENT, "SM" + "7" * 32)


def test_an_undelivered_report_for_a_landline_marks_the_number(app, client, sam):
    sent_prompt(app, sam["person_id"])
    signed_post(client, "/sms/status", {"MessageSid": "SM" + "9" * 32, "MessageStatus": "undelivered",
                                        "ErrorCode": "30006"})
    with app.app_context():
        assert db.session.get(SmsNumber, SAM).failed_code == "30006"
        assert db.session.scalar(select(SmsTask.kind)) is TaskKind.NUMBER_FAILED


def test_a_signed_webhook_without_the_fields_it_needs_is_a_bad_request_not_an_error(client):
    assert signed_post(client, "/sms/inbound", {"Body": "hello"}).status_code == 400
    assert signed_post(client, "/sms/status", {"MessageSid": "SM1"}).status_code == 400


_text = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=40)
_params = st.dictionaries(
    st.sampled_from(["MessageSid", "From", "To", "Body", "MessageStatus", "SmsStatus", "ErrorCode", "Extra"]) | _text,
    _text,
    max_size=8,
)


@pytest.mark.parametrize("path", ["/sms/inbound", "/sms/status"])
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(params=_params)
def test_signed_webhooks_with_any_parameters_never_fail_with_a_server_error(client, path, params):
    with time_machine.travel(datetime(2026, 1, 14, 12, 0, tzinfo=UTC), tick=True):
        response = signed_post(client, path, params)
    assert response.status_code < 500
