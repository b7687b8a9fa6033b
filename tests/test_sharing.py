"""What organisations see (only what is shared, field by field), break glass, and information walls."""

from __future__ import annotations

import re
from datetime import date, time, timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from advocate_app import db
from advocate_app.audit.models import AuditEvent
from advocate_app.consent import services as consent
from advocate_app.consent.models import BreakGlass, Category, GivenHow, LeadJustification, PersonLink
from advocate_app.db import utcnow
from advocate_app.directory.models import Organisation
from advocate_app.people.models import Assignment, Person
from advocate_app.plans import outcomes
from advocate_app.plans import services as plans
from advocate_app.plans.models import ItemKind, RatedBy
from tests import factories
from tests.conftest import as_read, count_queries, form_post

# What each kind of information looks like on the page, so a test can say what must and must not show.
MARKERS = {
    Category.CONTACT: ["07700 900123", "09:00–17:00"],
    Category.NEEDS: ["A safe place to live, away from the estate"],
    Category.PLAN: ["Move before the winter", "Ring the housing team on Monday"],
    Category.NOTES: ["The housing officer is called Pat"],
    Category.CHECK_INS: ["6 out of 10"],
    Category.CHECK_IN_NOTES: ["Slept better this week"],
}
CODE_WORD = "bluebird"


@pytest.fixture
def harbour(app, in_app):
    """Sam, supported by Alex, with a plan; Harbour Housing Advice, and Wren, who works there."""
    alex = factories.advocate(name="Alex Morgan")
    sam = factories.person(
        alex,
        name="Sam",
        phone_e164="+447700900123",
        sms_allowed=True,
        safe_windows={0: (time(9), time(17))},
        code_word=CODE_WORD,
    )
    organisation = new_organisation(in_app, "Harbour Housing Advice")
    wren = factories.org_worker(name="Wren", organisation_id=organisation.id)
    write_plan(in_app, alex, sam.id, MARKERS[Category.NEEDS][0], *MARKERS[Category.PLAN])
    with in_app():
        need = next(i for i in plans.load_plan(plans.active_plan(sam.id).id).items if i.kind is ItemKind.NEED)
        plans.add_comment(plans.load_item(need.id), MARKERS[Category.NOTES][0], by=alex)
        outcomes.record_check_in(
            sam.id,
            domain="housing",
            score=6,
            rated_by=RatedBy.PERSON,
            taken_on=date.today(),
            note=MARKERS[Category.CHECK_IN_NOTES][0],
            by=alex,
        )
        db.session.commit()
    return alex, sam, organisation, wren


def new_organisation(in_app, name: str) -> Organisation:
    with in_app():
        organisation = factories.organisation(name)
        db.session.commit()
        return organisation


def write_plan(in_app, advocate, person_id: int, need_text: str, goal_text: str, step_text: str) -> None:
    """A need with a goal with a step, added to the person's active plan."""
    with in_app():
        plan = plans.plan_for(person_id, by=advocate)
        need = plans.add_item(
            plan, ItemKind.NEED, plans.ItemFields(need_text, domain="housing", priority=1), by=advocate
        )
        goal = plans.add_item(plan, ItemKind.GOAL, plans.ItemFields(goal_text), by=advocate, parent=need)
        plans.add_item(plan, ItemKind.STEP, plans.ItemFields(step_text), by=advocate, parent=goal)
        db.session.commit()


def share(in_app, person, organisation, categories, *, by, given_days_ago: int = 0) -> int:
    """Record a sharing consent as the advocate would (optionally given long ago); returns its id."""
    with in_app():
        given = factories.sharing(
            db.session.get(Person, person.id),
            db.session.get(Organisation, organisation.id),
            categories,
            by=by,
            purpose="help them find a home",
            now=utcnow() - timedelta(days=given_days_ago),
        )
        db.session.commit()
        return given.id


