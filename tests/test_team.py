"""The team around Sam: who leads each need, one organisation at a time, and whether work was done with Sam or
about Sam."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from advocate_app import db
from advocate_app.audit.models import AuditEvent
from advocate_app.consent.models import Category
from advocate_app.db import utcnow
from advocate_app.directory.models import Service, ServiceNeedDomain
from advocate_app.evidence import queries
from advocate_app.evidence.period import Period
from advocate_app.people.models import Person, PersonStatus
from advocate_app.plans import services as plans
from advocate_app.plans.models import ItemKind, PlanItem, StepOwner
from advocate_app.records.subject_access import subject_access_data
from advocate_app.referrals.models import Referral, ReferralStatus
from advocate_app.team import contact, evidence
from advocate_app.team.models import (
    ActionKind,
    ContactMode,
    ContactRecord,
    LeadKind,
    LeadReason,
    NeedLead,
    NeedOrder,
    OverlapChoice,
    OverlapDecision,
)
from tests import factories
from tests.conftest import as_read, count_queries, form_post


def _service(organisation, name, domain="housing"):
    service = Service(
        organisation_id=organisation.id,
        name=name,
        response_target_days=3,
        need_domains=[ServiceNeedDomain(domain=domain)],
    )
    db.session.add(service)
    db.session.flush()
    return service


@pytest.fixture
def team(app, in_app):
    """Alex (of Northshire Advocacy) works with Sam, who has a login; Sam agreed to share their needs and plan with
    Harbour and with Open Door, both of which help with housing. Sam's plan has a housing need and a money need,
    each with a goal and a step."""
    advocacy = factories.organisation("Northshire Advocacy")
    alex = factories.advocate(name="Alex Morgan", organisation_id=advocacy.id)
    sam = factories.person(alex, name="Sam")
    sam_login = factories.individual(sam, username="sam")
    harbour = factories.organisation("Harbour Housing Advice")
    open_door = factories.organisation("Open Door")
    worker = factories.org_worker(organisation_id=harbour.id, name="Dan Hughes")
    door_worker = factories.org_worker(organisation_id=open_door.id, name="Pat Lee")
    with in_app():
        factories.sharing(sam, harbour, [Category.NEEDS, Category.PLAN], by=alex)
        factories.sharing(sam, open_door, [Category.NEEDS, Category.PLAN], by=alex)
        housing_advice = _service(harbour, "Housing advice")
        tenancy = _service(open_door, "Tenancy rescue")
        plan = plans.start_plan(sam.id, by=alex)
        ids = {}
        for domain, text in (("housing", "Somewhere safe to live"), ("money", "Pay off the arrears")):
            need = plans.add_item(plan, ItemKind.NEED, plans.ItemFields(text, domain=domain, priority=1), by=alex)
            goal = plans.add_item(plan, ItemKind.GOAL, plans.ItemFields("Sort it out"), by=alex, parent=need)
            step = plans.add_item(
                plan, ItemKind.STEP, plans.ItemFields("Ask for advice", owner=StepOwner.ADVOCATE), by=alex, parent=goal
            )
            ids[domain] = need.id
            ids[f"{domain}_goal"] = goal.id
            ids[f"{domain}_step"] = step.id
        ids.update(housing_advice=housing_advice.id, tenancy=tenancy.id)
        db.session.commit()
    return {
        "alex": alex,
        "sam": sam,
        "sam_login": sam_login,
        "harbour": harbour,
        "open_door": open_door,
        "worker": worker,
        "door_worker": door_worker,
        **ids,
    }


def _refer(client, t, service_key="housing_advice", step_key="housing_step", **extra):
    path = f"/people/{t['sam'].id}/referrals/new?service={t[service_key]}&step={t[step_key]}"
    return form_post(client, path, {"categories": "needs", "urgency": "routine", "note": "", **extra})


def _referral_to(in_app, service_id) -> int:
    with in_app():
        return db.session.scalar(
            select(Referral.id).where(Referral.service_id == service_id).order_by(Referral.id.desc())
        )


def _leads(in_app, need_id):
    with in_app():
        return [
            (lead.kind, lead.organisation_id, lead.reason, lead.ended_at is None)
            for lead in db.session.scalars(select(NeedLead).where(NeedLead.need_id == need_id).order_by(NeedLead.id))
        ]


def _harbour_accepts(new_client, login, t, in_app):
    """Alex refers Sam's housing step to Harbour and Harbour's worker accepts it; returns the referral's id."""
    alex = new_client()
    login(alex, t["alex"])
    assert _refer(alex, t).status_code == 302
    referral_id = _referral_to(in_app, t["housing_advice"])
    worker = new_client()
    login(worker, t["worker"])
    assert (
        form_post(worker, f"/referrals/{referral_id}/accept", {}, token_from=f"/referrals/{referral_id}").status_code
        == 302
    )
    return referral_id


