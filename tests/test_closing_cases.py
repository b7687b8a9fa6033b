"""Closing a case: the person's login stops at once, and the case can be reopened before anonymisation."""

from __future__ import annotations

from tests import factories
from tests.conftest import form_post, sign_in


def test_closing_a_case_ends_the_persons_login_at_once(client, new_client, login):
    alex = factories.advocate()
    sam = factories.person(alex, name="Sam")
    sam_login = factories.individual(sam, username="sam")
    phone = new_client()
    login(phone, sam_login)
    login(client, alex)

    response = form_post(client, f"/people/{sam.id}/close", {}, token_from=f"/people/{sam.id}")
    assert response.status_code == 302
    assert "This case was closed on" in client.get(f"/people/{sam.id}").get_data(as_text=True)
    assert phone.get("/me").status_code == 302
    assert sign_in(new_client(), "sam", factories.PASSWORD).status_code == 200

    form_post(client, f"/people/{sam.id}/reopen", {}, token_from=f"/people/{sam.id}")
    assert sign_in(new_client(), "sam", factories.PASSWORD).status_code == 302


def test_only_an_advocate_on_the_case_can_close_it(client, login):
    alex = factories.advocate()
    sam = factories.person(alex)
    other = factories.advocate()
    login(client, other)
    assert form_post(client, f"/people/{sam.id}/close", {}, token_from="/people").status_code == 404
