"""The coordinator: organisations, staff users and their setup codes, assigning advocates, and what they cannot see."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from advocate_app import db
from advocate_app.accounts.models import Role, User
from advocate_app.audit.models import AuditEvent
from advocate_app.directory.models import Organisation
from advocate_app.people.models import Assignment
from tests import factories
from tests.conftest import as_read, complete_second_factor, form_post, sign_in

ERROR_ID = re.compile(r'<p id="([^"]+)-error" class="govuk-error-message">')


def an_organisation(in_app, name: str = "Harbour Housing Advice") -> Organisation:
    with in_app():
        organisation = factories.organisation(name)
        db.session.commit()
    return organisation


def setup_code_on(page: str) -> str:
    return page.split('class="app-setup-code">')[1].split("<")[0]


def test_coordinator_adds_an_organisation(client, login, in_app):
    coordinator = factories.coordinator()
    login(client, coordinator)

    response = form_post(
        client,
        "/admin/organisations/new",
        {
            "name": "Harbour Housing Advice",
            "kind": "voluntary",
            "description": "Advice on keeping a home.",
            "email": "Hello@Harbour.example.org",
            "phone": "01632 960001",
            "website": "https://harbour.example.org",
        },
    )

    with in_app():
        harbour = db.session.scalars(select(Organisation)).one()
        created = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "create")).one()
    assert response.headers["Location"] == f"/admin/organisations/{harbour.id}"
    assert (harbour.name, harbour.kind.value, harbour.email) == (
        "Harbour Housing Advice",
        "voluntary",
        "hello@harbour.example.org",
    )
    assert (created.actor_id, created.object_type, created.object_id) == (coordinator.id, "organisation", harbour.id)
    added = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Harbour Housing Advice has been added." in as_read(added)


def test_a_new_staff_member_sets_their_passphrase_with_the_code_and_signs_in_by_email(
    client, login, new_client, in_app
):
    harbour = an_organisation(in_app)
    login(client, factories.coordinator())

    response = form_post(
        client,
        "/admin/users/new",
        {
            "display_name": "Dana Price",
            "email": "Dana@Example.org",
            "role": "org_worker",
            "organisation_id": str(harbour.id),
        },
    )
    assert response.status_code == 200
    code = setup_code_on(response.get_data(as_text=True))
    with in_app():
        dana = db.session.scalars(select(User).where(User.email == "dana@example.org")).one()
    assert (dana.role, dana.organisation_id, dana.password_hash) == (Role.ORG_WORKER, harbour.id, None)

    dana_laptop = new_client()
    assert form_post(dana_laptop, "/setup", {"code": code}).headers["Location"] == "/setup/account"
    page = dana_laptop.get("/setup/account").get_data(as_text=True)
    assert 'name="username"' not in page  # staff sign in by email
    passphrase = "harbour lights at dusk"
    response = form_post(dana_laptop, "/setup/account", {"password": passphrase, "confirm": passphrase})
    assert response.headers["Location"] == "/login/enrol"  # staff set up an authenticator app first
    response = complete_second_factor(dana_laptop, "dana@example.org", response.headers["Location"])
    assert response.headers["Location"] == "/referrals"

    form_post(dana_laptop, "/logout", {}, token_from="/referrals")
    response = sign_in(new_client(), "dana@example.org", passphrase)
    assert response.headers["Location"] == "/referrals"


def test_a_staff_setup_code_works_once(client, login, new_client):
    login(client, factories.coordinator())
    page = form_post(
        client,
        "/admin/users/new",
        {"display_name": "Al", "email": "al@example.org", "role": "advocate", "organisation_id": ""},
    ).get_data(as_text=True)
    code = setup_code_on(page)
    first = new_client()
    form_post(first, "/setup", {"code": code})
    form_post(first, "/setup/account", {"password": "the first passphrase", "confirm": "the first passphrase"})

    response = form_post(new_client(), "/setup", {"code": code})

    assert response.status_code == 200
    assert "That setup code has already been used" in response.get_data(as_text=True)


def test_an_email_address_already_in_use_gets_a_field_error(client, login, in_app):
    factories.advocate(email="alex@example.org")
    login(client, factories.coordinator())
    with in_app():
        users_before = db.session.scalar(select(func.count(User.id)))

    response = form_post(
        client,
        "/admin/users/new",
        {"display_name": "Alex Again", "email": "ALEX@example.org", "role": "advocate", "organisation_id": ""},
    )

    page = response.get_data(as_text=True)
    assert ERROR_ID.findall(page) == ["email"]
    assert "There is already an account with this email address" in page
    with in_app():
        assert db.session.scalar(select(func.count(User.id))) == users_before


def test_an_organisation_worker_without_an_organisation_gets_a_field_error(client, login, in_app):
    an_organisation(in_app)
    login(client, factories.coordinator())

    response = form_post(
        client,
        "/admin/users/new",
        {"display_name": "Dana Price", "email": "dana@example.org", "role": "org_worker", "organisation_id": ""},
    )

    page = response.get_data(as_text=True)
    assert ERROR_ID.findall(page) == ["organisation_id"]
    assert "An organisation worker must belong to an organisation" in page
    with in_app():
        assert db.session.scalars(select(User).where(User.email == "dana@example.org")).all() == []


def current_assignments(in_app, person_id: int) -> dict[int, bool]:
    """Advocate id → is lead, for the person's current advocates."""
    with in_app():
        rows = db.session.execute(
            select(Assignment.advocate_id, Assignment.is_lead).where(
                Assignment.person_id == person_id, Assignment.ended_at.is_(None)
            )
        ).all()
    return dict(rows)