# Who leads --------------------------------------------------------------------------------------------------------


def test_harbour_leads_housing_once_it_accepts_and_the_lead_goes_back_to_the_advocate_when_it_finishes(
    new_client, login, team, in_app
):
    referral_id = _harbour_accepts(new_client, login, team, in_app)
    assert _leads(in_app, team["housing"]) == [
        (LeadKind.ORGANISATION, team["harbour"].id, LeadReason.REFERRAL_ACCEPTED, True)
    ]
    assert _leads(in_app, team["money"]) == []

    worker = new_client()
    login(worker, team["worker"])
    response = form_post(
        worker, f"/referrals/{referral_id}/status", {"status": "completed", "note": "Moved in", "contact_mode": "phone"}
    )
    assert response.status_code == 302
    with in_app():
        record = db.session.scalar(select(ContactRecord))
        # Harbour's own update, counted for Harbour.
        assert (record.action, record.with_person, record.organisation_id) == (
            ActionKind.REFERRAL,
            True,
            team["harbour"].id,
        )
    assert _leads(in_app, team["housing"]) == [
        (LeadKind.ORGANISATION, team["harbour"].id, LeadReason.REFERRAL_ACCEPTED, False),
        (LeadKind.ADVOCATE, None, LeadReason.REFERRAL_FINISHED, True),
    ]
    with in_app():
        changes = db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "lead_changed"))
    assert changes == 2


def test_a_declined_referral_never_leads_and_a_withdrawn_one_hands_the_lead_back(new_client, login, team, in_app):
    alex = new_client()
    login(alex, team["alex"])
    _refer(alex, team)
    referral_id = _referral_to(in_app, team["housing_advice"])
    worker = new_client()
    login(worker, team["worker"])
    form_post(worker, f"/referrals/{referral_id}/decline", {"reason": "no_capacity"})
    assert _leads(in_app, team["housing"]) == []

    other = _harbour_accepts(new_client, login, team, in_app)
    form_post(
        alex,
        f"/people/{team['sam'].id}/referrals/{other}/withdraw",
        {},
        token_from=f"/people/{team['sam'].id}/referrals",
    )
    assert [row[2] for row in _leads(in_app, team["housing"])] == [
        LeadReason.REFERRAL_ACCEPTED,
        LeadReason.REFERRAL_WITHDRAWN,
    ]
    assert _leads(in_app, team["housing"])[-1][0] is LeadKind.ADVOCATE


def test_sam_takes_the_lead_of_money_but_cannot_take_housing_from_harbour(new_client, login, team, in_app):
    _harbour_accepts(new_client, login, team, in_app)
    sam = new_client()
    login(sam, team["sam_login"])
    sam_id = team["sam"].id
    form_post(sam, f"/people/{sam_id}/plan/needs/{team['money']}/lead", {"lead": "person"}, token_from="/me")
    assert _leads(in_app, team["money"]) == [(LeadKind.PERSON, None, LeadReason.CHOSEN, True)]
    response = form_post(
        sam, f"/people/{sam_id}/plan/needs/{team['housing']}/lead", {"lead": "person"}, token_from="/me"
    )
    assert response.status_code == 302
    assert _leads(in_app, team["housing"])[-1][:2] == (LeadKind.ORGANISATION, team["harbour"].id)
    page = as_read(sam.get("/me", follow_redirects=True).get_data(as_text=True))
    assert "You lead this yourself." in page
    # Every change of lead is in the record's history, in plain words.
    assert "Recorded who leads a need" in as_read(sam.get(f"/people/{sam_id}/access").get_data(as_text=True))


# What Sam and Alex read -------------------------------------------------------------------------------------------