def page_of(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return as_read(response.get_data(as_text=True))


# Organisation workers: field by field ----------------------------------------------------------

SECTION_NAMES = {
    Category.CONTACT: "Contact details",
    Category.NEEDS: "Needs",
    Category.PLAN: "Goals and steps",
    Category.NOTES: "Notes and comments",
    Category.CHECK_INS: "Check-ins",
    Category.CHECK_IN_NOTES: "Notes from check-ins",
}


@pytest.mark.parametrize("category", list(Category))
def test_worker_sees_exactly_the_kind_of_information_that_is_shared(client, login, harbour, category, in_app):
    alex, sam, organisation, wren = harbour
    share(in_app, sam, organisation, [category], by=alex)
    login(client, wren)
    page = page_of(client, f"/shared/{sam.id}")
    for other, markers in MARKERS.items():
        for marker in markers:
            assert (marker in page) is (other is category), (category, marker)
    assert CODE_WORD not in page
    # It says in plain words what is not shared.
    not_shared = page.split("Not shared with you")[1]
    for other in Category:
        if other is not category:
            assert SECTION_NAMES[other] in not_shared


def test_needs_only_shows_needs_and_not_goals_steps_or_contact(client, login, harbour, in_app):
    alex, sam, organisation, wren = harbour
    share(in_app, sam, organisation, [Category.NEEDS], by=alex)
    login(client, wren)
    page = page_of(client, f"/shared/{sam.id}")
    assert "A safe place to live, away from the estate" in page and "Housing" in page
    assert "Move before the winter" not in page and "Ring the housing team" not in page
    assert "07700 900123" not in page and "+447700900123" not in page


def test_contact_details_say_how_to_contact_safely_but_never_the_code_word(client, login, harbour, in_app):
    alex, sam, organisation, wren = harbour
    share(in_app, sam, organisation, [Category.CONTACT], by=alex)
    login(client, wren)
    page = page_of(client, f"/shared/{sam.id}")
    assert "07700 900123" in page
    assert "Text messages" in page and "Allowed" in page
    assert "No: do not name your organisation" in page
    assert "Monday 09:00–17:00" in page
    assert "Code word" not in page and CODE_WORD not in page
    with in_app():
        assert db.session.get(Person, sam.id).code_word_hash not in page


def test_the_list_shows_who_shares_by_name_only(client, login, harbour, in_app):
    alex, sam, organisation, wren = harbour
    nobody = factories.person(alex, name="Quinn")
    share(in_app, sam, organisation, [Category.CONTACT, Category.NEEDS], by=alex)
    login(client, wren)
    page = page_of(client, "/shared")
    assert f'href="/shared/{sam.id}"' in page and ">Sam<" in page
    assert "Quinn" not in page and f"/shared/{nobody.id}" not in page
    assert "07700 900123" not in page and "A safe place to live" not in page
    assert 'href="/shared"' in page  # "Shared with us" is in the worker's menu


def test_withdrawal_hides_everything_on_the_very_next_request(client, login, harbour, in_app):
    alex, sam, organisation, wren = harbour
    consent_id = share(in_app, sam, organisation, list(Category), by=alex)
    login(client, wren)
    assert "A safe place to live" in page_of(client, f"/shared/{sam.id}")
    with in_app():
        from advocate_app.consent.models import Consent

        consent.withdraw(db.session.get(Consent, consent_id), how=GivenHow.VERBAL, by=alex)
        db.session.commit()
    response = client.get(f"/shared/{sam.id}")
    assert response.status_code == 404
    assert "A safe place to live" not in as_read(response.get_data(as_text=True))
    assert f"/shared/{sam.id}" not in page_of(client, "/shared")


def test_an_expired_consent_shows_nothing(client, login, harbour, in_app):
    alex, sam, organisation, wren = harbour
    share(in_app, sam, organisation, list(Category), by=alex, given_days_ago=consent.DEFAULT_CONSENT_DAYS + 1)
    login(client, wren)
    assert client.get(f"/shared/{sam.id}").status_code == 404
    assert f"/shared/{sam.id}" not in page_of(client, "/shared")


def test_an_expiry_takes_effect_on_the_next_request(client, login, harbour, in_app):
    alex, sam, organisation, wren = harbour
    with time_machine.travel("2026-03-02 10:00 +0000", tick=False) as traveller:
        share(in_app, sam, organisation, [Category.NEEDS], by=alex)
        # A year on, two minutes before the consent lapses.
        traveller.move_to("2027-03-02 09:58 +0000")
        login(client, wren)
        assert client.get(f"/shared/{sam.id}").status_code == 200
        traveller.shift(timedelta(minutes=3))
        assert client.get(f"/shared/{sam.id}").status_code == 404


def test_consent_for_another_organisation_shows_nothing_here(client, login, harbour, in_app):
    alex, sam, _organisation, wren = harbour
    elsewhere = new_organisation(in_app, "Somewhere Else")
    share(in_app, sam, elsewhere, list(Category), by=alex)
    login(client, wren)
    assert client.get(f"/shared/{sam.id}").status_code == 404
    assert f"/shared/{sam.id}" not in page_of(client, "/shared")


def _request_override(in_app, alex, sam, organisation, categories) -> int:
    with in_app():
        override = consent.request_override(
            db.session.get(Person, sam.id),
            organisation=db.session.get(Organisation, organisation.id),
            categories=categories,
            lawful_basis="vital_interests",
            dpa_condition="para_18",
            reasons="Sam is at immediate risk and the housing team must act today.",
            what_shared="Their mobile number, to the duty worker",
            person_told=True,
            not_told_reason="",
            by=alex,
        )
        db.session.commit()
        return override.id


def test_a_pending_override_shows_nothing_and_an_approved_one_does(client, login, harbour, in_app):
    alex, sam, organisation, wren = harbour
    override_id = _request_override(in_app, alex, sam, organisation, [Category.CONTACT])
    login(client, wren)
    assert client.get(f"/shared/{sam.id}").status_code == 404
    with in_app():
        from advocate_app.consent.models import SharingOverride

        consent.decide_override(
            db.session.get(SharingOverride, override_id), approve=True, note="", by=factories.coordinator()
        )
        db.session.commit()
    page = page_of(client, f"/shared/{sam.id}")
    assert "07700 900123" in page
    assert "A safe place to live" not in page


def test_each_view_of_a_shared_record_is_audited(client, login, harbour, in_app):
    alex, sam, organisation, wren = harbour
    share(in_app, sam, organisation, [Category.NEEDS], by=alex)
    login(client, wren)
    page_of(client, f"/shared/{sam.id}")
    page_of(client, f"/shared/{sam.id}")
    with in_app():
        views = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "view", AuditEvent.object_type == "shared_record")
        ).all()
    assert [(v.actor_id, v.actor_role, v.person_id) for v in views] == [(wren.id, "org_worker", sam.id)] * 2


