"""A person's own view of change, in plain words, for them and for their advocate."""

from __future__ import annotations

from sqlalchemy import select

from advocate_app import db
from advocate_app.audit.models import AuditEvent
from tests import factories
from tests.conftest import as_read, sign_in
from tests.test_evidence import build_world


def test_the_person_reads_their_own_journey_and_goals_in_plain_words(app, client):
    build_world()
    assert sign_in(client, "pat", factories.PASSWORD).status_code == 302
    response = client.get("/me/progress")
    html = as_read(response.get_data(as_text=True))
    assert response.status_code == 200
    # Pat's own housing ratings: 1 in December 2025, latest 10 in July 2026.
    assert "It was 1 out of 10 in December 2025. Now it is 10 out of 10 (July 2026)." in html
    assert "That is 9 points better." in html
    assert "Whose scores: My rating" in html
    assert "Find a flat away from him" in html
    assert "1 goal achieved · 2 goals in all" in html
    assert "Stopped: 1" in html
    assert "2 of 3 steps done." in html
    assert "Exit this page" in html


def test_the_advocate_sees_the_same_story_and_the_look_is_recorded(app, client, login, in_app):
    world = build_world()
    login(client, world.north)
    pat_id = world.people["pat"].id
    html = as_read(client.get(f"/people/{pat_id}/progress").get_data(as_text=True))
    assert "Pat Quill" in html and "That is 9 points better." in html
    assert "Whose scores: Pat Quill&#39;s rating" in html
    with in_app():
        looked = db.session.scalars(select(AuditEvent).where(AuditEvent.object_type == "progress")).all()
    assert [(e.actor_id, e.person_id, e.action) for e in looked] == [(world.north.id, pat_id, "view")]


def test_one_check_in_and_a_lower_score_are_said_plainly(app, client, login):
    world = build_world()
    login(client, world.north)
    html = as_read(client.get(f"/people/{world.people['robin'].id}/progress").get_data(as_text=True))
    assert "It was 4 out of 10 in February 2026. There is one check-in so far." in html
    assert "That is 2 points lower." in html
    assert "There are no goals" not in html


def test_nobody_else_sees_a_persons_view_of_change(app, client, login):
    world = build_world()
    login(client, world.south)
    assert client.get(f"/people/{world.people['pat'].id}/progress").status_code == 404
    coordinator = app.test_client()
    login(coordinator, world.coordinator)
    assert coordinator.get(f"/people/{world.people['pat'].id}/progress").status_code == 403


def test_a_person_with_nothing_recorded_yet_is_told_what_a_check_in_is(app, client, login):
    advocate = factories.advocate()
    person = factories.person(advocate, name="New Person")
    login(client, advocate)
    html = as_read(client.get(f"/people/{person.id}/progress").get_data(as_text=True))
    assert "There are no check-ins yet." in html and "There are no goals in the plan yet." in html