def test_sams_phone_names_harbour_only_once_sam_chose_that_organisations_may_be_named(new_client, login, team, in_app):
    _harbour_accepts(new_client, login, team, in_app)
    sam = new_client()
    login(sam, team["sam_login"])
    page = as_read(sam.get("/me", follow_redirects=True).get_data(as_text=True))
    assert "Who is helping" in page
    assert "An organisation leads this, since" in page
    assert "Harbour" not in page

    with in_app():
        db.session.get(Person, team["sam"].id).may_name_organisation = True
        db.session.commit()
    page = as_read(sam.get("/me", follow_redirects=True).get_data(as_text=True))
    assert "Harbour Housing Advice leads this, since" in page
    assert "Harbour Housing Advice is working with you, since" in page

    alex = new_client()
    login(alex, team["alex"])
    for path in (f"/people/{team['sam'].id}", f"/people/{team['sam'].id}/plan"):
        staff_page = as_read(alex.get(path).get_data(as_text=True))
        assert "Harbour Housing Advice leads this, since" in staff_page
        assert "Harbour Housing Advice is working with Sam, since" in staff_page


def test_every_page_sam_reads_about_referrals_names_harbour_only_as_who_is_helping_does(
    new_client, login, team, in_app
):
    """My referrals, the goal the step sits under and the question about the help follow the same rule as
    "Who is helping": no organisation or service name until Sam chose that organisations may be named."""
    referral_id = _harbour_accepts(new_client, login, team, in_app)
    sam = new_client()
    login(sam, team["sam_login"])
    sam_id = team["sam"].id
    pages = (
        f"/people/{sam_id}/referrals",
        f"/people/{sam_id}/plan/goals/{team['housing_goal']}",
        f"/people/{sam_id}/referrals/{referral_id}/verdict",
    )
    for path in pages:
        page = as_read(sam.get(path).get_data(as_text=True))
        assert "Harbour" not in page, path
    # (The goal page also holds the plan's own words for the step, which Alex wrote naming the service.)
    for path in pages[0::2]:
        assert "Housing advice" not in as_read(sam.get(path).get_data(as_text=True)), path
    for path in pages[:2]:
        page = as_read(sam.get(path).get_data(as_text=True))
        assert "An organisation has accepted — they will contact you." in page, path

    with in_app():
        db.session.get(Person, sam_id).may_name_organisation = True
        db.session.commit()
    page = as_read(sam.get(f"/people/{sam_id}/referrals").get_data(as_text=True))
    assert "Housing advice (Harbour Housing Advice) has accepted — they will contact you." in page
    page = as_read(sam.get(f"/people/{sam_id}/plan/goals/{team['housing_goal']}").get_data(as_text=True))
    assert "Housing advice (Harbour Housing Advice) has accepted" in page

    alex = new_client()
    login(alex, team["alex"])
    with in_app():
        db.session.get(Person, sam_id).may_name_organisation = False
        db.session.commit()
    staff_page = as_read(alex.get(f"/people/{sam_id}/referrals").get_data(as_text=True))
    assert "Housing advice (Harbour Housing Advice) has accepted" in staff_page


def test_sam_and_alex_put_the_needs_in_order_and_a_repeated_place_is_refused(new_client, login, team, in_app):
    alex = new_client()
    login(alex, team["alex"])
    path = f"/people/{team['sam'].id}/plan/order"
    response = form_post(alex, path, {f"place-{team['housing']}": "1", f"place-{team['money']}": "1"})
    assert response.status_code == 200
    assert "Give each need a different place" in response.get_data(as_text=True)
    with in_app():
        assert db.session.scalar(select(func.count()).select_from(NeedOrder)) == 0

    response = form_post(alex, path, {f"place-{team['housing']}": "2", f"place-{team['money']}": "1"})
    assert response.status_code == 302
    page = as_read(alex.get(f"/people/{team['sam'].id}/plan").get_data(as_text=True))
    helping = page[page.index("Who is helping") :]
    assert helping.index("1. Money") < helping.index("2. Housing")
    assert page.index("Pay off the arrears") < page.index("Somewhere safe to live")


# One organisation at a time --------------------------------------------------------------------------------------


