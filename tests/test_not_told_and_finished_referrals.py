"""Two safety decisions at every edge: a share the person was not told about, and a referral that is over.

Jo's advocate shares her contact details and needs with Harbour without consent, recording that she was not told
("Telling her now could alert him"); a coordinator approves; the advocate refers Jo; Dan at Harbour opens it.
Nothing of that may show on any page, copy or list Jo can see until a coordinator records that she has been told;
staff still see it all, marked as not told. Once a referral is declined, withdrawn or finished, Harbour keeps its
history and its own notes but no longer sees what was shared, unless another live referral or consent covers it.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import select

from advocate_app import db, policy
from advocate_app.accounts.models import User
from advocate_app.audit.models import AuditEvent
from advocate_app.clock import local_today
from advocate_app.consent import services as consent
from advocate_app.consent.models import Category, SharingOverride
from advocate_app.directory.models import Organisation, Service, ServiceNeedDomain
from advocate_app.people.models import Person
from advocate_app.plans import services as plans
from advocate_app.plans.models import ItemKind, PlanItem, StepOwner
from advocate_app.policy import Action
from advocate_app.referrals import services as referrals
from advocate_app.referrals.models import DeclineReason, Referral, ReferralStatus
from tests import factories
from tests.conftest import as_read, form_post

NOT_TOLD_REASON = "Telling her now could alert him"
JO_MOBILE = "+447700900123"
NEED_TEXT = "Somewhere safe to live"


@dataclass
class Jo:
    person_id: int
    login: User
    alex: User
    dan: User
    coordinator: User
    override_id: int
    referral_id: int
    goal_id: int
    step_id: int
    service_id: int


def _service(organisation: Organisation, name: str) -> Service:
    service = Service(
        organisation_id=organisation.id,
        name=name,
        response_target_days=5,
        need_domains=[ServiceNeedDomain(domain="housing")],
    )
    db.session.add(service)
    db.session.flush()
    return service


@pytest.fixture
def jo(app, in_app) -> Jo:
    """Jo (Alex's), shared with Harbour without being told, referred from a step of her plan; Dan opened it."""
    alex = factories.advocate(name="Alex Morgan")
    cora = factories.coordinator(name="Cora Coordinator")
    jo_record = factories.person(alex, name="Jo", phone_e164=JO_MOBILE)
    login = factories.individual(jo_record, username="jo")
    harbour = factories.organisation("Harbour Housing Advice")
    dan = factories.org_worker(name="Dan Hughes", organisation_id=harbour.id)
    with in_app():
        person = db.session.get(Person, jo_record.id)
        plan = plans.plan_for(person.id, by=alex)
        need = plans.add_item(plan, ItemKind.NEED, plans.ItemFields(NEED_TEXT, domain="housing", priority=1), by=alex)
        goal = plans.add_item(plan, ItemKind.GOAL, plans.ItemFields("Move before winter"), by=alex, parent=need)
        step = plans.add_item(plan, ItemKind.STEP, plans.ItemFields("Find a new place"), by=alex, parent=goal)
        override = consent.request_override(
            person,
            organisation=db.session.get(Organisation, harbour.id),
            categories=[Category.CONTACT, Category.NEEDS],
            lawful_basis="vital_interests",
            dpa_condition="para_18",
            reasons="Jo is at serious risk and needs a safe place to live quickly.",
            what_shared="Mobile and needs",
            person_told=False,
            not_told_reason=NOT_TOLD_REASON,
            by=alex,
        )
        consent.decide_override(override, approve=True, note="Agreed", by=cora)
        service = _service(db.session.get(Organisation, harbour.id), "Tenancy support")
        referral = referrals.make_referral(
            person, service, categories=[Category.CONTACT, Category.NEEDS], by=alex, today=local_today(), step=step
        )
        db.session.commit()
        ids = override.id, referral.id, goal.id, step.id, service.id
    return Jo(jo_record.id, login, alex, dan, cora, *ids)


def _page(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return as_read(response.get_data(as_text=True))  # as read: without the isolation around typed text


def _dan_opens_the_referral(new_client, login, jo: Jo) -> None:
    dan = new_client()
    login(dan, jo.dan)
    assert JO_MOBILE[-4:] in _page(dan, f"/referrals/{jo.referral_id}")


def _what_jo_can_see(client, jo: Jo) -> list[str]:
    return [
        _page(client, f"/people/{jo.person_id}/referrals"),
        _page(client, f"/people/{jo.person_id}/access"),
        _page(client, f"/people/{jo.person_id}/export"),
        _page(client, f"/people/{jo.person_id}/export.json"),
        _page(client, f"/people/{jo.person_id}/plan/goals/{jo.goal_id}"),
        _page(client, "/me"),
    ]


# "Not told" ---------------------------------------------------------------------------------------------------


def test_jo_sees_nothing_of_a_share_she_was_not_told_about_on_any_of_her_pages(client, new_client, login, jo):
    _dan_opens_the_referral(new_client, login, jo)
    login(client, jo.login)
    for page in _what_jo_can_see(client, jo):
        for secret in ("Harbour", "Dan Hughes", "Tenancy support", NOT_TOLD_REASON):
            assert secret not in page, secret
    # No gap gives it away: her referrals page reads as if there had never been one.
    assert "No referrals yet." in _page(client, f"/people/{jo.person_id}/referrals")


def test_the_step_a_not_told_referral_came_from_is_left_as_it_was(client, login, jo, in_app):
    with in_app():
        plan = plans.active_plan(jo.person_id)
        step = plans.add_item(
            plan, ItemKind.STEP, plans.ItemFields("Ask about a move"), by=jo.alex,
            parent=db.session.get(PlanItem, jo.goal_id),
        )
        db.session.commit()
        step_id = step.id
    login(client, jo.alex)
    path = f"/people/{jo.person_id}/referrals/new?service={jo.service_id}&step={step_id}"
    response = form_post(client, path, {"categories": "needs", "urgency": "routine", "note": ""})
    assert response.status_code == 302
    with in_app():
        step = db.session.get(PlanItem, step_id)
        assert step.owner is not StepOwner.ORGANISATION and "Tenancy" not in (step.owner_detail or "")
        assert db.session.scalar(select(Referral.id).where(Referral.step_id == step_id)) is not None


def test_her_advocate_still_sees_the_referral_marked_as_not_told(client, login, jo):
    login(client, jo.alex)
    page = _page(client, f"/people/{jo.person_id}/referrals")
    assert "Tenancy support" in page
    assert "Not told: shared without consent, and Jo has not been told" in page


def test_policy_keeps_the_referral_from_jo_and_shows_it_to_staff(app, jo, in_app):
    with in_app():
        assert policy.referral_ids_kept_from_person(jo.person_id) == {jo.referral_id}
        jo_login, alex = db.session.get(User, jo.login.id), db.session.get(User, jo.alex.id)
        assert referrals.of_person(jo.person_id, viewer=jo_login) == []
        assert [r.id for r in referrals.of_person(jo.person_id, viewer=alex)] == [jo.referral_id]


def test_a_coordinator_records_that_jo_has_been_told_and_from_then_on_she_sees_it(
    client, new_client, login, jo, in_app
):
    _dan_opens_the_referral(new_client, login, jo)
    coordinator = new_client()
    login(coordinator, jo.coordinator)
    assert "Shared without telling the person" in _page(coordinator, "/admin/overrides")
    page = _page(coordinator, f"/admin/overrides/{jo.override_id}")
    assert "The person has not been told" in page
    response = form_post(
        coordinator, f"/admin/overrides/{jo.override_id}/told", {}, token_from=f"/admin/overrides/{jo.override_id}"
    )
    assert response.status_code == 302
    with in_app():
        override = db.session.get(SharingOverride, jo.override_id)
        assert override.told_at is not None and override.told_by_id == jo.coordinator.id
        assert db.session.scalar(
            select(AuditEvent.id).where(
                AuditEvent.action == "override_person_told", AuditEvent.object_id == jo.override_id
            )
        )
    login(client, jo.login)
    mine = _page(client, f"/people/{jo.person_id}/referrals")
    # The referral shows now; Harbour is not named on it, as Jo never agreed to share with Harbour themselves.
    assert "No referrals yet" not in mine and "An organisation" in mine
    assert "Tenancy support" not in mine
    access = _page(client, f"/people/{jo.person_id}/access")
    assert "Dan Hughes" in access and "Harbour Housing Advice" in access
    assert "Recorded that you were told about information shared without consent" in access
    # A second time changes nothing.
    told_path = f"/admin/overrides/{jo.override_id}/told"
    form_post(coordinator, told_path, {}, token_from=f"/admin/overrides/{jo.override_id}")
    with in_app():
        told = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "override_person_told")).all()
        assert len(told) == 1


