"""The consent ledger: agreeing word for word, withdrawing in one action, and sharing without consent."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from advocate_app import db
from advocate_app.audit.models import AuditEvent
from advocate_app.consent.models import Consent, OverrideStatus, SharingOverride
from tests import factories
from tests.conftest import form_post


@pytest.fixture
def jo_and_alex(app):
    alex = factories.advocate(name="Alex Morgan")
    jo = factories.person(alex, name="Jo", language="pl", phone_e164="+447700900456")
    harbour = factories.organisation("Harbour Housing Advice")
    return alex, jo, harbour


def _agree(client, person_id, organisation_id, categories, purpose, given_how=None):
    """Walk through both steps of agreeing to share, as on screen."""
    step_one = form_post(
        client,
        f"/people/{person_id}/consents/sharing",
        {"organisation_id": str(organisation_id), "categories": categories, "purpose": purpose},
    )
    assert step_one.status_code == 302, step_one.get_data(as_text=True)[:300]
    page = client.get(step_one.headers["Location"]).get_data(as_text=True)
    statement = re.search(r'<blockquote class="app-statement"[^>]*>\s*<p class="govuk-body-l">(.*?)</p>', page, re.S)
    data = {name: value for name, value in re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', page)}
    if given_how:
        data["given_how"] = given_how
    response = client.post(f"/people/{person_id}/consents/confirm", data=data)
    return response, statement.group(1).strip()


def test_the_exact_words_shown_are_what_is_recorded_in_the_persons_language(client, login, jo_and_alex, in_app):
    alex, jo, harbour = jo_and_alex
    login(client, alex)
    response, shown = _agree(client, jo.id, harbour.id, ["needs", "plan"], "help find a safe home", "verbal")
    assert response.status_code == 302
    with in_app():
        consent = db.session.scalar(select(Consent))
        assert consent.statement_text == shown.replace("&#39;", "'")
        assert consent.statement_language == "pl"
        assert consent.statement_version == 1
        assert consent.category_set == {"needs", "plan"}
        assert consent.given_how.value == "verbal" and consent.recorded_by_id == alex.id
        assert (consent.expires_at - consent.given_at).days == 365
    receipt = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Harbour Housing Advice" in receipt and "Agreement in force" in receipt


def test_nothing_is_ticked_until_someone_ticks_it(client, login, jo_and_alex):
    alex, jo, _harbour = jo_and_alex
    login(client, alex)
    page = client.get(f"/people/{jo.id}/consents/sharing").get_data(as_text=True)
    assert 'type="checkbox"' in page and "checked" not in page


def test_sharing_needs_an_organisation_a_purpose_and_something_to_share(client, login, jo_and_alex, in_app):
    alex, jo, _harbour = jo_and_alex
    login(client, alex)
    response = form_post(client, f"/people/{jo.id}/consents/sharing", {"organisation_id": "", "purpose": ""})
    page = response.get_data(as_text=True)
    for message in ("Choose an organisation", "Choose at least one kind of information",
                    "Say what the organisation needs it for"):
        assert message in page
    with in_app():
        assert db.session.scalar(select(func.count(Consent.id))) == 0


def test_changed_wording_is_shown_again_before_anything_is_recorded(client, login, jo_and_alex, in_app):
    alex, jo, harbour = jo_and_alex
    login(client, alex)
    response = form_post(
        client, f"/people/{jo.id}/consents/confirm",
        {"kind": "sharing", "organisation_id": str(harbour.id), "categories": "needs", "purpose": "help",
         "statement_digest": "not what was shown", "given_how": "verbal"},
        token_from=f"/people/{jo.id}/consents",
    )
    assert response.status_code == 200
    with in_app():
        assert db.session.scalar(select(func.count(Consent.id))) == 0


def test_the_person_withdraws_in_one_action_and_gets_a_receipt(client, new_client, login, jo_and_alex, in_app):
    alex, jo, harbour = jo_and_alex
    jo_login = factories.individual(jo, username="jo")
    phone = new_client()
    login(phone, jo_login)
    response, _shown = _agree(phone, jo.id, harbour.id, ["contact"], "to ring me back")
    receipt_url = response.headers["Location"]
    consent_id = int(receipt_url.rsplit("/", 1)[1])
    listing = phone.get(f"/people/{jo.id}/consents").get_data(as_text=True)
    assert "Harbour Housing Advice" in listing and "In force" in listing

    withdrawn = form_post(phone, f"/people/{jo.id}/consents/{consent_id}/withdraw", {},
                          token_from=f"/people/{jo.id}/consents")
    assert withdrawn.headers["Location"] == receipt_url
    assert "Agreement withdrawn" in phone.get(receipt_url).get_data(as_text=True)
    with in_app():
        consent = db.session.get(Consent, consent_id)
        assert consent.withdrawn_at is not None and consent.withdrawn_by_id == jo_login.id
        actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "consent")).all()
    assert actions == ["consent_given", "consent_withdrawn"]


def test_a_consent_once_given_cannot_be_rewritten_or_deleted(in_app, jo_and_alex):
    alex, jo, harbour = jo_and_alex
    with in_app():
        consent = factories.sharing(jo, harbour, ["needs"], by=alex)
        db.session.commit()
        consent.purpose = "something else"
        with pytest.raises(PermissionError):
            db.session.flush()
        db.session.rollback()
        with pytest.raises(PermissionError):
            db.session.delete(db.session.get(Consent, consent.id))
            db.session.flush()


@pytest.mark.parametrize(
    "missing, message",
    [
        ({"reasons": ""}, "Write the reasons in full"),
        ({"dpa_condition": ""}, "Choose the Data Protection Act condition"),
        ({"lawful_basis": ""}, "Choose the lawful basis"),
        ({"person_told": "no", "not_told_reason": ""}, "Say why the person has not been told"),
    ],
)
def test_sharing_without_consent_needs_reasons_and_a_condition(client, login, jo_and_alex, in_app, missing, message):
    alex, jo, harbour = jo_and_alex
    login(client, alex)
    data = {
        "organisation_id": str(harbour.id), "categories": ["contact"], "lawful_basis": "vital_interests",
        "dpa_condition": "para_18", "reasons": "Jo told me tonight that the threat is immediate.",
        "person_told": "yes", "not_told_reason": "",
    }
    response = form_post(client, f"/people/{jo.id}/overrides/new", {**data, **missing})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and message in page and "govuk-error-summary" in page
    with in_app():
        assert db.session.scalar(select(func.count(SharingOverride.id))) == 0


def test_an_override_waits_for_a_coordinator_who_did_not_ask_for_it(client, new_client, login, jo_and_alex, in_app):
    alex, jo, harbour = jo_and_alex
    worker = factories.org_worker(organisation_id=harbour.id)
    login(client, alex)
    response = form_post(client, f"/people/{jo.id}/overrides/new", {
        "organisation_id": str(harbour.id), "categories": ["contact"], "lawful_basis": "vital_interests",
        "dpa_condition": "para_18", "reasons": "Jo told me tonight that the threat is immediate.",
        "person_told": "no", "not_told_reason": "Telling Jo now could raise the risk from the other person.",
    })
    assert response.status_code == 302
    worker_phone = new_client()
    login(worker_phone, worker)
    assert worker_phone.get(f"/shared/{jo.id}").status_code == 404

    coordinator = new_client()
    login(coordinator, factories.coordinator())
    with in_app():
        override_id = db.session.scalar(select(SharingOverride.id))
    assert "Harbour Housing Advice" in coordinator.get("/admin/overrides").get_data(as_text=True)
    decided = form_post(coordinator, f"/admin/overrides/{override_id}", {"decision": "approve", "note": "Agreed."})
    assert decided.status_code == 302
    assert worker_phone.get(f"/shared/{jo.id}").status_code == 200
    with in_app():
        override = db.session.get(SharingOverride, override_id)
        assert override.status is OverrideStatus.APPROVED
        events = db.session.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "sharing_override")).all()
    assert events == ["override_requested", "override_approved"]