def test_alex_is_warned_before_a_second_housing_referral_and_waiting_sends_nothing_but_adds_a_reminding_step(
    new_client, login, team, in_app
):
    _harbour_accepts(new_client, login, team, in_app)
    alex = new_client()
    login(alex, team["alex"])
    path = f"/people/{team['sam'].id}/referrals/new?service={team['tenancy']}&step={team['housing_step']}"
    form = as_read(alex.get(path).get_data(as_text=True))
    today = utcnow().astimezone().date()
    assert f"Harbour Housing Advice has been working on housing with Sam since {today.day} " in form
    assert "Wait: refer when Harbour Housing Advice finishes" in form

    wait = f"/people/{team['sam'].id}/referrals/wait?service={team['tenancy']}&step={team['housing_step']}"
    response = form_post(alex, wait, {}, token_from=path)
    assert response.status_code == 302
    with in_app():
        assert db.session.scalar(select(func.count(Referral.id)).where(Referral.service_id == team["tenancy"])) == 0
        decision = db.session.scalar(select(OverlapDecision))
        assert decision.choice is OverlapChoice.WAIT and decision.released_at is None
        step = db.session.get(PlanItem, decision.step_id)
        assert step.text == "Refer to Tenancy rescue when Harbour Housing Advice finishes"
        assert step.owner is StepOwner.ADVOCATE and step.due_date == today + timedelta(days=28)
    assert "1 referral you were waiting to make" not in as_read(alex.get("/people").get_data(as_text=True))

    referral_id = _referral_to(in_app, team["housing_advice"])
    worker = new_client()
    login(worker, team["worker"])
    form_post(worker, f"/referrals/{referral_id}/status", {"status": "completed", "note": ""})
    with in_app():
        assert db.session.scalar(select(OverlapDecision)).released_at is not None
    caseload = as_read(alex.get("/people").get_data(as_text=True))
    assert "1 referral you were waiting to make can be made now" in caseload
    assert "Harbour Housing Advice has finished: Tenancy rescue can be asked now." in as_read(
        alex.get(f"/people/{team['sam'].id}/plan").get_data(as_text=True)
    )


def test_replacing_harbour_withdraws_its_referral_and_sends_the_new_one(new_client, login, team, in_app):
    leading = _harbour_accepts(new_client, login, team, in_app)
    alex = new_client()
    login(alex, team["alex"])
    response = _refer(alex, team, "tenancy", **{"overlap-choice": "replace", "overlap-reason": ""})
    assert response.status_code == 302
    with in_app():
        assert db.session.get(Referral, leading).status is ReferralStatus.WITHDRAWN
        sent = db.session.scalar(select(Referral).where(Referral.service_id == team["tenancy"]))
        assert sent.status is ReferralStatus.SENT
        decision = db.session.scalar(select(OverlapDecision))
        assert (decision.choice, decision.referral_id) == (OverlapChoice.REPLACE, sent.id)
    assert _leads(in_app, team["housing"])[-1][:2] == (LeadKind.ADVOCATE, None)


def test_sending_anyway_needs_a_reason_and_nothing_is_sent_without_one(new_client, login, team, in_app):
    _harbour_accepts(new_client, login, team, in_app)
    alex = new_client()
    login(alex, team["alex"])
    response = _refer(alex, team, "tenancy", **{"overlap-choice": "send_anyway", "overlap-reason": "  "})
    assert response.status_code == 200
    assert "Say why both should work on this need at once" in response.get_data(as_text=True)
    response = _refer(alex, team, "tenancy")
    assert "Choose whether to replace them or send anyway" in response.get_data(as_text=True)
    with in_app():
        assert db.session.scalar(select(func.count(Referral.id)).where(Referral.service_id == team["tenancy"])) == 0
        assert db.session.scalar(select(func.count(OverlapDecision.id))) == 0

    reason = "Harbour asked for Open Door's tenancy help alongside theirs."
    response = _refer(alex, team, "tenancy", **{"overlap-choice": "send_anyway", "overlap-reason": reason})
    assert response.status_code == 302
    with in_app():
        decision = db.session.scalar(select(OverlapDecision))
        assert (decision.choice, decision.reason) == (OverlapChoice.SEND_ANYWAY, reason)
        assert db.session.scalar(select(func.count(Referral.id)).where(Referral.status == ReferralStatus.SENT)) == 1
    assert _leads(in_app, team["housing"])[-1][:2] == (LeadKind.ORGANISATION, team["harbour"].id)


