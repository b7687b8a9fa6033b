"""Races over real HTTP: the app served on loopback, requests released together from threads, on PostgreSQL.

First writes for people with no plan yet, first texts from a number not yet on record, and hundreds of
changes to one plan at once: no request fails, nothing is lost, every change gets its own version.
Every request and every wait is bounded, so a deadlock fails the test instead of hanging the suite.
"""

from __future__ import annotations

import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pytest
import requests
from sqlalchemy import func, select
from twilio.request_validator import RequestValidator
from werkzeug.serving import WSGIRequestHandler, make_server

from advocate_app import db
from advocate_app.accounts.models import User
from advocate_app.consent import services as consent
from advocate_app.consent.models import Consent, ConsentKind, GivenHow
from advocate_app.evidence import evaluation
from advocate_app.evidence.models import EvaluationPlan, EvaluationPlanVersion
from advocate_app.plans import services as plans
from advocate_app.plans.models import AboutTopic, ItemKind, Plan, PlanComment, PlanItem, PlanStatus
from advocate_app.sms.models import InboundSms, SmsNumber
from tests import factories
from tests.conftest import csrf_from
from tests.sms_fakes import AUTH_TOKEN, TWILIO_CONFIG

# Requests at once in threads, each committing on its own connection: a real database, no rolled-back transaction.
pytestmark = [pytest.mark.postgres, pytest.mark.real_database]

REQUEST_TIMEOUT = 20  # seconds; a local server answers in milliseconds
# Seconds the 600 changes may take: under 40 s on two cores busy with other work, so a deadlock, not a slow
# machine, is what fails the test.
RACE_LIMIT = 120
NUMBER = "+447700900456"


class _Quiet(WSGIRequestHandler):
    """Hundreds of requests need no line each in the test's log."""

    def log_request(self, *args, **kwargs) -> None:
        pass


@pytest.fixture
def served(app_factory):
    """The app on PostgreSQL, served over HTTP on a free loopback port by a threaded server."""
    app = app_factory(**TWILIO_CONFIG)
    factories.use(app)
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_Quiet)
    thread = threading.Thread(target=server.serve_forever, name="served-app", daemon=True)
    thread.start()
    yield app, f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


def together(calls, *, within: float = 60) -> list:
    """Run each of ``calls`` in its own thread, all released at the same moment; their results in order.

    :param within: seconds the whole race may take before the test fails (a deadlock must not hang the suite).
    """
    barrier = threading.Barrier(len(calls))

    def run(call):
        barrier.wait(timeout=REQUEST_TIMEOUT)
        return call()

    deadline = time.monotonic() + within
    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        futures = [pool.submit(run, call) for call in calls]
        return [future.result(timeout=max(0.0, deadline - time.monotonic())) for future in futures]


class Browser:
    """One signed-in browser (its own cookies) talking to the served app."""

    def __init__(self, base: str, identifier: str):
        self.base = base
        self.http = requests.Session()
        page = self.get("/login").text
        signed_in = self.post("/login", {"csrf_token": csrf_from(page), "identifier": identifier,
                                         "password": factories.PASSWORD})
        assert signed_in.status_code == 302, signed_in.text[:300]
        self.token = None

    def get(self, path: str) -> requests.Response:
        return self.http.get(self.base + path, timeout=REQUEST_TIMEOUT, allow_redirects=False)

    def post(self, path: str, data: dict) -> requests.Response:
        return self.http.post(self.base + path, data=data, timeout=REQUEST_TIMEOUT, allow_redirects=False)

    def form(self, path: str, data: dict) -> requests.Response:
        """POST with this browser's form token (fetched once, from the form's own page)."""
        if self.token is None:
            self.token = csrf_from(self.get(path).text)
        return self.post(path, {"csrf_token": self.token, **data})


def _person_with_login(name: str):
    """Someone with their own login, and its username."""
    person = factories.person(factories.advocate(), name=name)
    return person, factories.individual(person)


