"""Staff sign in with a passphrase and a code from an authenticator app; people may add one too."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pyotp
import time_machine
from sqlalchemy import select

from advocate_app import db
from advocate_app.accounts.models import RecoveryCode, User
from advocate_app.audit.models import AuditEvent
from tests import factories
from tests.conftest import ENROL_KEY_PATTERN, csrf_from, form_post, sign_in

CODE = re.compile(r"<li>([A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4})</li>")


def code_now(secret: str = factories.TOTP_SECRET) -> str:
    return pyotp.TOTP(secret).now()


def audit_actions(in_app) -> list[str]:
    with in_app():
        return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def test_a_right_passphrase_alone_does_not_sign_staff_in(client):
    advocate = factories.advocate()
    response = sign_in(client, advocate.email, factories.PASSWORD, second_factor=False)
    assert response.headers["Location"] == "/login/code"
    for page in ("/people", "/account", "/admin", "/referrals"):
        assert client.get(page).headers["Location"].startswith("/login"), page
    assert client.get("/login/code").status_code == 200


def test_staff_sign_in_with_the_code_from_their_app_and_a_wrong_code_is_refused_and_audited(client, in_app):
    advocate = factories.advocate()
    sign_in(client, advocate.email, factories.PASSWORD, second_factor=False)
    wrong = str((int(code_now()) + 1) % 1_000_000).zfill(6)
    page = form_post(client, "/login/code", {"code": wrong})
    assert page.status_code == 200
    assert "That code is not right" in page.get_data(as_text=True)
    assert client.get("/people").status_code == 302
    response = form_post(client, "/login/code", {"code": code_now()})
    assert response.headers["Location"] == "/people"
    assert client.get("/people").status_code == 200
    assert audit_actions(in_app)[-2:] == ["mfa_failed", "mfa_verified"]


def test_a_code_works_only_once(client, new_client):
    advocate = factories.advocate()
    code = code_now()
    sign_in(client, advocate.email, factories.PASSWORD, second_factor=False)
    assert form_post(client, "/login/code", {"code": code}).headers["Location"] == "/people"
    other = new_client()
    sign_in(other, advocate.email, factories.PASSWORD, second_factor=False)
    replayed = form_post(other, "/login/code", {"code": code})
    assert replayed.status_code == 200 and other.get("/people").status_code == 302


def test_the_step_between_passphrase_and_code_lasts_five_minutes(client):
    advocate = factories.advocate()
    with time_machine.travel("2026-03-02 10:00:00+00:00", tick=False) as traveller:
        sign_in(client, advocate.email, factories.PASSWORD, second_factor=False)
        token = csrf_from(client.get("/login/code").get_data(as_text=True))
        traveller.shift(timedelta(minutes=6))
        response = client.post("/login/code", data={"csrf_token": token, "code": code_now()})
    assert response.headers["Location"] == "/login"
    assert client.get("/people").status_code == 302


def test_new_staff_must_set_up_an_app_before_anything_else_and_get_recovery_codes(client, in_app):
    advocate = factories.advocate(second_factor=False)
    response = sign_in(client, advocate.email, factories.PASSWORD, second_factor=False)
    assert response.headers["Location"] == "/login/enrol"
    assert client.get("/people").headers["Location"].startswith("/login")
    assert client.get("/login/code").headers["Location"] == "/login/enrol"
    page = client.get("/login/enrol").get_data(as_text=True)
    assert '<svg role="img" aria-label="QR code for your authenticator app"' in page  # inline, nothing fetched
    assert "<img" not in page.split("<main", 1)[1]
    key = ENROL_KEY_PATTERN.search(page).group(1).replace(" ", "")
    with in_app():
        assert db.session.get(User, advocate.id).totp_secret == key
    assert (
        form_post(client, "/login/enrol", {"code": "000000" if code_now(key) != "000000" else "111111"}).status_code
        == 200
    )
    assert client.get("/people").status_code == 302
    done = form_post(client, "/login/enrol", {"code": code_now(key)})
    codes = CODE.findall(done.get_data(as_text=True))
    assert len(set(codes)) == 10
    assert client.get("/people").status_code == 200
    with in_app():
        stored = db.session.scalars(select(RecoveryCode.code_hash).where(RecoveryCode.user_id == advocate.id)).all()
    assert len(stored) == 10 and not any(code.replace("-", "") in h for code in codes for h in stored)
    assert "mfa_enrolled" in audit_actions(in_app)


def test_a_recovery_code_signs_in_once(client, new_client, in_app):
    advocate = factories.advocate(second_factor=False)
    sign_in(client, advocate.email, factories.PASSWORD, second_factor=False)
    page = client.get("/login/enrol").get_data(as_text=True)
    key = ENROL_KEY_PATTERN.search(page).group(1).replace(" ", "")
    codes = CODE.findall(form_post(client, "/login/enrol", {"code": code_now(key)}).get_data(as_text=True))
    phone_lost = new_client()
    sign_in(phone_lost, advocate.email, factories.PASSWORD, second_factor=False)
    assert form_post(phone_lost, "/login/code", {"code": codes[3].lower()}).headers["Location"] == "/people"
    again = new_client()
    sign_in(again, advocate.email, factories.PASSWORD, second_factor=False)
    assert form_post(again, "/login/code", {"code": codes[3]}).status_code == 200
    assert "mfa_recovery_code_used" in audit_actions(in_app)


def test_a_coordinator_resets_a_lost_app_which_ends_the_staff_members_sessions(client, new_client, login, in_app):
    coordinator = factories.coordinator()
    advocate = factories.advocate()
    advocate_phone = new_client()
    login(advocate_phone, advocate)
    login(client, coordinator)
    page = client.get(f"/admin/users/{advocate.id}").get_data(as_text=True)
    assert "Reset authenticator app" in page
    response = form_post(
        client, f"/admin/users/{advocate.id}/two-factor/reset", {}, token_from=f"/admin/users/{advocate.id}"
    )
    assert response.status_code == 302
    assert advocate_phone.get("/people").status_code == 302
    assert sign_in(new_client(), advocate.email, factories.PASSWORD, second_factor=False).headers["Location"] == (
        "/login/enrol"
    )
    with in_app():
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "mfa_reset")).one()
        assert (event.actor_id, event.object_id) == (coordinator.id, advocate.id)


def test_a_coordinator_cannot_reset_their_own_app(client, login, in_app):
    coordinator = factories.coordinator()
    login(client, coordinator)
    form_post(client, f"/admin/users/{coordinator.id}/two-factor/reset", {}, token_from="/admin")
    with in_app():
        assert db.session.get(User, coordinator.id).has_second_factor


def test_a_staff_session_without_the_second_factor_stops_working(client, login, in_app):
    advocate = factories.advocate()
    login(client, advocate)
    with in_app():
        db.session.get(User, advocate.id).totp_enabled_at = None  # as if the app were taken away
        db.session.commit()
    assert client.get("/people").headers["Location"].startswith("/login")


def test_a_person_signs_in_with_a_passphrase_alone_and_may_add_and_remove_codes(client, new_client, login, in_app):
    person = factories.person(factories.advocate())
    individual = factories.individual(person)
    login(client, individual)
    assert "Set up sign-in codes" in client.get("/account/two-factor").get_data(as_text=True)
    page = client.get("/account/two-factor/setup").get_data(as_text=True)
    key = ENROL_KEY_PATTERN.search(page).group(1).replace(" ", "")
    assert (
        len(
            CODE.findall(form_post(client, "/account/two-factor/setup", {"code": code_now(key)}).get_data(as_text=True))
        )
        == 10
    )
    phone = new_client()
    assert (
        sign_in(phone, individual.username, factories.PASSWORD, second_factor=False).headers["Location"]
        == "/login/code"
    )
    wrong = form_post(
        client, "/account/two-factor/off", {"password": "not my passphrase"}, token_from="/account/two-factor"
    )
    assert "Your passphrase is not right" in wrong.get_data(as_text=True)
    form_post(client, "/account/two-factor/off", {"password": factories.PASSWORD}, token_from="/account/two-factor")
    assert (
        sign_in(new_client(), individual.username, factories.PASSWORD, second_factor=False).headers["Location"] == "/me"
    )
    assert {"mfa_enrolled", "mfa_turned_off"} <= set(audit_actions(in_app))


def test_staff_cannot_turn_their_codes_off(client, login, in_app):
    advocate = factories.advocate()
    login(client, advocate)
    response = form_post(client, "/account/two-factor/off", {"password": factories.PASSWORD}, token_from="/account")
    assert response.status_code == 403
    with in_app():
        assert db.session.get(User, advocate.id).has_second_factor


def test_wrong_codes_are_throttled_per_account(app_factory):
    app = app_factory(RATELIMIT_ENABLED=True)
    factories.use(app)
    advocate = factories.advocate()
    client = app.test_client()
    sign_in(client, advocate.email, factories.PASSWORD, second_factor=False)
    page = client.get("/login/code").get_data(as_text=True)
    token = csrf_from(page)
    wrong = str((int(code_now()) + 500_000) % 1_000_000).zfill(6)
    statuses = [client.post("/login/code", data={"csrf_token": token, "code": wrong}).status_code for _ in range(6)]
    assert statuses == [200] * 5 + [429]
    # from another address too: the count is the account's
    other = app.test_client()
    sign_in(other, advocate.email, factories.PASSWORD, second_factor=False)
    token = csrf_from(other.get("/login/code").get_data(as_text=True))
    response = other.post(
        "/login/code", data={"csrf_token": token, "code": code_now()}, environ_base={"REMOTE_ADDR": "192.0.2.7"}
    )
    assert response.status_code == 429


def test_demo_staff_codes_come_from_the_demo_key(app):
    from advocate_app.demo import DEMO_TOTP_SECRET

    runner = app.test_cli_runner()
    seeded = runner.invoke(args=["demo", "seed"])
    assert DEMO_TOTP_SECRET in seeded.output
    printed = runner.invoke(args=["demo", "code"]).output.strip()
    totp = pyotp.TOTP(DEMO_TOTP_SECRET)
    assert printed in {totp.at(time.time() + drift) for drift in (-30, 0, 30)}  # a step may turn meanwhile


def test_there_is_no_demo_code_in_production(app_factory):
    result = app_factory(APP_ENV="production").test_cli_runner().invoke(args=["demo", "code"])
    assert result.exit_code != 0