def test_a_referral_from_the_directory_with_no_step_is_checked_against_sams_need_in_the_services_domain(
    new_client, login, team, in_app
):
    """Alex goes to Open Door's tenancy service from the directory, not from a step: housing, which Harbour leads,
    is the need of Sam's plan in that service's domain, so Alex is warned and a wait reminds them on that need."""
    _harbour_accepts(new_client, login, team, in_app)
    alex = new_client()
    login(alex, team["alex"])
    path = f"/people/{team['sam'].id}/referrals/new?service={team['tenancy']}"
    form = as_read(alex.get(path).get_data(as_text=True))
    assert "Harbour Housing Advice has been working on housing with Sam since" in form
    refused = form_post(alex, path, {"categories": "needs", "urgency": "routine", "note": ""})
    assert refused.status_code == 200
    assert "Choose whether to replace them or send anyway" in refused.get_data(as_text=True)

    wait = f"/people/{team['sam'].id}/referrals/wait?service={team['tenancy']}"
    assert form_post(alex, wait, {}, token_from=path).status_code == 302
    with in_app():
        assert db.session.scalar(select(func.count(Referral.id)).where(Referral.service_id == team["tenancy"])) == 0
        decision = db.session.scalar(select(OverlapDecision))
        assert (decision.choice, decision.need_id) == (OverlapChoice.WAIT, team["housing"])
        goal = db.session.get(PlanItem, db.session.get(PlanItem, decision.step_id).parent_id)
        assert goal.parent_id == team["housing"]

    # A service for money only puts nobody second on a need: no warning.
    with in_app():
        debt = _service(team["open_door"], "Debt advice", domain="money")
        db.session.commit()
        debt_id = debt.id
    page = alex.get(f"/people/{team['sam'].id}/referrals/new?service={debt_id}").get_data(as_text=True)
    assert "One organisation at a time" not in page


def test_no_warning_for_a_need_nobody_else_leads(client, login, team):
    login(client, team["alex"])
    path = f"/people/{team['sam'].id}/referrals/new?service={team['tenancy']}&step={team['money_step']}"
    assert "One organisation at a time" not in client.get(path).get_data(as_text=True)


# With Sam, or about Sam ------------------------------------------------------------------------------------------


def test_alex_records_a_step_done_on_the_phone_and_the_next_form_starts_there(client, login, team, in_app):
    login(client, team["alex"])
    goal_page = f"/people/{team['sam'].id}/plan/goals/{team['housing_goal']}"
    assert 'value="face_to_face" selected' in client.get(goal_page).get_data(as_text=True)
    response = form_post(
        client,
        f"/people/{team['sam'].id}/plan/items/{team['housing_step']}/done",
        {"done": "1", "contact_mode": "phone"},
        token_from=goal_page,
    )
    assert response.status_code == 302
    with in_app():
        record = db.session.scalar(select(ContactRecord))
        assert (record.action, record.mode, record.with_person, record.object_id) == (
            ActionKind.STEP,
            ContactMode.PHONE,
            True,
            team["housing_step"],
        )
        assert record.organisation_id == team["alex"].organisation_id
    money_goal = f"/people/{team['sam'].id}/plan/goals/{team['money_goal']}"
    assert 'value="phone" selected' in client.get(money_goal).get_data(as_text=True)


def test_a_note_about_sam_from_a_meeting_counts_as_about_them_and_a_made_up_way_is_refused(client, login, team, in_app):
    login(client, team["alex"])
    item = f"/people/{team['sam'].id}/plan/items/{team['housing']}"
    response = form_post(
        client, f"{item}/comments", {"body": "Talked it through", "contact_mode": "by_pigeon"}, token_from=item
    )
    assert response.status_code == 200
    assert "Choose how it was done" in response.get_data(as_text=True)
    with in_app():
        assert db.session.scalar(select(func.count(ContactRecord.id))) == 0
    response = form_post(
        client, f"{item}/comments", {"body": "Panel discussed housing", "contact_mode": "meeting"}, token_from=item
    )
    assert response.status_code == 302
    with in_app():
        record = db.session.scalar(select(ContactRecord))
        assert (record.action, record.with_person) == (ActionKind.NOTE, False)