def test_four_first_entries_at_once_for_several_people_are_all_stored_in_one_plan(served):
    app, base = served
    with app.app_context():
        people = [_person_with_login(f"Person {n}") for n in range(3)]
    tabs = [(person.id, Browser(base, login.username)) for person, login in people for _ in range(4)]
    for person_id, tab in tabs:
        tab.token = csrf_from(tab.get(f"/people/{person_id}/plan/needs/new").text)

    started = time.monotonic()
    answers = together([
        (lambda p=person_id, t=tab, n=n: t.form(
            f"/people/{p}/plan/needs/new", {"domain": "housing", "text": f"Need {n}", "priority": "2"}
        ))
        for n, (person_id, tab) in enumerate(tabs)
    ])

    assert [a.status_code for a in answers] == [302] * len(tabs), [a.text[:200] for a in answers if a.ok is False]
    assert time.monotonic() - started < 30
    with app.app_context():
        for person, _ in people:
            plans_of = db.session.scalars(select(Plan).where(Plan.person_id == person.id)).all()
            assert [p.status for p in plans_of] == [PlanStatus.ACTIVE]
            stored = db.session.scalar(select(func.count(PlanItem.id)).where(PlanItem.plan_id == plans_of[0].id))
            assert stored == 4, "an entry written at the same moment as another was lost"


def test_four_first_answers_about_the_same_topic_make_one_entry_and_nobody_meets_an_error(served):
    app, base = served
    with app.app_context():
        person, login = _person_with_login("Robin")
    path = f"/people/{person.id}/plan/about/{AboutTopic.MATTERS.value}"
    tabs = [Browser(base, login.username) for _ in range(4)]
    for tab in tabs:
        tab.token = csrf_from(tab.get(path).text)

    answers = together([
        (lambda t=tab, n=n: t.form(path, {"text": f"My children, answer {n}", "entry_version": "0"}))
        for n, tab in enumerate(tabs)
    ])

    codes = sorted(a.status_code for a in answers)
    assert all(code < 500 for code in codes), codes
    # One answer is added; the others are shown beside it to be compared (200) rather than written over it.
    assert codes.count(302) == 1 and codes.count(200) == 3
    with app.app_context():
        texts = db.session.scalars(select(PlanItem.text).where(PlanItem.kind == ItemKind.ABOUT)).all()
    assert len(texts) == 1


def test_four_signed_texts_at_once_from_a_number_not_yet_on_record_are_all_acted_on(served):
    app, base = served
    with app.app_context():
        advocate = factories.advocate()
        person = factories.person(advocate, name="Sam", phone_e164=NUMBER, sms_allowed=True)
        consent.give(person, ConsentKind.SMS, given_how=GivenHow.VERBAL, by=advocate, language="en")
        db.session.commit()
        public = app.config["PUBLIC_BASE_URL"]
    validator = RequestValidator(AUTH_TOKEN)

    def stop(n: int):
        data = {"MessageSid": f"SM{n:032d}", "From": NUMBER, "To": "+447700900999", "Body": "STOP"}
        signature = validator.compute_signature(public + "/sms/inbound", data)
        return requests.post(base + "/sms/inbound", data=data, headers={"X-Twilio-Signature": signature},
                             timeout=REQUEST_TIMEOUT)

    answers = together([lambda n=n: stop(n) for n in range(4)])

    assert [a.status_code for a in answers] == [200] * 4, [a.text[:200] for a in answers]
    with app.app_context():
        assert db.session.get(SmsNumber, NUMBER).opted_out_at is not None
        assert db.session.scalar(select(func.count(InboundSms.id))) == 4
        assert db.session.scalars(select(Consent.withdrawn_at)).all()[0] is not None


