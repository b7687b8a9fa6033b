"""Information walls hold whichever order things happen in: one member of staff on both sides needs a reason.

A wall between Sam and Ali. Alex leads for Sam; Bea leads for Ali. Putting Alex on Ali's case as well (lead or
not), or recording a wall between two people Alex already works with, needs a coordinator's written
justification; it is audited, shown on both records and readable by coordinators. Without it Alex cannot open
the record, plan or copy on the side Alex joined later.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from advocate_app import db, policy
from advocate_app.accounts.models import User
from advocate_app.audit.models import AuditEvent
from advocate_app.consent import services as consent
from advocate_app.consent.models import LeadJustification, PersonLink
from advocate_app.people import services as people
from advocate_app.people.models import Assignment, Person
from advocate_app.policy import Action
from tests import factories
from tests.conftest import as_read, form_post

REASON = "Only advocate who speaks Tigrinya; the team manager reviews both plans every month."


@pytest.fixture
def sides(app, in_app):
    """Sam (led by Alex) and Ali (led by Bea), with a wall between them; a coordinator."""
    alex = factories.advocate(name="Alex Morgan")
    bea = factories.advocate(name="Bea Ndlovu")
    sam = factories.person(alex, name="Sam")
    ali = factories.person(bea, name="Ali")
    coordinator = factories.coordinator(name="Cora Coordinator")
    with in_app():
        consent.record_link(
            db.session.get(Person, sam.id), db.session.get(Person, ali.id), description="harm", by=coordinator
        )
        db.session.commit()
    return alex, bea, sam, ali, coordinator


def _may_open(in_app, user, person_id, action=Action.PERSON_VIEW) -> bool:
    with in_app():
        return policy.can(db.session.get(User, user.id), action, db.session.get(Person, person_id))


def test_adding_alex_to_ali_as_a_supporting_advocate_needs_a_reason(sides, in_app):
    alex, _bea, _sam, ali, coordinator = sides
    with in_app():
        with pytest.raises(consent.ConsentError):
            people.assign_advocate(db.session.get(Person, ali.id), alex, lead=False, by=coordinator)
        db.session.rollback()
        assert db.session.scalar(select(func.count(Assignment.id)).where(Assignment.person_id == ali.id)) == 1


def test_without_a_reason_alex_cannot_open_the_other_sides_record_plan_or_copy(client, login, sides, in_app):
    alex, _bea, sam, ali, _coordinator = sides
    # However it came about (data from before this rule, a direct change), a straddle without a reason keeps
    # Alex out of the side joined later.
    with in_app():
        db.session.add(Assignment(person_id=ali.id, advocate_id=alex.id, is_lead=False))
        db.session.commit()
    for action in (Action.PERSON_VIEW, Action.PLAN_VIEW, Action.RECORD_EXPORT):
        assert not _may_open(in_app, alex, ali.id, action)
    assert _may_open(in_app, alex, sam.id)
    with in_app():
        visible = db.session.scalars(policy.visible_people(db.session.get(User, alex.id))).all()
        assert [p.id for p in visible] == [sam.id]
    login(client, alex)
    for path in (f"/people/{ali.id}", f"/people/{ali.id}/plan", f"/people/{ali.id}/export"):
        assert client.get(path).status_code == 404, path
    assert client.get(f"/people/{sam.id}").status_code == 200
    # The caseload lists only what opens: Sam, not Ali.
    caseload = as_read(client.get("/people").get_data(as_text=True))
    assert "Sam" in caseload and "Ali" not in caseload


def test_with_a_reason_alex_works_on_both_sides_and_both_records_say_so(client, new_client, login, sides, in_app):
    alex, _bea, sam, ali, coordinator = sides
    login(client, coordinator)
    response = form_post(
        client,
        f"/admin/people/{ali.id}/advocates",
        {"advocate_id": str(alex.id), "lead": "no", "justification": REASON},
    )
    assert response.status_code == 302
    with in_app():
        justification = db.session.scalars(select(LeadJustification)).one()
        assert (justification.advocate_id, justification.reason) == (alex.id, REASON)
        audited = db.session.scalars(
            select(AuditEvent.person_id).where(AuditEvent.action == "lead_justified")
        ).all()
        assert sorted(audited) == sorted([sam.id, ali.id])
    # Coordinators read the written reason.
    assign_page = client.get(f"/admin/people/{ali.id}/advocates").get_data(as_text=True)
    assert REASON in assign_page and "Working on both sides of an information wall" in assign_page
    assert "also works across an information wall" in client.get("/admin/people").get_data(as_text=True)
    advocate = new_client()
    login(advocate, alex)
    for person_id in (sam.id, ali.id):
        page = advocate.get(f"/people/{person_id}")
        assert page.status_code == 200
        text = page.get_data(as_text=True)
        assert "also works across an information wall" in text
        assert REASON not in text


def test_a_wall_between_two_people_alex_already_works_with_needs_a_reason(client, login, app, in_app):
    alex = factories.advocate(name="Alex Morgan")
    jo = factories.person(alex, name="Jo")
    kim = factories.person(alex, name="Kim")
    coordinator = factories.coordinator()
    with in_app():
        with pytest.raises(consent.ConsentError):
            consent.record_link(
                db.session.get(Person, jo.id), db.session.get(Person, kim.id), description="harm", by=coordinator
            )
        db.session.rollback()
    login(client, coordinator)
    wall = {"other_person_id": str(kim.id), "description": "harm relationship"}
    refused = form_post(client, f"/admin/people/{jo.id}/links", wall)
    assert refused.status_code == 200
    assert "An advocate already works with both people" in refused.get_data(as_text=True)
    assert form_post(client, f"/admin/people/{jo.id}/links", {**wall, "justification": REASON}).status_code == 302
    with in_app():
        assert db.session.scalars(select(LeadJustification.advocate_id)).all() == [alex.id]
    assert _may_open(in_app, alex, jo.id) and _may_open(in_app, alex, kim.id)


def test_a_wall_recorded_around_a_straddle_without_a_reason_keeps_alex_out(app, in_app):
    # A wall recorded before this rule, around two people Alex already worked with, with no reason on file.
    alex = factories.advocate(name="Alex Morgan")
    jo = factories.person(alex, name="Jo")
    kim = factories.person(alex, name="Kim")
    with in_app():
        first, second = sorted((jo.id, kim.id))
        db.session.add(PersonLink(person_id=first, other_person_id=second, description="harm"))
        db.session.commit()
    assert not _may_open(in_app, alex, kim.id)