def test_sams_own_ticks_are_not_counted_as_staff_actions(client, login, team, in_app):
    login(client, team["sam_login"])
    goal = f"/people/{team['sam'].id}/plan/goals/{team['housing_goal']}"
    assert "How was this done?" not in client.get(goal).get_data(as_text=True)
    form_post(
        client, f"/people/{team['sam'].id}/plan/items/{team['housing_step']}/done", {"done": "1"}, token_from=goal
    )
    with in_app():
        assert db.session.get(PlanItem, team["housing_step"]).is_done
        assert db.session.scalar(select(func.count(ContactRecord.id))) == 0


def test_the_caseload_lists_people_with_no_direct_contact_for_the_weeks_chosen(client, login, team, in_app):
    alex = team["alex"]
    jo = factories.person(alex, name="Jo")
    kim = factories.person(alex, name="Kim")
    now = utcnow()
    with in_app():
        contact.record_action(
            team["sam"].id, ActionKind.NOTE, None, ContactMode.FACE_TO_FACE, by=alex, now=now - timedelta(days=2)
        )
        contact.record_action(kim.id, ActionKind.NOTE, None, ContactMode.PHONE, by=alex, now=now - timedelta(weeks=6))
        # Paperwork about Jo is not contact with Jo.
        contact.record_action(jo.id, ActionKind.NOTE, None, ContactMode.PAPERWORK, by=alex, now=now)
        db.session.commit()
    login(client, alex)
    caseload = as_read(client.get("/people").get_data(as_text=True))
    assert "2 people with no direct contact for 4 weeks or more" in caseload
    four = as_read(client.get("/people/no-contact").get_data(as_text=True))
    assert "Jo" in four and "Kim" in four and ">Sam<" not in four
    assert four.index("Jo") < four.index("Kim")  # never first
    eight = as_read(client.get("/people/no-contact?weeks=8").get_data(as_text=True))
    assert "Jo" in eight and "Kim" not in eight


# Evidence --------------------------------------------------------------------------------------------------------


def test_evidence_counts_overlaps_and_the_share_done_with_the_person_as_worked_out_by_hand(app, team, in_app):
    """Seeded: Alex (Northshire Advocacy) 6 actions with Sam and 9 about Sam in March; Dan (Harbour) 5 with Sam in
    March and 5 about Sam in April; overlaps: 6 waits, 0 replaced, 2 sent anyway.

    By hand: Northshire 6 / 15 = 40 %; Harbour 5 / 10 = 50 %; March 11 / 20 = 55 %; April 0 / 5 = 0 %; all 11 / 25
    = 44 %. Overlaps: sent anyway 2 is withheld (from 1 to 4); all = avoided + sent anyway, so avoided (6) is
    withheld beside it, and avoided = waited + replaced (0), so waited (6) goes too; all (8) and replaced (0) stand."""
    march = datetime(2026, 3, 10, 12, tzinfo=UTC)
    april = datetime(2026, 4, 10, 12, tzinfo=UTC)
    with in_app():
        sam = db.session.get(Person, team["sam"].id)
        for n in range(15):
            mode = ContactMode.FACE_TO_FACE if n < 6 else ContactMode.MEETING
            contact.record_action(sam.id, ActionKind.NOTE, None, mode, by=team["alex"], now=march)
        for n in range(10):
            mode = ContactMode.PHONE if n < 5 else ContactMode.PAPERWORK
            contact.record_action(sam.id, ActionKind.TASK, None, mode, by=team["worker"], now=march if n < 5 else april)
        for choice in [OverlapChoice.WAIT] * 6 + [OverlapChoice.SEND_ANYWAY] * 2:
            db.session.add(
                OverlapDecision(
                    person_id=sam.id,
                    need_id=team["housing"],
                    leading_organisation_id=team["harbour"].id,
                    service_id=team["tenancy"],
                    organisation_id=team["open_door"].id,
                    choice=choice,
                    decided_at=march,
                )
            )
        db.session.flush()
        scope = queries.Scope(
            people=None,
            period=Period(datetime(2026, 3, 1).date(), datetime(2026, 4, 1).date()),
            today=datetime(2026, 5, 1).date(),
        )
        board = evidence.board(scope)
        assert board.share(("contact",)) == 44
        assert board.share(("contact-organisation", "Northshire Advocacy")) == 40
        assert board.share(("contact-organisation", "Harbour Housing Advice")) == 50
        assert board.share(("contact-month", "2026-03")) == 55
        assert board.share(("contact-month", "2026-04")) == 0
        assert board.figures.overlaps == {OverlapChoice.WAIT: 6, OverlapChoice.REPLACE: 0, OverlapChoice.SEND_ANYWAY: 2}
        assert [board.count("overlaps", c) for c in ("all", "replace", "avoided", "wait", "send_anyway")] == [
            8,
            0,
            None,
            None,
            None,
        ]
        files = evidence.export_files(scope)
        assert {r["choice"]: r["referrals"] for r in files["overlaps.csv"]} == {
            "wait": "suppressed",
            "replace": 0,
            "send_anyway": "suppressed",
        }
        april_row = next(r for r in files["direct_contact.csv"] if r["month"] == "2026-04")
        assert april_row == {
            "breakdown": "month",
            "organisation": "",
            "month": "2026-04",
            "with_person": 0,
            "about_person": 5,
            "with_person_percent": 0,
        }
        db.session.rollback()


