"""Throttling: sign-in, setup codes, second-factor codes and anything that sends a text message."""

from __future__ import annotations

from flask_login import login_required

from advocate_app.security import throttle_sms_sending
from tests import factories
from tests.attack_surface import TALLY
from tests.conftest import csrf_from, sign_in


def test_the_eleventh_rapid_failed_sign_in_from_one_address_is_throttled_whatever_the_account(app_factory):
    app = app_factory(RATELIMIT_ENABLED=True)
    client = app.test_client()
    statuses = [
        sign_in(client, f"person{n}@example.org", "wrong passphrase", second_factor=False).status_code
        for n in range(11)
    ]
    TALLY["throttling attempts"] += len(statuses)
    assert statuses == [200] * 10 + [429]


def test_the_eleventh_rapid_failed_sign_in_to_one_account_is_throttled_from_any_address(app_factory):
    app = app_factory(RATELIMIT_ENABLED=True)
    factories.use(app)
    factories.advocate(email="alex@example.org")
    client = app.test_client()
    token = csrf_from(client.get("/login").get_data(as_text=True))
    statuses = [
        client.post(
            "/login",
            data={"csrf_token": token, "identifier": "alex@example.org", "password": "wrong"},
            environ_base={"REMOTE_ADDR": f"192.0.2.{n}"},
        ).status_code
        for n in range(11)
    ]
    TALLY["throttling attempts"] += len(statuses)
    assert statuses == [200] * 10 + [429]


def test_guessing_setup_codes_is_throttled(app_factory):
    app = app_factory(RATELIMIT_ENABLED=True)
    client = app.test_client()
    token = csrf_from(client.get("/setup").get_data(as_text=True))
    statuses = [
        client.post("/setup", data={"csrf_token": token, "code": f"AAAA-AA{n:02d}"}).status_code for n in range(11)
    ]
    TALLY["throttling attempts"] += len(statuses)
    assert statuses == [200] * 10 + [429]


def _app_with_a_view_that_sends_texts(app_factory):
    """An app with rate limits on and one view, wearing the throttle, that would queue a text message."""
    app = app_factory(RATELIMIT_ENABLED=True)

    @app.post("/test-only/send-reminder")
    @login_required
    @throttle_sms_sending
    def send_reminder():
        return "queued"

    factories.use(app)
    return app, send_reminder


def test_a_view_that_sends_a_text_message_is_throttled_per_account_and_per_address(app_factory, login):
    app, send_reminder = _app_with_a_view_that_sends_texts(app_factory)
    advocate = factories.advocate()
    client = app.test_client()
    login(client, advocate)
    token = csrf_from(client.get("/account").get_data(as_text=True))
    statuses = [
        client.post(
            "/test-only/send-reminder", data={"csrf_token": token}, environ_base={"REMOTE_ADDR": f"192.0.2.{n % 200}"}
        ).status_code
        for n in range(31)
    ]
    TALLY["throttling attempts"] += len(statuses)
    assert statuses == [200] * 30 + [429]  # per account, from however many addresses
    assert send_reminder.sends_sms


def test_a_view_that_sends_a_text_message_is_throttled_per_address_across_accounts(app_factory, login):
    app, _ = _app_with_a_view_that_sends_texts(app_factory)
    statuses = []
    for advocate in (factories.advocate(), factories.advocate()):
        client = app.test_client()
        login(client, advocate)
        token = csrf_from(client.get("/account").get_data(as_text=True))
        statuses += [client.post("/test-only/send-reminder", data={"csrf_token": token}).status_code for _ in range(11)]
    TALLY["throttling attempts"] += len(statuses)
    assert statuses == [200] * 20 + [429] * 2  # 20 an hour from one address, whoever is signed in
