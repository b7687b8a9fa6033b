"""Passphrases: at least 12 characters, any characters, never a common, breached or self-describing one."""

from __future__ import annotations

from datetime import timedelta

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from advocate_app import db
from advocate_app.accounts import passwords
from advocate_app.accounts.models import User
from advocate_app.accounts.services import issue_setup_code
from tests import factories
from tests.conftest import form_post

TOO_EASY = "This passphrase is too easy to guess"


def open_person_setup(client, in_app) -> None:
    advocate = factories.advocate()
    person = factories.person(advocate)
    with in_app():
        code = issue_setup_code(created_by=advocate, person=person, lifetime=timedelta(minutes=15))
        db.session.commit()
    assert form_post(client, "/setup", {"code": code}).headers["Location"] == "/setup/account"


@pytest.mark.parametrize(
    "passphrase",
    [
        "password1234",
        "qwertyuiopasdf",
        "iloveyou1234",
        "123456789012",
        "aaaaaaaaaaaaaaa",
        "1qaz2wsx3edc4rfv",
        "jo_kowalski_2026",
        "Plan together 2026",
    ],
)
def test_common_breached_or_self_describing_passphrases_are_refused_with_the_reason_beside_the_field(
    passphrase, client, in_app
):
    open_person_setup(client, in_app)
    response = form_post(
        client, "/setup/account", {"username": "jo_kowalski", "password": passphrase, "confirm": passphrase}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert page.count(TOO_EASY) == 2  # beside the field and in the error summary
    assert 'value="jo_kowalski"' in page  # nothing typed is lost (but the passphrase is never echoed)
    assert passphrase not in page
    with in_app():
        assert db.session.scalar(select(User).where(User.username == "jo_kowalski")) is None


@pytest.mark.parametrize(
    "passphrase", ["purple kettle on the stairs", "ŻÓŁW JEDZIE POCIĄGIEM", "دریا کے کنارے چائے", "x7#Qm!2v9Lp@"]
)
def test_any_long_enough_passphrase_is_fine_without_composition_rules(passphrase, client, in_app):
    open_person_setup(client, in_app)
    response = form_post(client, "/setup/account", {"username": "jo_k", "password": passphrase, "confirm": passphrase})
    assert response.headers["Location"] == "/me"


def test_eleven_characters_are_too_few(client, in_app):
    open_person_setup(client, in_app)
    response = form_post(
        client, "/setup/account", {"username": "jo_k", "password": "aaaa kettle", "confirm": "aaaa kettle"}
    )
    assert "at least 12 characters" in response.get_data(as_text=True)


def test_a_staff_passphrase_may_not_be_built_from_their_email_or_name(client, in_app):
    coordinator = factories.coordinator()
    with in_app():
        dana = factories.staff(email="dana.price@example.org", name="Dana Price", second_factor=False)
        dana.password_hash = None
        code = issue_setup_code(created_by=coordinator, user=dana, lifetime=timedelta(hours=1))
        db.session.commit()
    form_post(client, "/setup", {"code": code})
    response = form_post(client, "/setup/account", {"password": "danaprice2026", "confirm": "danaprice2026"})
    assert TOO_EASY in response.get_data(as_text=True)


def test_a_changed_passphrase_is_checked_too(client, login):
    login(client, factories.advocate())
    response = form_post(
        client,
        "/account/password",
        {"current_password": factories.PASSWORD, "password": "password123456", "confirm": "password123456"},
    )
    assert TOO_EASY in response.get_data(as_text=True)


def test_the_command_line_refuses_an_easy_passphrase(app):
    result = app.test_cli_runner().invoke(
        args=["users", "create", "--role", "advocate", "--email", "new@example.org", "--name", "New"],
        env={"ADVOCATE_APP_PASSWORD": "password123456"},
    )
    assert result.exit_code != 0 and "too easy to guess" in result.output


def test_an_old_hash_is_upgraded_at_the_next_sign_in(client, login, in_app, monkeypatch):
    advocate = factories.advocate()
    with in_app():
        old = PasswordHasher(time_cost=1, memory_cost=512, parallelism=1).hash(factories.PASSWORD)
        db.session.get(User, advocate.id).password_hash = old
        db.session.commit()
    login(client, advocate, factories.PASSWORD)  # through the sign-in page
    with in_app():
        stored = db.session.get(User, advocate.id).password_hash
    assert stored != old and stored.startswith("$argon2id$")
    assert not passwords.needs_rehash(stored)