def test_only_organisation_workers_have_a_shared_list(client, new_client, login, harbour, in_app):
    alex, sam, organisation, _wren = harbour
    share(in_app, sam, organisation, list(Category), by=alex)
    for user in (alex, factories.coordinator(), factories.individual(sam)):
        visitor = new_client()
        login(visitor, user)
        assert visitor.get("/shared").status_code == 403
        assert visitor.get(f"/shared/{sam.id}").status_code == 403



def test_shared_page_queries_do_not_grow_with_the_number_of_entries(app, client, login, harbour, in_app):
    alex, sam, organisation, wren = harbour
    share(in_app, sam, organisation, list(Category), by=alex)
    login(client, wren)
    small = count_queries(app, client, f"/shared/{sam.id}"), count_queries(app, client, "/shared")
    for n in range(20):
        write_plan(in_app, alex, sam.id, f"Need {n}", f"Goal {n}", f"Step {n}")
        other = factories.person(alex)
        share(in_app, other, organisation, [Category.NEEDS], by=alex)
    with in_app():
        for item in plans.load_plan(plans.active_plan(sam.id).id).items:
            plans.add_comment(plans.load_item(item.id), "More", by=alex)
        for day in range(20):
            outcomes.record_check_in(
                sam.id, domain="money", score=5, rated_by=RatedBy.TOGETHER, taken_on=date(2026, 1, day + 1), by=alex
            )
        db.session.commit()
    large = count_queries(app, client, f"/shared/{sam.id}"), count_queries(app, client, "/shared")
    assert small == large


# Break glass ------------------------------------------------------------------------------------


def test_a_coordinator_cannot_open_a_record_without_breaking_the_glass(client, login, harbour):
    _alex, sam, _organisation, _wren = harbour
    login(client, factories.coordinator())
    assert client.get(f"/people/{sam.id}").status_code == 404
    assert client.get(f"/people/{sam.id}/plan").status_code == 404


def test_a_short_reason_is_explained_next_to_the_field_and_nothing_is_opened(client, login, harbour, in_app):
    _alex, sam, _organisation, _wren = harbour
    login(client, factories.coordinator())
    response = form_post(client, f"/admin/people/{sam.id}/break-glass", {"reason": "Just checking"})
    page = as_read(response.get_data(as_text=True))
    assert response.status_code == 200
    assert "govuk-error-summary" in page and 'id="reason-error"' in page
    assert "Write the reason in full (at least 20 characters)" in page
    assert "Just checking" in page  # what they typed is kept
    with in_app():
        assert db.session.scalar(select(func.count(BreakGlass.id))) == 0
    assert client.get(f"/people/{sam.id}").status_code == 404


