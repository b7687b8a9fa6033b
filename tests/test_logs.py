"""Logs an operator can read and nobody can read a person out of: JSON lines with a request id, no personal data."""

from __future__ import annotations

import json
import logging

from sqlalchemy import text

from advocate_app import db, observability
from tests import factories
from tests.conftest import sign_in
from tests.log_audit import LogWatch


def _json_lines(watch: LogWatch) -> list[dict]:
    return [json.loads(line) for line in watch.lines]


def test_each_request_is_one_json_line_with_its_route_template_and_request_id(app, _no_personal_data_in_logs):
    advocate = factories.advocate()
    person = factories.person(advocate, name="Morgan Tremaine")
    client = app.test_client()
    sign_in(client, advocate.email, factories.PASSWORD)

    response = client.get(f"/people/{person.id}?q=Morgan", headers={"X-Request-Id": "from-the-proxy-1234"})

    line = [entry for entry in _json_lines(_no_personal_data_in_logs) if entry["logger"] == "advocate_app.requests"][-1]
    assert line["route"] == "/people/<int:person_id>" and line["status"] == 200 and line["method"] == "GET"
    assert line["request_id"] == response.headers["X-Request-Id"] == "from-the-proxy-1234"
    made_up = client.get("/healthz", headers={"X-Request-Id": "<script>"}).headers["X-Request-Id"]
    assert made_up != "<script>" and len(made_up) == 32


def test_a_database_error_is_logged_without_the_values_in_the_statement(app, _no_personal_data_in_logs):
    name = " ".join(("Morgan", "Tremaine"))  # not written out whole: a traceback quotes this file's lines
    _no_personal_data_in_logs.personal.add(name)  # the audit after the test fails if it reached a log line
    with app.app_context():
        try:
            db.session.execute(text("INSERT INTO no_such_table (name) VALUES (:name)"), {"name": name})
        except Exception:
            logging.getLogger("advocate_app.errors").exception("unhandled error")
    assert any("SQL parameters hidden" in line for line in _no_personal_data_in_logs.lines)


def test_the_audit_finds_a_name_or_number_that_reaches_a_log_line():
    watch = LogWatch()
    leaky = logging.getLogger("advocate_app.sms.sample")
    leaky.propagate = False  # this line is meant to leak: only this watch sees it, not the test's own audit
    leaky.addHandler(watch)
    watch.start()
    try:
        leaky.warning("could not text %s", "07700 900123")
        logging.getLogger("advocate_app.sms.console").info("text message to +447700900123: see you soon")
    finally:
        watch.stop()
        leaky.removeHandler(watch)
    assert [value for value, _line in watch.leaks()] == ["07700 900123"]


def test_production_writes_json_logs_and_holds_libraries_that_log_numbers_to_warnings():
    observability.quiet_chatty_libraries()
    assert logging.getLogger("twilio.http_client").getEffectiveLevel() == logging.WARNING
    record = logging.LogRecord("advocate_app.sms", logging.INFO, __file__, 1, "sent %s", ("key-1",), None)
    assert json.loads(observability.JsonFormatter().format(record))["message"] == "sent key-1"