def test_coordinator_adds_an_advocate_and_moves_the_lead_leaving_exactly_one(client, login, in_app):
    first, second = factories.advocate(), factories.advocate()
    jo = factories.person(first)
    login(client, factories.coordinator())
    path = f"/admin/people/{jo.id}/advocates"

    response = form_post(client, path, {"advocate_id": str(second.id), "lead": "no"})
    assert response.headers["Location"] == "/admin/people"
    assert current_assignments(in_app, jo.id) == {first.id: True, second.id: False}

    form_post(client, path, {"advocate_id": str(second.id), "lead": "yes"})
    assert current_assignments(in_app, jo.id) == {first.id: False, second.id: True}

    form_post(client, path, {"advocate_id": str(first.id), "lead": "yes"})
    assert current_assignments(in_app, jo.id) == {first.id: True, second.id: False}


def test_a_supporting_advocate_sees_the_person_on_their_caseload(client, login, new_client):
    first, second = factories.advocate(), factories.advocate()
    jo = factories.person(first, name="Jo")
    login(client, factories.coordinator())
    form_post(client, f"/admin/people/{jo.id}/advocates", {"advocate_id": str(second.id), "lead": "no"})

    browser = new_client()
    login(browser, second)
    assert "Jo" in browser.get("/people").get_data(as_text=True)
    assert browser.get(f"/people/{jo.id}").status_code == 200


def test_coordinator_deactivates_and_reactivates_a_staff_account(client, login, new_client):
    advocate = factories.advocate()
    login(client, factories.coordinator())
    path = f"/admin/users/{advocate.id}/active"

    form_post(client, path, {"active": "0"}, token_from=f"/admin/users/{advocate.id}")
    assert "Deactivated" in client.get(f"/admin/users/{advocate.id}").get_data(as_text=True)
    assert sign_in(new_client(), advocate.email, factories.PASSWORD).status_code == 200

    form_post(client, path, {"active": "1"}, token_from=f"/admin/users/{advocate.id}")
    assert sign_in(new_client(), advocate.email, factories.PASSWORD).headers["Location"] == "/people"


def test_coordinator_cannot_deactivate_their_own_account(client, login, in_app):
    coordinator = factories.coordinator()
    login(client, coordinator)
    form_post(client, f"/admin/users/{coordinator.id}/active", {"active": "0"}, token_from="/admin")
    with in_app():
        assert db.session.get(User, coordinator.id).active
    assert client.get("/admin").status_code == 200


def test_coordinator_cannot_open_a_persons_record(client, login):
    jo = factories.person(factories.advocate(), name="Jo", phone_e164="+447700900123", area="Northside")
    login(client, factories.coordinator())

    for path in (f"/people/{jo.id}", f"/people/{jo.id}/edit", "/people", "/me"):
        assert client.get(path).status_code in (403, 404), path

    for path in ("/admin/people", f"/admin/people/{jo.id}/advocates"):
        page = client.get(path).get_data(as_text=True)
        assert "Jo" in page
        assert "07700 900123" not in page
        assert "Northside" not in page
