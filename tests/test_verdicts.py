"""The person's verdict on finished help: asked on their plan and by one discreet text, counted for others only from
five answers, their words read by the organisation only when they said so."""

from __future__ import annotations

from datetime import time

import pytest
from sqlalchemy import select

from advocate_app import db
from advocate_app.accounts.models import Role, User
from advocate_app.consent.models import Category
from advocate_app.db import utcnow
from advocate_app.directory.models import Organisation, Service
from advocate_app.plans.models import ItemKind
from advocate_app.records.subject_access import subject_access_data
from advocate_app.referrals import services as referrals
from advocate_app.referrals.models import Referral, ReferralStatus
from advocate_app.sms.models import MessageKind, MessageStatus, SmsMessage, SmsTask, TaskKind
from advocate_app.team import verdicts
from advocate_app.team.review_models import Verdict, VerdictGivenHow
from tests import factories
from tests.conftest import as_read, count_queries, form_post
from tests.sms_fakes import TWILIO_CONFIG, signed_post
from tests.verdict_world import finished_referral, rated, service

SAM = "+447700900123"
ALL_DAY = {day: (time(0, 0), time(23, 59)) for day in range(7)}


@pytest.fixture
def harbour(app):
    """Harbour, its housing service and a worker; Alex the advocate."""
    with app.app_context():
        organisation = factories.organisation("Harbour Housing Advice")
        housing = service(organisation, "Housing advice")
        db.session.commit()
        return {
            "organisation_id": organisation.id,
            "service_id": housing.id,
            "worker": factories.org_worker(organisation_id=organisation.id),
            "alex": factories.advocate(name="Alex Morgan"),
        }


def _sams_finished_referral(app, harbour, **details):
    with app.app_context():
        sam = factories.person(harbour["alex"], name="Sam", **details)
        login = factories.individual(sam, username="sam")
        housing = db.session.get(Service, harbour["service_id"])
        _person, referral = finished_referral(harbour["alex"], harbour["worker"], housing, person=sam)
        db.session.commit()
        return sam.id, login, referral.id


def test_sam_is_asked_on_their_plan_once_help_is_finished_and_rates_it_4_in_own_words(app, client, login, harbour):
    sam_id, sam_login, referral_id = _sams_finished_referral(app, harbour)
    login(client, sam_login)
    home = as_read(client.get("/me").get_data(as_text=True))
    # Sam did not choose that organisations may be named: the question does not name the service.
    assert "Say how useful the help was" in home and "Housing advice" not in home
    path = f"/people/{sam_id}/referrals/{referral_id}/verdict"
    response = form_post(
        client, path, {"rating": "4", "words": "They listened and found me a room.", "organisation_may_read": "yes"}
    )
    assert response.status_code == 302 and response.headers["Location"] == "/me"
    with app.app_context():
        verdict = db.session.scalar(select(Verdict))
        assert (verdict.rating, verdict.words, verdict.organisation_may_read) == (
            4,
            "They listened and found me a room.",
            True,
        )
        assert verdict.given_how is VerdictGivenHow.APP
    assert "Say how useful" not in client.get("/me").get_data(as_text=True), "asked once, then no more"


def test_sam_who_chose_that_organisations_may_be_named_is_asked_about_housing_advice_by_name(
    app, client, login, harbour
):
    sam_id, sam_login, referral_id = _sams_finished_referral(app, harbour, may_name_organisation=True)
    login(client, sam_login)
    assert "Say how useful Housing advice was" in as_read(client.get("/me").get_data(as_text=True))
    page = as_read(client.get(f"/people/{sam_id}/referrals/{referral_id}/verdict").get_data(as_text=True))
    assert "Harbour Housing Advice sees your words only if you say yes" in page


def test_help_not_finished_yet_cannot_be_rated_and_nothing_is_saved(app, client, login, harbour):
    with app.app_context():
        sam = factories.person(harbour["alex"], name="Sam")
        factories.sharing(sam, _harbour(harbour), [Category.CONTACT], by=harbour["alex"])
        referral = factories.referral(
            sam, db.session.get(Service, harbour["service_id"]), [Category.CONTACT], by=harbour["alex"]
        )
        db.session.commit()
        path = f"/people/{sam.id}/referrals/{referral.id}/verdict"
    login(client, harbour["alex"])
    page = form_post(client, path, {"rating": "5"})
    assert page.status_code == 200
    assert "once it has finished" in page.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Verdict)) is None


def _harbour(harbour):
    return db.session.get(Organisation, harbour["organisation_id"])


@pytest.mark.parametrize("rating", ["", "0", "6", "four", "4.5", "-1", "99999999999999999999"])
def test_a_rating_that_is_not_1_to_5_gets_an_error_next_to_it_and_nothing_is_saved(app, client, login, harbour, rating):
    sam_id, sam_login, referral_id = _sams_finished_referral(app, harbour)
    login(client, sam_login)
    page = form_post(
        client, f"/people/{sam_id}/referrals/{referral_id}/verdict", {"rating": rating, "words": "Kept as typed"}
    )
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Choose a number from 1 to 5" in html and "Kept as typed" in html
    with app.app_context():
        assert db.session.scalar(select(Verdict)) is None


