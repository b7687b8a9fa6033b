"""Signing in and out, server-side sessions, and setting up a login in person."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select

from advocate_app import db
from advocate_app.audit.models import AuditEvent
from tests import factories
from tests.conftest import as_read, complete_second_factor, csrf_from, form_post, sign_in


def test_advocate_signs_in_and_lands_on_their_caseload(client, in_app):
    advocate = factories.advocate(email="alex@example.org")
    response = sign_in(client, "ALEX@example.org ", factories.PASSWORD)
    assert response.status_code == 302
    assert response.headers["Location"] == "/people"
    assert client.get("/people").status_code == 200
    with in_app():
        actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.actor_id == advocate.id)).all()
    assert "login" in actions


def test_wrong_password_gets_one_generic_message_and_is_audited(client, in_app):
    factories.advocate(email="alex@example.org")
    for identifier in ("alex@example.org", "nobody@example.org"):
        response = sign_in(client, identifier, "not the passphrase at all")
        page = response.get_data(as_text=True)
        assert response.status_code == 200
        assert "The email address, username or passphrase is not right" in page
        assert "govuk-error-summary" in page
        assert 'value="' + identifier + '"' in page  # what they typed is kept
    with in_app():
        failed = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "login_failed")).all()
    assert len(failed) == 2


def test_cookie_replayed_after_logout_gets_the_login_page(client, login, new_client):
    advocate = factories.advocate()
    login(client, advocate)
    stolen = client.get_cookie("session").value
    form_post(client, "/logout", {}, token_from="/people")
    thief = new_client()
    thief.set_cookie("session", stolen)
    response = thief.get("/people")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_post_without_csrf_token_is_refused(client, login):
    advocate = factories.advocate()
    login(client, advocate)
    response = client.post("/people/new", data={"preferred_name": "Someone"})
    assert response.status_code == 400
    assert "This form has expired" in response.get_data(as_text=True)


def test_next_is_followed_only_to_a_local_path(client):
    factories.advocate(email="alex@example.org")
    page = client.get("/login?next=//evil.example/steal").get_data(as_text=True)
    response = client.post(
        "/login?next=//evil.example/steal",
        data={"csrf_token": csrf_from(page), "identifier": "alex@example.org", "password": factories.PASSWORD},
    )
    response = complete_second_factor(client, "alex@example.org", response.headers["Location"])
    assert response.headers["Location"] == "/people"


def test_idle_individual_is_signed_out_after_15_minutes_but_staff_after_60(client, new_client, login):
    advocate = factories.advocate()
    person = factories.person(advocate)
    individual = factories.individual(person)
    staff_client = new_client()
    with time_machine.travel("2026-03-02 10:00 +0000", tick=False) as traveller:
        login(client, individual)
        login(staff_client, advocate)
        traveller.shift(timedelta(minutes=16))
        assert client.get("/me").status_code == 302
        assert staff_client.get("/people").status_code == 200
        traveller.shift(timedelta(minutes=61))
        assert staff_client.get("/people").status_code == 302


def test_sessions_end_after_twelve_hours_however_busy(client, login):
    advocate = factories.advocate()
    with time_machine.travel("2026-03-02 08:00 +0000", tick=False) as traveller:
        login(client, advocate)
        for _ in range(12):
            traveller.shift(timedelta(minutes=59))
            assert client.get("/people").status_code == 200
        traveller.shift(timedelta(minutes=20))
        assert client.get("/people").status_code == 302


def test_person_sets_up_their_login_in_person_with_a_one_time_code(client, new_client, login):
    advocate = factories.advocate()
    jo = factories.person(advocate, name="Jo")
    login(client, advocate)
    page = form_post(client, f"/people/{jo.id}/login", {}, token_from=f"/people/{jo.id}").get_data(as_text=True)
    code = page.split('class="app-setup-code">')[1].split("<")[0]

    phone = new_client()
    response = form_post(phone, "/setup", {"code": code.lower().replace("-", " ")})
    assert response.headers["Location"] == "/setup/account"
    response = form_post(
        phone,
        "/setup/account",
        {"username": "jo_k", "password": "purple kettle stairs", "confirm": "purple kettle stairs"},
    )
    assert response.headers["Location"] == "/me"
    assert "Hello, Jo." in as_read(phone.get("/me").get_data(as_text=True))

    # Single use: the same code does nothing a second time, and says so.
    other = new_client()
    response = form_post(other, "/setup", {"code": code})
    assert response.status_code == 200
    assert "That setup code has already been used" in response.get_data(as_text=True)
    assert "has expired" not in response.get_data(as_text=True)


def test_a_code_used_on_another_phone_meanwhile_is_reported_as_already_used(client, new_client, login):
    advocate = factories.advocate()
    jo = factories.person(advocate, name="Jo")
    login(client, advocate)
    page = form_post(client, f"/people/{jo.id}/login", {}, token_from=f"/people/{jo.id}").get_data(as_text=True)
    code = page.split('class="app-setup-code">')[1].split("<")[0]
    first, second = new_client(), new_client()
    assert form_post(first, "/setup", {"code": code}).headers["Location"] == "/setup/account"
    assert form_post(second, "/setup", {"code": code}).headers["Location"] == "/setup/account"
    choose = {"username": "jo_k", "password": "purple kettle stairs", "confirm": "purple kettle stairs"}
    assert form_post(second, "/setup/account", choose).headers["Location"] == "/me"
    # The first phone's form was open before the code was used; sending it now is refused, with the reason.
    response = form_post(
        first, "/setup/account", {**choose, "username": "jo_two"}, token_from="/setup", follow_redirects=True
    )
    text = response.get_data(as_text=True)
    assert "That setup code has already been used" in text and "has expired" not in text


def test_setup_code_expires_after_15_minutes(client, new_client, login):
    advocate = factories.advocate()
    jo = factories.person(advocate)
    with time_machine.travel("2026-03-02 10:00 +0000", tick=False) as traveller:
        login(client, advocate)
        page = form_post(client, f"/people/{jo.id}/login", {}, token_from=f"/people/{jo.id}").get_data(as_text=True)
        code = page.split('class="app-setup-code">')[1].split("<")[0]
        traveller.shift(timedelta(minutes=16))
        response = form_post(new_client(), "/setup", {"code": code})
    assert "expired" in response.get_data(as_text=True)


def test_password_change_ends_every_other_session(client, new_client, login):
    advocate = factories.advocate()
    laptop = new_client()
    login(client, advocate)
    login(laptop, advocate)
    response = form_post(
        client,
        "/account/password",
        {
            "current_password": factories.PASSWORD,
            "password": "a brand new passphrase",
            "confirm": "a brand new passphrase",
        },
    )
    assert response.status_code == 302
    assert client.get("/people").status_code == 200
    assert laptop.get("/people").status_code == 302


def test_deactivating_a_user_ends_their_sessions_at_once(client, new_client, login):
    coordinator = factories.coordinator()
    advocate = factories.advocate()
    advocate_phone = new_client()
    login(advocate_phone, advocate)
    login(client, coordinator)
    response = form_post(
        client, f"/admin/users/{advocate.id}/active", {"active": "0"}, token_from=f"/admin/users/{advocate.id}"
    )
    assert response.status_code == 302
    assert advocate_phone.get("/people").status_code == 302
    assert sign_in(new_client(), advocate.email, factories.PASSWORD).status_code == 200


def test_login_is_rate_limited_per_account(app_factory):
    app = app_factory(RATELIMIT_ENABLED=True)
    factories.use(app)
    factories.advocate(email="alex@example.org")
    client = app.test_client()
    statuses = [sign_in(client, "alex@example.org", "wrong passphrase here").status_code for _ in range(11)]
    assert statuses[:10] == [200] * 10
    assert statuses[10] == 429


def test_exit_this_page_clears_the_session_and_leaves_for_a_neutral_site(app, client, login):
    advocate = factories.advocate()
    individual = factories.individual(factories.person(advocate))
    login(client, individual)
    page = client.get("/me").get_data(as_text=True)
    assert "govuk-exit-this-page" in page
    response = client.get("/exit")
    assert response.status_code == 302
    assert response.headers["Location"] == app.config["EXIT_PAGE_URL"]
    assert "cookies" in response.headers["Clear-Site-Data"]
    assert client.get("/me").status_code == 302


@pytest.mark.parametrize("languages", [("en", "ur", "cy", "en"), ("ur", "en", "ur")])
def test_exit_this_page_speaks_the_language_of_each_page(client, languages):
    """The component is made once per language: a page in one language never shows another's button."""
    button = {"en": "Exit this page", "ur": "اس صفحے سے نکلیں", "cy": "Gadael y dudalen hon"}
    for language in languages:
        page = client.get("/login", headers={"Accept-Language": language}).get_data(as_text=True)
        exit_this_page = page.split('class="govuk-exit-this-page"', 1)[1].split("</div>", 1)[0]
        assert button[language] in exit_this_page
        assert [other for other in button.values() if other != button[language] and other in exit_this_page] == []


def test_login_page_offers_exit_this_page_and_no_remember_me(client):
    page = client.get("/login").get_data(as_text=True)
    assert "govuk-exit-this-page" in page
    assert "remember" not in page.lower()