# Every way to change the record (and whether it has a form page); a coordinator who broke the glass is
# refused each one.
WRITES = [
    ("/people/{pid}/edit", {"preferred_name": "Changed"}, True),
    ("/people/{pid}/login", {}, False),
    ("/people/{pid}/plan/needs/new", {"domain": "housing", "text": "Coordinator's need", "priority": "1"}, True),
    ("/people/{pid}/plan/about/matters", {"text": "Coordinator's words"}, True),
    ("/people/{pid}/plan/items/{iid}/edit", {"text": "Coordinator's words", "priority": "1"}, True),
    ("/people/{pid}/plan/items/{iid}/goals/new", {"text": "Coordinator's goal"}, True),
    ("/people/{pid}/plan/items/{iid}/comments", {"body": "Coordinator's comment"}, False),
    ("/people/{pid}/plan/items/{iid}/decision", {"decision": "accept"}, False),
    ("/people/{pid}/plan/agree", {}, False),
    ("/people/{pid}/plan/new", {}, False),
    ("/people/{pid}/consents/sharing", {}, True),
]


def test_break_glass_opens_the_record_read_only_for_thirty_minutes(client, login, harbour, in_app):
    _alex, sam, _organisation, _wren = harbour
    coordinator = factories.coordinator()
    with in_app():
        need_id = next(i.id for i in plans.load_plan(plans.active_plan(sam.id).id).items if i.kind is ItemKind.NEED)
        before = db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.person_id == sam.id))
    with time_machine.travel("2026-03-02 10:00 +0000", tick=False) as traveller:
        login(client, coordinator)
        people = page_of(client, "/admin/people")
        assert f'href="/admin/people/{sam.id}/break-glass"' in people
        form = page_of(client, f"/admin/people/{sam.id}/break-glass")
        assert "Sam will see that you opened their record" in form
        response = form_post(
            client,
            f"/admin/people/{sam.id}/break-glass",
            {"reason": "Police report a threat to Sam tonight; need the safe contact times."},
        )
        assert response.status_code == 302 and response.headers["Location"] == f"/people/{sam.id}"

        person_page = page_of(client, f"/people/{sam.id}")
        assert "Sam" in person_page and "You opened this record with break glass" in person_page
        assert f"/people/{sam.id}/edit" not in person_page and "Show a setup code" not in person_page
        plan_page = page_of(client, f"/people/{sam.id}/plan")
        assert "A safe place to live, away from the estate" in plan_page
        for control in ("/edit", "/needs/new", "/goals/new", "/steps/new", "/about/", "/agree", "/done", "/decision"):
            assert control not in plan_page, control
        assert "Add a need" not in plan_page and "I agree with this plan" not in plan_page

        for path, data, has_form_page in WRITES:
            url = path.format(pid=sam.id, iid=need_id)
            assert form_post(client, url, data, token_from="/admin/people").status_code in (403, 404), url
            if has_form_page:
                assert client.get(url).status_code in (403, 404), url

        traveller.shift(timedelta(minutes=31))
        assert client.get(f"/people/{sam.id}").status_code == 404
        assert client.get(f"/people/{sam.id}/plan").status_code == 404

    with in_app():
        events = db.session.execute(
            select(AuditEvent.action, AuditEvent.object_type, AuditEvent.actor_id)
            .where(AuditEvent.person_id == sam.id)
            .order_by(AuditEvent.id)
            .offset(before)
        ).all()
        assert events == [
            ("break_glass", "break_glass", coordinator.id),
            ("view", "person", coordinator.id),
            ("view", "plan", coordinator.id),
        ]
        glass = db.session.scalars(select(BreakGlass)).one()
        assert glass.reason.startswith("Police report")
        # Nothing about the record changed.
        assert db.session.get(Person, sam.id).preferred_name == "Sam"
        assert plans.active_plan(sam.id).version == 4  # need, goal, step and the comment from the fixture


def test_a_break_glass_is_for_one_person_and_one_coordinator(client, new_client, login, harbour):
    alex, sam, _organisation, _wren = harbour
    jo = factories.person(alex, name="Jo")
    first, second = factories.coordinator(), factories.coordinator()
    login(client, first)
    form_post(client, f"/admin/people/{sam.id}/break-glass", {"reason": "A safeguarding concern raised by police."})
    assert client.get(f"/people/{sam.id}").status_code == 200
    assert client.get(f"/people/{jo.id}").status_code == 404
    other = new_client()
    login(other, second)
    assert other.get(f"/people/{sam.id}").status_code == 404


