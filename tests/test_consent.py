"""The consent ledger: agreeing word for word, withdrawing in one action, and sharing without consent."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from advocate_app import db
from advocate_app.audit.models import AuditEvent
from advocate_app.consent import services as consent_services
from advocate_app.consent.models import Consent, GivenHow, OverrideStatus, SharingOverride
from advocate_app.db import utcnow
from tests import factories
from tests.conftest import form_post


@pytest.fixture
def jo_and_alex(app):
    alex = factories.advocate(name="Alex Morgan")
    jo = factories.person(alex, name="Jo", language="pl", phone_e164="+447700900456")
    harbour = factories.organisation("Harbour Housing Advice")
    return alex, jo, harbour


def _agree(client, person_id, organisation_id, categories, purpose_code, purpose="", given_how=None):
    """Walk through both steps of agreeing to share, as on screen; the answers travel in POST bodies only."""
    step_one = form_post(
        client,
        f"/people/{person_id}/consents/sharing",
        {"organisation_id": str(organisation_id), "categories": categories, "purpose_code": purpose_code,
         "purpose": purpose},
    )
    assert step_one.status_code == 200, step_one.get_data(as_text=True)[:300]
    page = step_one.get_data(as_text=True)
    statement = re.search(r'<blockquote class="app-statement"[^>]*>\s*<p class="govuk-body-l">(.*?)</p>', page, re.S)
    assert statement, page[:500]
    data = {name: value for name, value in re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', page)}
    data = {name: html.unescape(value) for name, value in data.items()}
    if given_how:
        data["given_how"] = given_how
    response = client.post(f"/people/{person_id}/consents/confirm", data=data)
    return response, html.unescape(statement.group(1).strip())


def test_the_exact_words_shown_are_what_is_recorded_in_the_persons_language(client, login, jo_and_alex, in_app):
    alex, jo, harbour = jo_and_alex
    login(client, alex)
    response, shown = _agree(client, jo.id, harbour.id, ["needs", "plan"], "housing", given_how="verbal")
    assert response.status_code == 302
    with in_app():
        consent = db.session.scalar(select(Consent))
        assert consent.statement_text == shown
        assert consent.statement_language == "pl"
        assert consent.statement_version == 2
        assert consent.purpose_code == "housing" and consent.purpose == ""
        assert consent.category_set == {"needs", "plan"}
        assert consent.given_how.value == "verbal" and consent.recorded_by_id == alex.id
        assert (consent.expires_at - consent.given_at).days == 365
    assert "Może je wykorzystać tylko po to, by pomóc mi znaleźć lub utrzymać bezpieczne miejsce do życia." in shown
    receipt = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Harbour Housing Advice" in receipt and "Agreement in force" in receipt


def test_what_it_is_for_never_goes_in_the_web_address(client, new_client, login, jo_and_alex, in_app):
    alex, jo, harbour = jo_and_alex
    jo_login = factories.individual(jo, username="jo")
    phone = new_client()
    login(phone, jo_login)
    step_one = form_post(
        phone, f"/people/{jo.id}/consents/sharing",
        {"organisation_id": str(harbour.id), "categories": ["contact"], "purpose_code": "other",
         "purpose": "to ring me about the flat"},
    )
    # Step 2 is the answer to the POST itself: no redirect carries the answers into the browser's history.
    assert step_one.status_code == 200 and "Location" not in step_one.headers
    assert "to ring me about the flat" in step_one.get_data(as_text=True)
    # An old-style address with the answers in it is not honoured: it goes back to step 1, answers dropped.
    old = phone.get(f"/people/{jo.id}/consents/confirm?kind=sharing&organisation_id={harbour.id}"
                    "&categories=contact&purpose=to+ring+me")
    assert old.status_code == 302 and old.headers["Location"] == f"/people/{jo.id}/consents/sharing"


def test_a_purpose_typed_in_is_shown_as_typed_and_marked_as_such(client, login, jo_and_alex, in_app):
    alex, jo, harbour = jo_and_alex
    with in_app():
        db.session.get(type(jo), jo.id).language = "en"
        db.session.commit()
    login(client, alex)
    response, shown = _agree(client, jo.id, harbour.id, ["contact"], "other", "ring me <back>", given_how="verbal")
    assert response.status_code == 302
    with in_app():
        a_year_on = _a_year_on()
    assert shown == (
        "I agree that \u2068Harbour Housing Advice\u2069 may see my mobile number and how and when it is safe to "
        "contact me. They may use it only for this purpose, shown exactly as it was typed: "
        "“\u2068ring me <back>\u2069”. "
        f"They may see it only while my agreement lasts: until \u2068{a_year_on}\u2069, or until I withdraw it. "
        "I can withdraw it myself at any time."
    )
    listing = client.get(f"/people/{jo.id}/consents").get_data(as_text=True)
    assert "“\u2068ring me &lt;back&gt;\u2069” (as typed)" in listing


def _a_year_on() -> str:
    from datetime import timedelta

    from flask_babel import format_date

    from advocate_app.db import utcnow

    return format_date(utcnow() + timedelta(days=365), "d MMMM yyyy")


def test_the_purpose_is_chosen_from_the_list_or_written(client, login, jo_and_alex, in_app):
    alex, jo, harbour = jo_and_alex
    login(client, alex)
    for data, message in (
        ({"purpose_code": ""}, "Choose what they may use it for"),
        ({"purpose_code": "bribery"}, "Choose what they may use it for"),
        ({"purpose_code": "other", "purpose": "  "}, "Say what the organisation needs it for"),
    ):
        page = form_post(client, f"/people/{jo.id}/consents/sharing",
                         {"organisation_id": str(harbour.id), "categories": ["needs"], **data}).get_data(as_text=True)
        assert message in page
    with in_app():
        assert db.session.scalar(select(func.count(Consent.id))) == 0


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
                    "Choose what they may use it for"):
        assert message in page
    with in_app():
        assert db.session.scalar(select(func.count(Consent.id))) == 0


def test_changed_wording_is_shown_again_before_anything_is_recorded(client, login, jo_and_alex, in_app):
    alex, jo, harbour = jo_and_alex
    login(client, alex)
    response = form_post(
        client, f"/people/{jo.id}/consents/confirm",
        {"kind": "sharing", "organisation_id": str(harbour.id), "categories": "needs", "purpose_code": "money",
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
    response, _shown = _agree(phone, jo.id, harbour.id, ["contact"], "other", "to ring me back")
    receipt_url = response.headers["Location"]
    consent_id = int(receipt_url.rsplit("/", 1)[1])
    listing = phone.get(f"/people/{jo.id}/consents").get_data(as_text=True)
    assert "Harbour Housing Advice" in listing and "In force" in listing

    # One "are you sure" page, with one heading, as the GOV.UK pattern has it; then done.
    withdraw_url = f"/people/{jo.id}/consents/{consent_id}/withdraw"
    assert f'href="{withdraw_url}"' in listing
    sure = phone.get(withdraw_url).get_data(as_text=True)
    assert sure.count("<h1") == 1 and "stop sharing with \u2068Harbour Housing Advice\u2069?" in sure
    withdrawn = form_post(phone, withdraw_url, {})
    assert withdrawn.headers["Location"] == receipt_url
    receipt = phone.get(receipt_url).get_data(as_text=True)
    assert "Agreement withdrawn" in receipt and receipt.count("<h1") == 1
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


def test_a_consent_is_in_force_until_withdrawn_or_expired_the_same_on_the_page_and_in_the_database(
    in_app, jo_and_alex
):
    """Jo agreed to share with Harbour, then withdrew; Jo's agreement to texts still stands, until it expires."""
    alex, jo, harbour = jo_and_alex
    with in_app():
        now = utcnow()
        sharing = factories.sharing(jo, harbour, ["needs"], by=alex)
        texts = factories.texts(jo, by=alex)
        consent_services.withdraw(sharing, how=GivenHow.VERBAL, by=alex, now=now)
        db.session.flush()
        for moment, expected in ((now, {texts.id}), (texts.expires_at + timedelta(seconds=1), set())):
            in_force_in_sql = set(db.session.scalars(select(Consent.id).where(Consent.in_force(moment))))
            in_force_in_python = {c.id for c in (sharing, texts) if c.in_force(moment)}
            assert in_force_in_sql == in_force_in_python == expected


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