def test_only_a_coordinator_records_that_the_person_was_told(client, login, jo):
    login(client, jo.alex)
    response = form_post(client, f"/admin/overrides/{jo.override_id}/told", {}, token_from="/account")
    assert response.status_code in (403, 404)


# After a referral is over --------------------------------------------------------------------------------------


def _decline(in_app, jo: Jo, reason=DeclineReason.NO_CAPACITY) -> None:
    with in_app():
        referral = db.session.get(Referral, jo.referral_id)
        referrals.change_status(
            referral, ReferralStatus.DECLINED, by=db.session.get(User, jo.dan.id), reason=reason, note="Full until May"
        )
        db.session.commit()


def test_after_harbour_declines_dan_no_longer_sees_jos_mobile_or_needs(client, login, jo, in_app):
    _decline(in_app, jo)
    with in_app():
        dan, person = db.session.get(User, jo.dan.id), db.session.get(Person, jo.person_id)
        assert policy.shared_categories(dan, person) == frozenset()
        assert not policy.can(dan, Action.SHARED_VIEW, person)
    login(client, jo.dan)
    page = _page(client, f"/referrals/{jo.referral_id}")
    assert JO_MOBILE[-4:] not in page and NEED_TEXT not in page
    # Harbour keeps the status history and its own notes.
    assert "Declined" in page and "Full until May" in page
    assert client.get(f"/shared/{jo.person_id}").status_code == 404


