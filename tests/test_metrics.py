"""An operator's /metrics: refused without the token, and figures that tell what is wrong with no personal data."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from advocate_app.db import utcnow
from tests import factories
from tests.conftest import sign_in
from tests.test_sms_dispatch import SAM, queue_check_in, someone_who_agreed_to_texts

TOKEN = "a-long-random-metrics-token"
BEARER = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def metrics_app(app_factory):
    app = app_factory(METRICS_TOKEN=TOKEN)
    factories.use(app)
    return app


def value(text: str, name: str, labels: str = "") -> float:
    match = re.search(rf"^{re.escape(name)}{re.escape(labels)} ([0-9.e+-]+)$", text, re.MULTILINE)
    assert match, f"{name}{labels} not in the metrics"
    return float(match.group(1))


def test_metrics_are_refused_without_the_token(metrics_app):
    client = metrics_app.test_client()
    assert client.get("/metrics").status_code == 403
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 403
    assert client.get("/metrics", headers={"Authorization": TOKEN}).status_code == 403
    assert client.get("/metrics", headers=BEARER).status_code == 200


def test_there_are_no_metrics_at_all_until_a_token_is_configured(app):
    assert app.test_client().get("/metrics", headers=BEARER).status_code == 404


def test_the_outbox_and_overdue_work_are_counted_without_naming_anyone(metrics_app):
    with metrics_app.app_context():
        _advocate, person = someone_who_agreed_to_texts()
        queue_check_in(person, earliest=utcnow() - timedelta(minutes=10))
        name = person.preferred_name

    text = metrics_app.test_client().get("/metrics", headers=BEARER).get_data(as_text=True)

    assert value(text, "advocate_sms_outbox_messages", '{status="queued"}') == 1
    assert value(text, "advocate_sms_outbox_messages", '{status="in_doubt"}') == 0
    assert 590 < value(text, "advocate_sms_oldest_due_message_age_seconds") < 700
    assert value(text, "advocate_sms_failed_last_hour") == 0
    assert value(text, "advocate_referrals_overdue") == 0
    assert value(text, "advocate_reviews_overdue") == 0
    assert value(text, "advocate_metrics_database_up") == 1
    assert name not in text and SAM not in text and SAM[1:] not in text


def test_requests_are_counted_by_route_template_and_failed_sign_ins_and_throttles_show(app_factory):
    app = app_factory(METRICS_TOKEN=TOKEN, RATELIMIT_ENABLED=True)
    factories.use(app)
    advocate = factories.advocate()
    person = factories.person(advocate, name="Robin Quayle")
    client = app.test_client()
    sign_in(client, advocate.email, factories.PASSWORD)
    client.get(f"/people/{person.id}")
    other = app.test_client()
    for _ in range(11):
        sign_in(other, "nobody@example.org", "not the passphrase")

    text = client.get("/metrics", headers=BEARER).get_data(as_text=True)

    assert 'route="/people/<int:person_id>"' in text
    assert f"/people/{person.id}" not in text and "Robin" not in text and "nobody@example.org" not in text
    assert value(text, "advocate_sign_in_failures_last_hour") >= 10
    assert 'advocate_http_throttled_requests_total{route="/login"}' in text


def test_a_dispatcher_round_moves_the_heartbeat(metrics_app):
    client = metrics_app.test_client()
    runner = metrics_app.test_cli_runner()
    before = client.get("/metrics", headers=BEARER).get_data(as_text=True)
    result = runner.invoke(args=["sms", "dispatch", "--once"])
    assert result.exit_code == 0, result.output
    after = client.get("/metrics", headers=BEARER).get_data(as_text=True)
    name = "advocate_sms_dispatcher_last_round_timestamp_seconds"
    assert value(after, name) > (value(before, name) if name in before else 0)
    assert value(after, "advocate_sms_dispatcher_rounds_total") >= 1