def test_nobody_rates_help_given_to_someone_else(app, client, login, harbour):
    sam_id, _sam_login, _referral_id = _sams_finished_referral(app, harbour)
    with app.app_context():
        jo, jos = finished_referral(
            harbour["alex"], harbour["worker"], db.session.get(Service, harbour["service_id"]), name="Jo"
        )
        db.session.commit()
        jos_id = jos.id
    login(client, harbour["alex"])
    assert client.get(f"/people/{sam_id}/referrals/{jos_id}/verdict").status_code == 404


def test_advocates_choosing_a_service_see_the_verdict_only_once_five_people_answered(app, client, login, harbour):
    with app.app_context():
        housing = db.session.get(Service, harbour["service_id"])
        rated(harbour["alex"], harbour["worker"], housing, [5, 4, 2, 4])
        sam = factories.person(harbour["alex"], name="Sam")
        plan = factories.plan(sam, by=harbour["alex"])
        need = factories.entry(plan, ItemKind.NEED, "Somewhere to live", by=harbour["alex"], domain="housing")
        db.session.commit()
        find = f"/people/{sam.id}/referrals/find?need={need.id}&filtered=1&domain=housing"
    login(client, harbour["alex"])
    page = as_read(client.get(find).get_data(as_text=True))
    assert "Fewer than 5 people have said how useful it was" in page
    assert "said this helped" not in page
    with app.app_context():
        rated(harbour["alex"], harbour["worker"], db.session.get(Service, harbour["service_id"]), [1])
    page = as_read(client.get(find).get_data(as_text=True))
    assert "3 of 5 people said this helped" in page


def test_the_organisation_sees_its_own_aggregate_and_no_one_elses(app, client, login, harbour):
    with app.app_context():
        other = factories.organisation("Northside Money Help")
        money = service(other, "Debt advice", domains=("money",))
        other_worker = factories.org_worker(organisation_id=other.id)
        rated(harbour["alex"], other_worker, money, [1, 1, 1, 1, 1, 2])
        rated(harbour["alex"], harbour["worker"], db.session.get(Service, harbour["service_id"]), [5, 5, 4, 4, 3])
    login(client, harbour["worker"])
    page = as_read(client.get("/organisation/verdicts").get_data(as_text=True))
    assert "4 of 5 people said this helped" in page
    assert "Debt advice" not in page and "of 6 people" not in page


def test_the_organisation_sees_no_figure_below_five_answers(app, client, login, harbour):
    with app.app_context():
        rated(harbour["alex"], harbour["worker"], db.session.get(Service, harbour["service_id"]), [5, 1, 4, 2])
    login(client, harbour["worker"])
    page = as_read(client.get("/organisation/verdicts").get_data(as_text=True))
    assert "said this helped" not in page and "Fewer than 5 people" in page


def test_the_person_s_words_reach_the_organisation_only_when_they_agreed(app, client, login, harbour):
    with app.app_context():
        housing = db.session.get(Service, harbour["service_id"])
        rated(harbour["alex"], harbour["worker"], housing, [2], words="My worker never called back.", may_read=False)
        rated(harbour["alex"], harbour["worker"], housing, [5], words="They found me a flat.", may_read=True)
    login(client, harbour["worker"])
    page = as_read(client.get("/organisation/verdicts").get_data(as_text=True))
    assert "They found me a flat." in page
    assert "never called back" not in page


def test_the_organisation_page_costs_the_same_however_many_verdicts(app, client, login, harbour):
    login(client, harbour["worker"])
    with app.app_context():
        rated(
            harbour["alex"],
            harbour["worker"],
            db.session.get(Service, harbour["service_id"]),
            [4],
            words="Good",
            may_read=True,
        )
    few = count_queries(app, client, "/organisation/verdicts")
    with app.app_context():
        organisation = _harbour(harbour)
        for n in range(3):
            service(organisation, f"Service {n}")
        rated(
            harbour["alex"],
            harbour["worker"],
            db.session.get(Service, harbour["service_id"]),
            [4, 5, 3],
            words="Good",
            may_read=True,
        )
    assert count_queries(app, client, "/organisation/verdicts") == few


def test_the_persons_own_verdicts_are_in_their_copy_of_the_record(app, harbour):
    sam_id, _login, referral_id = _sams_finished_referral(app, harbour)
    with app.app_context():
        referral = db.session.get(Referral, referral_id)
        verdicts.give(
            referral,
            rating=3,
            words="It was slow.",
            organisation_may_read=False,
            by=harbour["alex"],
            how=VerdictGivenHow.ADVOCATE,
        )
        db.session.commit()
        (part,) = subject_access_data(sam_id)["verdicts"]
        assert part["how_useful_1_to_5"] == 3 and part["in_your_words"] == "It was slow."
        assert part["organisation_may_read_your_words"] is False


# By text ------------------------------------------------------------------------------------------------------