@pytest.mark.parametrize("status", [ReferralStatus.WITHDRAWN, ReferralStatus.COMPLETED])
def test_a_withdrawn_or_finished_referral_stops_sharing_too(app, jo, in_app, status):
    with in_app():
        referral = db.session.get(Referral, jo.referral_id)
        dan, alex = db.session.get(User, jo.dan.id), db.session.get(User, jo.alex.id)
        if status is ReferralStatus.COMPLETED:
            referrals.change_status(referral, ReferralStatus.ACCEPTED, by=dan)
            referrals.change_status(referral, ReferralStatus.COMPLETED, by=dan)
        else:
            referrals.change_status(referral, ReferralStatus.WITHDRAWN, by=alex)
        assert policy.shared_categories(dan, db.session.get(Person, jo.person_id)) == frozenset()


def test_another_live_referral_keeps_what_it_covers_in_sight(app, jo, in_app):
    with in_app():
        person = db.session.get(Person, jo.person_id)
        second = _service(db.session.get(Organisation, jo.dan.organisation_id), "Housing advice")
        referrals.make_referral(person, second, categories=[Category.NEEDS], by=jo.alex, today=local_today())
        db.session.commit()
    _decline(in_app, jo)
    with in_app():
        dan = db.session.get(User, jo.dan.id)
        assert policy.shared_categories(dan, db.session.get(Person, jo.person_id)) == {
            Category.CONTACT,
            Category.NEEDS,
        }


def test_a_consent_given_after_the_decline_covers_what_it_says(app, jo, in_app):
    _decline(in_app, jo)
    with in_app():
        person = db.session.get(Person, jo.person_id)
        factories.sharing(person, db.session.get(Organisation, jo.dan.organisation_id), [Category.NEEDS],
                          by=jo.alex, purpose="housing help")
        dan = db.session.get(User, jo.dan.id)
        assert policy.shared_categories(dan, person) == {Category.NEEDS}


def test_a_referral_jo_agreed_to_shows_in_her_access_log_by_name(client, new_client, login, jo, in_app):
    with in_app():
        person = db.session.get(Person, jo.person_id)
        person.may_name_organisation = True  # Jo chose that organisations may be named to her
        open_door = factories.organisation("Open Door")
        factories.sharing(person, db.session.get(Organisation, open_door.id), [Category.NEEDS], by=jo.alex,
                          purpose="housing")
        service = _service(db.session.get(Organisation, open_door.id), "Open Door housing")
        referral = referrals.make_referral(person, service, categories=[Category.NEEDS], by=jo.alex,
                                           today=local_today())
        worker = factories.org_worker(name="Olu Okoye", organisation_id=open_door.id)
        referrals.change_status(referral, ReferralStatus.ACCEPTED, by=db.session.get(User, worker.id))
        db.session.commit()
    login(client, jo.login)
    access = _page(client, f"/people/{jo.person_id}/access")
    assert "Sent a referral" in access and "Accepted a referral" in access
    assert "Other activity on the record" not in access
    assert "Open Door housing" in _page(client, f"/people/{jo.person_id}/referrals")