def test_six_hundred_changes_at_once_to_one_plan_each_get_their_own_version(served):
    app, base = served
    with app.app_context():
        person, login = _person_with_login("Sam")
        plan = plans.plan_for(person.id, by=login)
        # One entry per browser, so each request reads a short conversation; the plan they change is the same.
        needs = [
            plans.add_item(plan, ItemKind.NEED, plans.ItemFields(f"Need {n}", domain="housing", priority=2), by=login)
            for n in range(12)
        ]
        db.session.commit()
        plan_id, before = plan.id, plan.version
        need_ids = [need.id for need in needs]
    browsers = [Browser(base, login.username) for _ in need_ids]
    for browser, need_id in zip(browsers, need_ids, strict=True):
        browser.token = csrf_from(browser.get(f"/people/{person.id}/plan/items/{need_id}").text)

    def fifty_changes(browser: Browser, need_id: int) -> list[int]:
        path = f"/people/{person.id}/plan/items/{need_id}/comments"
        return [browser.form(path, {"body": f"Change {n}"}).status_code for n in range(50)]

    started = time.monotonic()
    answers = together([(lambda b=b, i=i: fifty_changes(b, i)) for b, i in zip(browsers, need_ids, strict=True)],
                       within=RACE_LIMIT)
    elapsed = time.monotonic() - started

    assert [code for codes in answers for code in codes] == [302] * 600
    print(f"600 changes to one plan from 12 browsers: {elapsed:.1f} s")
    with app.app_context():
        versions = db.session.scalars(select(PlanComment.plan_version)).all()
        assert len(versions) == 600
        assert len(set(versions)) == 600, "several changes share a version"
        assert db.session.get(Plan, plan_id).version == before + 600


def test_four_saves_at_once_of_forms_opened_on_the_same_version_apply_one_and_show_the_others_both(served):
    app, base = served
    with app.app_context():
        person, login = _person_with_login("Jo")
        need = plans.add_item(plans.plan_for(person.id, by=login), ItemKind.NEED,
                              plans.ItemFields("Somewhere safe", domain="housing", priority=2), by=login)
        db.session.commit()
    path = f"/people/{person.id}/plan/items/{need.id}/edit"
    tabs = [Browser(base, login.username) for _ in range(4)]
    opened = []
    for tab in tabs:
        page = tab.get(path).text
        tab.token = csrf_from(page)
        opened.append(re.search(r'name="entry_version" type="hidden" value="(\d+)"', page).group(1))

    answers = together([
        (lambda t=tab, v=version, n=n: t.form(path, {"text": f"Wording {n}", "priority": "2", "entry_version": v}))
        for n, (tab, version) in enumerate(zip(tabs, opened, strict=True))
    ])

    assert sorted(a.status_code for a in answers) == [200, 200, 200, 302]
    kept = next(n for n, a in enumerate(answers) if a.status_code == 302)
    with app.app_context():
        assert db.session.get(PlanItem, need.id).text == f"Wording {kept}"


def test_four_coordinators_locking_one_evaluation_plan_at_once_record_one_locked_version(served):
    app, _base = served
    with app.app_context():
        coordinator_id = factories.coordinator().id
        fields = evaluation.PlanFields(
            title="Does it help?", question="Q", measures=["goals_achieved"], organisation_id=None,
            cohort_from=date(2026, 1, 1), cohort_to=date(2026, 3, 1), follow_up_months=[3], window_days=30,
            min_cell=5,
        )
        plan_id = evaluation.write_draft(None, fields, by=db.session.get(User, coordinator_id)).id
        db.session.commit()

    def lock_it():
        with app.app_context():
            try:
                evaluation.lock(db.session.get(EvaluationPlan, plan_id), by=db.session.get(User, coordinator_id))
            except evaluation.AlreadyLocked:
                db.session.rollback()
                return "already locked"
            db.session.commit()
            return "locked"

    outcomes = together([lock_it] * 4, within=30)

    assert sorted(outcomes) == ["already locked"] * 3 + ["locked"]
    with app.app_context():
        versions = db.session.scalars(
            select(EvaluationPlanVersion.number).where(EvaluationPlanVersion.plan_id == plan_id)
        ).all()
        assert versions == [1]