@pytest.fixture
def texting(app_factory):
    return app_factory(**TWILIO_CONFIG)


def _sam_who_texts(app):
    with app.app_context():
        organisation = factories.organisation("Harbour Housing Advice")
        housing = service(organisation, "Housing advice")
        worker = factories.org_worker(organisation_id=organisation.id)
        alex = factories.advocate(name="Alex")
        sam = factories.person(alex, name="Sam", phone_e164=SAM, sms_allowed=True, safe_windows=ALL_DAY)
        factories.texts(sam, by=alex)
        _person, referral = finished_referral(alex, worker, housing, person=sam)
        db.session.commit()
        return sam.id, referral.id, alex


def _question_sent(app):
    with app.app_context():
        question = db.session.scalar(select(SmsMessage).where(SmsMessage.kind == MessageKind.VERDICT))
        question.status, question.sent_at, question.provider_sid = MessageStatus.SENT, utcnow(), "SM" + "9" * 32
        db.session.commit()


def _text(client, body, sid):
    return signed_post(client, "/sms/inbound", {"MessageSid": sid, "From": SAM, "To": "+447700900999", "Body": body})


def test_finished_help_queues_one_discreet_question_by_text(texting):
    _sam_id, referral_id, _alex = _sam_who_texts(texting)
    with texting.app_context():
        (question,) = db.session.scalars(select(SmsMessage).where(SmsMessage.kind == MessageKind.VERDICT)).all()
        assert question.subject_id == referral_id
        assert question.body == (
            "Hello, how useful was the help you got, from 1 (not at all) to 5 (very useful)? Reply with a number."
        )
        assert "Harbour" not in question.body and "Housing" not in question.body
        # Closing the finished referral later asks nothing more.
        worker = db.session.scalar(select(User).where(User.role == Role.ORG_WORKER))
        referrals.change_status(db.session.get(Referral, referral_id), ReferralStatus.CLOSED, by=worker)
        db.session.commit()
        assert len(db.session.scalars(select(SmsMessage).where(SmsMessage.kind == MessageKind.VERDICT)).all()) == 1


def test_no_question_by_text_without_agreement_to_texts(texting):
    with texting.app_context():
        organisation = factories.organisation("Harbour")
        housing = service(organisation, "Housing advice")
        worker = factories.org_worker(organisation_id=organisation.id)
        alex = factories.advocate(name="Alex")
        sam = factories.person(alex, name="Sam", phone_e164=SAM, sms_allowed=True, safe_windows=ALL_DAY)
        finished_referral(alex, worker, housing, person=sam)
        db.session.commit()
        assert db.session.scalar(select(SmsMessage).where(SmsMessage.kind == MessageKind.VERDICT)) is None


def test_replying_4_to_the_question_records_the_verdict_and_keeps_the_words_from_the_organisation(texting):
    client = texting.test_client()
    _sam_id, referral_id, _alex = _sam_who_texts(texting)
    _question_sent(texting)
    response = _text(client, "4 they were kind", "SM" + "1" * 32)
    assert response.status_code == 200 and "Thank you, noted." in response.get_data(as_text=True)
    with texting.app_context():
        verdict = db.session.scalar(select(Verdict))
        assert (verdict.referral_id, verdict.rating, verdict.words) == (referral_id, 4, "they were kind")
        assert verdict.given_how is VerdictGivenHow.SMS and verdict.organisation_may_read is False


@pytest.mark.parametrize("body", ["0", "6", "42", "four", "", "   ", "-3", "🙂", "5" * 400, "\u202e5", "1 5" * 600])
def test_a_reply_that_is_not_1_to_5_goes_to_the_advocate_and_is_never_thanked_as_noted(texting, body):
    client = texting.test_client()
    _sam_id, _referral_id, _alex = _sam_who_texts(texting)
    _question_sent(texting)
    response = _text(client, body, "SM" + "2" * 32)
    assert response.status_code == 200
    reply = response.get_data(as_text=True)
    with texting.app_context():
        recorded = db.session.scalar(select(Verdict))
    if recorded is not None:  # "1 5 1 5…" starts with a 1: a verdict, and said so
        assert recorded.rating == 1 and "Thank you, noted." in reply
        return
    assert "noted" not in reply
    assert "Harbour" not in reply and "Housing" not in reply
    with texting.app_context():
        assert db.session.scalar(select(SmsTask.kind)) is TaskKind.REPLY


def test_a_text_after_answering_in_the_app_changes_nothing_and_is_passed_on(texting):
    client = texting.test_client()
    _sam_id, referral_id, alex = _sam_who_texts(texting)
    _question_sent(texting)
    with texting.app_context():
        verdicts.give(db.session.get(Referral, referral_id), rating=5, by=alex, how=VerdictGivenHow.ADVOCATE)
        db.session.commit()
    response = _text(client, "1", "SM" + "3" * 32)
    assert "passed on" in response.get_data(as_text=True)
    with texting.app_context():
        assert db.session.scalar(select(Verdict.rating)) == 5