def test_the_dashboard_shows_the_direct_contact_share(client, login, app, team, in_app):
    coordinator = factories.coordinator()
    with in_app():
        for n in range(10):
            mode = ContactMode.TEXT if n < 3 else ContactMode.PROFESSIONALS
            contact.record_action(team["sam"].id, ActionKind.STEP, None, mode, by=team["alex"])
        db.session.commit()
    login(client, coordinator)
    page = as_read(client.get("/evidence").get_data(as_text=True))
    # 3 of 10 is withheld (a count from 1 to 4), so the share is too; the 10 actions stand.
    assert "Done with the person: withheld of 10 actions" in re.sub(r"<[^>]+>", "", page)
    assert "One organisation at a time" in page


# The record -------------------------------------------------------------------------------------------------------


def test_sams_copy_of_their_record_holds_the_leads_and_how_each_action_was_done(new_client, login, team, in_app):
    _harbour_accepts(new_client, login, team, in_app)
    with in_app():
        contact.record_action(team["sam"].id, ActionKind.NOTE, None, ContactMode.APP_TOGETHER, by=team["alex"])
        db.session.commit()
        data = subject_access_data(team["sam"].id)["team_around_you"]
    assert [(lead["need"], lead["lead"], lead["organisation"]) for lead in data["need_leads"]] == [
        ("housing", "organisation", "Harbour Housing Advice")
    ]
    assert [(c["how"], c["with_you"]) for c in data["actions_with_or_about_you"]] == [("app_together", True)]


# Cost --------------------------------------------------------------------------------------------------------------


def test_the_plan_costs_the_same_queries_with_one_need_led_or_many(app, client, login, team, in_app):
    _harbour_accepts(lambda: app.test_client(), login, team, in_app)
    login(client, team["alex"])
    path = f"/people/{team['sam'].id}/plan"
    count_queries(app, client, path)  # the first look marks the plan seen
    before = count_queries(app, client, path)
    with in_app():
        plan = plans.active_plan(team["sam"].id)
        for n in range(8):
            need = plans.add_item(
                plan, ItemKind.NEED, plans.ItemFields(f"Need {n}", domain="mental_wellbeing"), by=team["alex"]
            )
            goal = plans.add_item(plan, ItemKind.GOAL, plans.ItemFields("Goal"), by=team["alex"], parent=need)
            plans.add_item(plan, ItemKind.STEP, plans.ItemFields("Step"), by=team["alex"], parent=goal)
        db.session.commit()
    count_queries(app, client, path)  # the first look after a change marks it seen
    assert count_queries(app, client, path) == before


def test_the_demo_shows_harbour_leading_an_overlap_avoided_and_the_direct_contact_share(app_factory):
    demo = app_factory()
    assert demo.test_cli_runner().invoke(args=["demo", "seed"]).exit_code == 0
    with demo.app_context():
        sam = db.session.scalar(select(Person).where(Person.preferred_name == "Sam Okafor"))
        leads = db.session.execute(
            select(PlanItem.domain, NeedLead.kind)
            .join(PlanItem, PlanItem.id == NeedLead.need_id)
            .where(NeedLead.ended_at.is_(None))
        ).all()
        assert sorted(leads) == [("housing", LeadKind.ORGANISATION), ("money", LeadKind.ORGANISATION)]
        assert db.session.scalar(select(OverlapDecision.choice)) is OverlapChoice.WAIT
        board = evidence.board(
            queries.Scope(
                people=None,
                period=Period(datetime(2000, 1, 1).date(), datetime(2100, 1, 1).date()),
                today=datetime(2100, 1, 1).date(),
            )
        )
        # Alex (Northshire Advocacy): 6 of 20 actions with Sam; Dan (Harbour): 5 of 15; in all 11 of 35, 31 %.
        assert board.figures.by_organisation == {"Harbour Housing Advice": (5, 10), "Northshire Advocacy": (6, 14)}
        assert board.figures.total == (11, 24) and board.share(("contact",)) == 31
        assert sam.may_name_organisation