def test_only_coordinators_break_the_glass(new_client, login, harbour):
    alex, sam, _organisation, wren = harbour
    for user in (alex, wren):
        visitor = new_client()
        login(visitor, user)
        assert visitor.get(f"/admin/people/{sam.id}/break-glass").status_code == 403
        assert visitor.get(f"/admin/people/{sam.id}/links").status_code == 403


# Information walls ------------------------------------------------------------------------------

# Distinctive strings from the other side of the wall; none may ever appear on the first person's pages.
BLAKE = ["Blakeley", "BLAKE-need-qx7", "BLAKE-goal-qx7", "BLAKE-step-qx7", "BLAKE-comment-qx7", "BLAKE-checkin-qx7"]


@pytest.fixture
def walled(app, harbour, in_app):
    """Sam and Blakeley, with a harm link between them; Alex is lead advocate for both."""
    alex, sam, organisation, wren = harbour
    blakeley = factories.person(alex, name="Blakeley", phone_e164="+447700900999")
    write_plan(in_app, alex, blakeley.id, BLAKE[1], BLAKE[2], BLAKE[3])
    with in_app():
        items = plans.load_plan(plans.active_plan(blakeley.id).id).items
        plans.add_comment(plans.load_item(items[0].id), BLAKE[4], by=alex)
        outcomes.record_check_in(
            blakeley.id,
            domain="safety",
            score=2,
            rated_by=RatedBy.ADVOCATE,
            taken_on=date.today(),
            note=BLAKE[5],
            by=alex,
        )
        db.session.commit()
    share(in_app, sam, organisation, list(Category), by=alex)
    share(in_app, blakeley, organisation, list(Category), by=alex)
    return alex, sam, blakeley, organisation, wren


JUSTIFICATION = "Only advocate in the area; the team manager reviews both plans monthly."


def test_a_coordinator_records_an_information_wall_and_only_they_see_both_names(
    client, new_client, login, walled, in_app
):
    alex, sam, blakeley, _organisation, _wren = walled
    login(client, factories.coordinator())
    people = page_of(client, "/admin/people")
    assert f'href="/admin/people/{sam.id}/links"' in people
    form = page_of(client, f"/admin/people/{sam.id}/links")
    assert f'value="{blakeley.id}"' in form and f'value="{sam.id}"' not in form

    missing = form_post(client, f"/admin/people/{sam.id}/links", {"other_person_id": str(blakeley.id)})
    assert missing.status_code == 200
    assert "Say in a few words how they are linked" in as_read(missing.get_data(as_text=True))
    itself = form_post(client, f"/admin/people/{sam.id}/links", {"other_person_id": str(sam.id), "description": "x"})
    assert "Choose the other person" in as_read(itself.get_data(as_text=True))
    with in_app():
        assert db.session.scalar(select(func.count(PersonLink.id))) == 0

    # Alex works with both: the wall would put Alex on both sides, so a written reason is needed.
    wall = {"other_person_id": str(blakeley.id), "description": "victim and alleged perpetrator"}
    unjustified = form_post(client, f"/admin/people/{sam.id}/links", wall)
    assert unjustified.status_code == 200 and 'id="justification-error"' in unjustified.get_data(as_text=True)
    with in_app():
        assert db.session.scalar(select(func.count(PersonLink.id))) == 0
    response = form_post(client, f"/admin/people/{sam.id}/links", {**wall, "justification": JUSTIFICATION})
    assert response.status_code == 302
    listing = page_of(client, f"/admin/people/{sam.id}/links")
    assert "Sam and Blakeley" in listing and "victim and alleged perpetrator" in listing
    assert "Blakeley and Sam" in page_of(client, f"/admin/people/{blakeley.id}/links")

    advocate = new_client()
    login(advocate, alex)
    assert advocate.get(f"/admin/people/{sam.id}/links").status_code == 403


def _wall(in_app, sam, blakeley) -> None:
    with in_app():
        consent.record_link(
            db.session.get(Person, sam.id),
            db.session.get(Person, blakeley.id),
            description="victim and alleged perpetrator",
            by=factories.coordinator(),
            justification=JUSTIFICATION,
        )
        db.session.commit()


