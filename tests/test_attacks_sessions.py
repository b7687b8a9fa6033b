"""Session attacks: a cookie replayed after signing out, idle and absolute timeouts, fixation, tampering."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from flask.sessions import SecureCookieSessionInterface

from advocate_app.accounts.models import Role
from tests import factories
from tests.attack_surface import TALLY
from tests.conftest import form_post, sign_in

HOMES = {Role.ADVOCATE: "/people", Role.ORG_WORKER: "/referrals", Role.COORDINATOR: "/admin", Role.INDIVIDUAL: "/me"}


def someone(role: Role):
    if role is Role.INDIVIDUAL:
        return factories.individual(factories.person(factories.advocate()))
    return factories.staff(role)


def signed_out(response) -> bool:
    return response.status_code == 302 and response.headers["Location"].startswith("/login")


@pytest.mark.parametrize("role", list(HOMES))
@pytest.mark.parametrize("ending", ["sign out", "exit this page"])
def test_a_copied_cookie_is_refused_once_its_session_ends(role, ending, client, new_client, login):
    user = someone(role)
    login(client, user)
    stolen = client.get_cookie("session").value
    if ending == "sign out":
        form_post(client, "/logout", {}, token_from="/account")
    else:
        client.get("/exit")
    thief = new_client()
    thief.set_cookie("session", stolen)
    TALLY["session attacks"] += 1
    assert signed_out(thief.get(HOMES[role]))


@pytest.mark.parametrize(
    "role, idle", [(Role.INDIVIDUAL, 15), (Role.ADVOCATE, 60), (Role.ORG_WORKER, 60), (Role.COORDINATOR, 60)]
)
def test_an_idle_session_ends_after_its_timeout(role, idle, client, login):
    user = someone(role)
    with time_machine.travel("2026-03-02 10:00 +0000", tick=False) as traveller:
        login(client, user)
        traveller.shift(timedelta(minutes=idle - 1))
        assert client.get(HOMES[role]).status_code == 200
        traveller.shift(timedelta(minutes=idle + 1))
        TALLY["session attacks"] += 1
        assert signed_out(client.get(HOMES[role]))


@pytest.mark.parametrize("role", [Role.INDIVIDUAL, Role.COORDINATOR])
def test_no_session_outlives_twelve_hours_however_busy(role, client, login):
    user = someone(role)
    with time_machine.travel("2026-03-02 06:00 +0000", tick=False) as traveller:
        login(client, user)
        for _ in range(12 * 6 - 1):  # busy every ten minutes, so never idle
            traveller.shift(timedelta(minutes=10))
            assert client.get(HOMES[role]).status_code == 200
        traveller.shift(timedelta(minutes=11))
        TALLY["session attacks"] += 1
        assert signed_out(client.get(HOMES[role]))


def test_a_session_planted_before_sign_in_is_not_the_one_signed_in(client, new_client):
    advocate = factories.advocate()
    attacker = new_client()
    attacker.get("/login")
    planted = attacker.get_cookie("session").value
    client.set_cookie("session", planted)
    assert sign_in(client, advocate.email, factories.PASSWORD).headers["Location"] == "/people"
    assert client.get_cookie("session").value != planted
    TALLY["session attacks"] += 1
    assert signed_out(attacker.get("/people"))


def test_a_cookie_copied_between_passphrase_and_code_gives_nothing_once_the_code_is_typed(client, new_client):
    advocate = factories.advocate()
    sign_in(client, advocate.email, factories.PASSWORD, second_factor=False)
    halfway = client.get_cookie("session").value
    from tests.conftest import complete_second_factor

    assert complete_second_factor(client, advocate.email, "/login/code").headers["Location"] == "/people"
    thief = new_client()
    thief.set_cookie("session", halfway)
    TALLY["session attacks"] += 1
    assert signed_out(thief.get("/people"))


def test_a_cookie_signed_with_another_key_or_edited_is_refused(app, client, login, new_client):
    login(client, factories.advocate())
    value = client.get_cookie("session").value
    forged_app = type(app)(app.import_name)
    forged_app.secret_key = "not our secret key"
    serializer = SecureCookieSessionInterface().get_signing_serializer(forged_app)
    attempts = [
        serializer.dumps({"_user_id": "1", "sid": "guessed"}),
        value[:-2] + ("AA" if value[-2:] != "AA" else "BB"),
    ]
    for forged in attempts:
        thief = new_client()
        thief.set_cookie("session", forged)
        TALLY["session attacks"] += 1
        assert signed_out(thief.get("/people"))