def test_an_organisation_sam_was_not_told_about_never_shows_as_leading_on_sams_phone(new_client, login, team, in_app):
    """A safeguarding share Sam was not told about: staff see the organisation lead, Sam sees their advocate."""
    from advocate_app.consent import services as consents
    from advocate_app.referrals import services as referrals

    safe_house = factories.organisation("Safe House Project")
    safe_worker = factories.org_worker(organisation_id=safe_house.id)
    coordinator = factories.coordinator()
    with in_app():
        sam = db.session.get(Person, team["sam"].id)
        sam.may_name_organisation = True
        override = consents.request_override(
            sam,
            organisation=safe_house,
            categories=[Category.NEEDS],
            lawful_basis="vital_interests",
            dpa_condition="para_18",
            reasons="A risk to life was disclosed at the visit.",
            what_shared="needs",
            person_told=False,
            not_told_reason="Telling Sam now would put them at risk.",
            by=team["alex"],
        )
        consents.decide_override(override, approve=True, note="Agreed", by=coordinator)
        service = _service(safe_house, "Emergency rooms")
        referral = referrals.make_referral(
            sam,
            service,
            categories=[Category.NEEDS],
            by=team["alex"],
            today=utcnow().date(),
            step=plans.load_item(team["housing_step"]),
        )
        referrals.change_status(referral, ReferralStatus.ACCEPTED, by=safe_worker)
        db.session.commit()
    sam_phone = new_client()
    login(sam_phone, team["sam_login"])
    page = as_read(sam_phone.get("/me", follow_redirects=True).get_data(as_text=True))
    assert "Safe House" not in page and "An organisation leads" not in page
    assert "Your advocate leads this." in page
    access_log = as_read(sam_phone.get(f"/people/{team['sam'].id}/access").get_data(as_text=True))
    assert "Recorded who leads a need" not in access_log
    alex = new_client()
    login(alex, team["alex"])
    assert "Safe House Project leads this, since" in as_read(
        alex.get(f"/people/{team['sam'].id}/plan").get_data(as_text=True)
    )
    with in_app():
        copy = subject_access_data(team["sam"].id)["team_around_you"]
    assert copy["need_leads"] == []


def test_dealing_with_a_text_message_task_records_how(client, login, team, in_app):
    from advocate_app.sms import services as sms_services
    from advocate_app.sms.models import TaskKind

    with in_app():
        task = sms_services.add_task(team["sam"].id, TaskKind.REPLY)
        db.session.commit()
        task_id = task.id
    login(client, team["alex"])
    messages = f"/people/{team['sam'].id}/messages"
    assert "How was this done?" in client.get(messages).get_data(as_text=True)
    form_post(client, f"{messages}/{task_id}/done", {"contact_mode": "text"}, token_from=messages)
    with in_app():
        record = db.session.scalar(select(ContactRecord))
        assert (record.action, record.object_id, record.with_person) == (ActionKind.TASK, task_id, True)


def test_retention_removes_the_reason_typed_for_sending_anyway(new_client, login, team, in_app):
    from advocate_app.records.retention import apply_retention

    _harbour_accepts(new_client, login, team, in_app)
    alex = new_client()
    login(alex, team["alex"])
    reason = "Sam asked for both at once after the meeting at Sam's sister's."
    _refer(alex, team, "tenancy", **{"overlap-choice": "send_anyway", "overlap-reason": reason})
    with in_app():
        sam = db.session.get(Person, team["sam"].id)
        sam.status, sam.closed_at = PersonStatus.CLOSED, utcnow() - timedelta(days=7 * 365)
        db.session.commit()
        assert apply_retention(utcnow(), 6) == 1
        db.session.commit()
        decision = db.session.scalar(select(OverlapDecision))
        assert (decision.choice, decision.reason) == (OverlapChoice.SEND_ANYWAY, "")