def test_nothing_from_one_side_of_a_wall_appears_on_the_other(client, new_client, login, walled, in_app):
    alex, sam, blakeley, _organisation, wren = walled
    _wall(in_app, sam, blakeley)
    sam_phone = new_client()
    login(sam_phone, factories.individual(sam))
    worker = new_client()
    login(worker, wren)
    login(client, alex)
    pages = {
        "advocate: person": page_of(client, f"/people/{sam.id}"),
        "advocate: plan": page_of(client, f"/people/{sam.id}/plan"),
        "advocate: consents": page_of(client, f"/people/{sam.id}/consents"),
        "person: plan": page_of(sam_phone, "/me"),
        "person: details": page_of(sam_phone, "/me/details"),
        "worker: shared": page_of(worker, f"/shared/{sam.id}"),
    }
    for endpoint in ("journey", "plan/summary"):
        response = client.get(f"/people/{sam.id}/{endpoint}")
        if response.status_code == 200:
            pages[f"advocate: {endpoint}"] = as_read(response.get_data(as_text=True))
    for name in ("advocate: plan", "person: plan", "worker: shared"):
        assert "A safe place to live" in pages[name], name  # the pages do show Sam's own record
    for name, page in pages.items():
        for secret in BLAKE + ["07700 900999"]:
            assert secret not in page, (name, secret)
    # The advocate is told there is a wall, never with whom.
    assert (
        "There is an information wall with another record. Do not share anything between them."
        in pages["advocate: person"]
    )
    # Blakeley's own advocate page still works and names nobody on Sam's side either.
    other_side = page_of(client, f"/people/{blakeley.id}")
    assert "There is an information wall" in other_side and ">Sam<" not in other_side and "Sam</" not in other_side


def _assign(client, person_id, advocate_id, **extra):
    data = {"advocate_id": str(advocate_id), "lead": "yes", **extra}
    return form_post(client, f"/admin/people/{person_id}/advocates", data)


def _leads(in_app, person_id):
    with in_app():
        return db.session.scalars(
            select(Assignment.advocate_id).where(
                Assignment.person_id == person_id, Assignment.is_lead, Assignment.ended_at.is_(None)
            )
        ).all()


def test_the_same_advocate_on_both_sides_of_a_wall_needs_a_written_justification(client, login, harbour, in_app):
    alex, sam, _organisation, _wren = harbour
    bea = factories.advocate(name="Bea Ndlovu")
    blakeley = factories.person(bea, name="Blakeley")
    _wall(in_app, sam, blakeley)
    coordinator = factories.coordinator()
    login(client, coordinator)
    form = page_of(client, f"/admin/people/{blakeley.id}/advocates")
    assert "Why should this advocate work with both people?" in form

    for justification in ("", "Because."):
        response = _assign(client, blakeley.id, alex.id, justification=justification)
        page = as_read(response.get_data(as_text=True))
        assert response.status_code == 200
        assert "govuk-error-summary" in page and 'id="justification-error"' in page
        assert "Write why they should work with both" in page
        assert _leads(in_app, blakeley.id) == [bea.id]
        with in_app():
            assert db.session.scalar(select(func.count(LeadJustification.id))) == 0

    # As a supporting advocate, a reason is asked just the same.
    response = _assign(client, blakeley.id, alex.id, lead="no")
    assert response.status_code == 200 and 'id="justification-error"' in response.get_data(as_text=True)
    assert _leads(in_app, blakeley.id) == [bea.id]

    reason = "Only advocate speaking Tigrinya; the team manager reviews both plans monthly."
    response = _assign(client, blakeley.id, alex.id, justification=reason)
    assert response.status_code == 302
    assert _leads(in_app, blakeley.id) == [alex.id]
    with in_app():
        justification = db.session.scalars(select(LeadJustification)).one()
        assert (justification.advocate_id, justification.reason, justification.recorded_by_id) == (
            alex.id,
            reason,
            coordinator.id,
        )
        actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.action == "lead_justified")).all()
        assert len(actions) == 2  # once in each record's trail


def test_no_justification_is_asked_where_there_is_no_wall(client, login, harbour, in_app):
    alex, _sam, _organisation, _wren = harbour
    bea = factories.advocate()
    jo = factories.person(bea, name="Jo")
    login(client, factories.coordinator())
    assert "Why should this advocate work with both" not in page_of(client, f"/admin/people/{jo.id}/advocates")
    assert _assign(client, jo.id, alex.id).status_code == 302
    assert _leads(in_app, jo.id) == [alex.id]


def test_coordinator_menu_leads_to_sharing_decisions(client, login, app):
    login(client, factories.coordinator())
    assert re.search(r'href="/admin/overrides"[^>]*>Sharing decisions<', page_of(client, "/admin"))
