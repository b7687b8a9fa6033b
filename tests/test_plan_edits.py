"""Nobody's change is silently undone: edit forms carry the version they showed, a save over a later change
keeps it (or shows both and asks), history keeps every field, and a first write meets a plan made meanwhile."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import select

from advocate_app import db
from advocate_app.plans import edits, services
from advocate_app.plans.models import ItemKind, Plan, PlanItem, PlanStatus, Priority
from tests.conftest import csrf_from, entry_id_from, form_post

VERSION = re.compile(r'name="entry_version" type="hidden" value="(\d*)"')


def _open_form(client, path: str) -> dict:
    """Open an edit form as a browser tab would: what it will send back besides what is typed."""
    page = client.get(path).get_data(as_text=True)
    match = VERSION.search(page)
    assert match, "the edit form carries no version"
    return {"csrf_token": csrf_from(page), "entry_version": match.group(1)}


def _entry(in_app, item_id: int) -> PlanItem:
    with in_app():
        return db.session.get(PlanItem, item_id)


def _sams_need(client, person_id, text="Somewhere safe to live", priority="2") -> int:
    response = form_post(
        client, f"/people/{person_id}/plan/needs/new", {"domain": "housing", "text": text, "priority": priority}
    )
    assert response.status_code == 302
    return entry_id_from(response)


def test_sams_stale_form_keeps_the_priority_his_advocate_raised_meanwhile(
    client, new_client, login, sam_and_alex, in_app
):
    alex, sam, sam_login = sam_and_alex
    phone, visit = client, new_client()
    login(phone, sam_login)
    login(visit, alex)
    need_id = _sams_need(phone, sam.id)
    edit = f"/people/{sam.id}/plan/items/{need_id}/edit"

    # Sam opens the form on his phone and is interrupted.
    sams_tab = _open_form(phone, edit)
    # Meanwhile Alex raises the priority from Medium to High.
    raised = form_post(visit, edit, {"text": "Somewhere safe to live", "priority": "1"})
    assert raised.status_code == 302
    # Sam comes back and changes only the words.
    saved = phone.post(edit, data={**sams_tab, "text": "A safe flat near my sister", "priority": "2"})

    assert saved.status_code == 302
    entry = _entry(in_app, need_id)
    assert entry.text == "A safe flat near my sister"
    assert entry.priority == Priority.HIGH, "Alex's change was undone by a form opened before it"
    page = phone.get(saved.headers["Location"]).get_data(as_text=True)
    assert "Their change is kept with yours" in html.unescape(page)


def test_the_same_person_in_two_tabs_is_shown_both_versions_and_asked(client, login, sam_and_alex, in_app):
    _, sam, sam_login = sam_and_alex
    login(client, sam_login)
    need_id = _sams_need(client, sam.id)
    edit = f"/people/{sam.id}/plan/items/{need_id}/edit"
    first_tab, second_tab = _open_form(client, edit), _open_form(client, edit)

    first = client.post(edit, data={**first_tab, "text": "A flat of my own", "priority": "2"})
    assert first.status_code == 302
    client.get(first.headers["Location"])  # the first tab shows its "Saved."
    asked = client.post(edit, data={**second_tab, "text": "Somewhere near the school", "priority": "2"})

    assert asked.status_code == 200, "the second tab's save went through over the first"
    page = html.unescape(asked.get_data(as_text=True))
    assert "You changed this entry in another window" in page
    assert "A flat of my own" in page and "Somewhere near the school" in page
    assert "Saved." not in page
    assert _entry(in_app, need_id).text == "A flat of my own", "nothing is saved until the person chooses"

    # Choosing their second version: the form shown again is on the saved version, so it now goes through.
    again = client.post(edit, data={**_hidden(asked), "text": "Somewhere near the school", "priority": "2"})
    assert again.status_code == 302
    assert _entry(in_app, need_id).text == "Somewhere near the school"


def _words(response) -> str:
    """The page's text as read, without its markup."""
    return html.unescape(re.sub(r"<[^>]+>", "", response.get_data(as_text=True)))


def _hidden(response) -> dict:
    page = response.get_data(as_text=True)
    return {"csrf_token": csrf_from(page), "entry_version": VERSION.search(page).group(1)}


def test_an_advocates_stale_rewording_of_sams_words_still_becomes_a_suggestion(
    client, new_client, login, sam_and_alex, in_app
):
    alex, sam, sam_login = sam_and_alex
    phone, visit = client, new_client()
    login(phone, sam_login)
    login(visit, alex)
    need_id = _sams_need(phone, sam.id)
    edit = f"/people/{sam.id}/plan/items/{need_id}/edit"
    alexs_tab = _open_form(visit, edit)
    assert form_post(phone, edit, {"text": "A flat near my sister", "priority": "2"}).status_code == 302

    reworded = visit.post(edit, data={**alexs_tab, "text": "Safe housing away from the area", "priority": "2"})

    assert reworded.status_code == 302
    entry = _entry(in_app, need_id)
    assert entry.text == "A flat near my sister", "Sam's own words stay"
    assert entry.proposed_text == "Safe housing away from the area"


def test_two_stale_changes_to_different_fields_of_a_step_are_both_kept(client, new_client, login, sam_and_alex, in_app):
    alex, sam, sam_login = sam_and_alex
    phone, visit = client, new_client()
    login(phone, sam_login)
    login(visit, alex)
    need_id = _sams_need(phone, sam.id)
    goal = form_post(phone, f"/people/{sam.id}/plan/items/{need_id}/goals/new", {"text": "Move by spring"})
    step = form_post(
        phone,
        f"/people/{sam.id}/plan/items/{entry_id_from(goal)}/steps/new",
        {"text": "Ring the council", "owner": "me"},
    )
    step_id = entry_id_from(step)
    edit = f"/people/{sam.id}/plan/items/{step_id}/edit"
    sams_tab, alexs_tab = _open_form(phone, edit), _open_form(visit, edit)

    due = {"due_date-day": "3", "due_date-month": "2", "due_date-year": "2027"}
    assert phone.post(edit, data={**sams_tab, "text": "Ring the council", "owner": "me", **due}).status_code == 302
    handed = visit.post(edit, data={**alexs_tab, "text": "Ring the council", "owner": "advocate"})

    assert handed.status_code == 302
    entry = _entry(in_app, step_id)
    assert entry.owner.value == "advocate"
    assert entry.due_date is not None and entry.due_date.isoformat() == "2027-02-03"


def test_history_shows_every_field_that_changed_not_only_the_words(client, new_client, login, sam_and_alex):
    alex, sam, sam_login = sam_and_alex
    phone, visit = client, new_client()
    login(phone, sam_login)
    login(visit, alex)
    need_id = _sams_need(phone, sam.id)
    form_post(visit, f"/people/{sam.id}/plan/items/{need_id}/edit", {"text": "Somewhere safe to live", "priority": "1"})

    page = _words(phone.get(f"/people/{sam.id}/plan/items/{need_id}"))

    assert "Priority: Medium" in page
    assert "Priority: High – this matters most now" in page


def test_a_first_entry_joins_the_plan_another_request_has_just_started(
    client, login, sam_and_alex, in_app, monkeypatch
):
    alex, sam, _ = sam_and_alex
    login(client, alex)
    with in_app():
        plan = services.plan_for(sam.id, by=alex)
        services.add_item(plan, ItemKind.NEED, services.ItemFields("Money for the gas", domain="money", priority=1),
                          by=alex)
        db.session.commit()
    # The plan above was made by a request that committed just after this one looked and found none.
    real = services.active_plan
    looks = []

    def too_early(person_id):
        looks.append(person_id)
        return None if len(looks) == 1 else real(person_id)

    monkeypatch.setattr(services, "active_plan", too_early)
    added = form_post(client, f"/people/{sam.id}/plan/needs/new", {"domain": "housing", "text": "A flat",
                                                                    "priority": "2", "voice": "advocate"})

    assert added.status_code == 302
    with in_app():
        plans = db.session.scalars(select(Plan).where(Plan.person_id == sam.id)).all()
        assert [p.status for p in plans] == [PlanStatus.ACTIVE], "the first write archived the plan it met"
        texts = db.session.scalars(select(PlanItem.text).where(PlanItem.plan_id == plans[0].id)).all()
    assert sorted(texts) == ["A flat", "Money for the gas"]


def test_a_change_offered_against_an_archived_plan_is_refused_with_a_reason(app, sam_and_alex):
    alex, sam, _ = sam_and_alex
    with app.app_context():
        plan = services.plan_for(sam.id, by=alex)
        need = services.add_item(plan, ItemKind.NEED, services.ItemFields("Debt", domain="money", priority=2), by=alex)
        version = need.version
        services.start_plan(sam.id, by=alex)
        db.session.commit()
        result = edits.save_entry(
            services.load_item(need.id), services.ItemFields("Debt advice", priority=1), base_version=version, by=alex
        )
    assert result.outcome is edits.Outcome.REFUSED and result.reason == "archived"


def test_every_change_to_a_plan_gets_its_own_version(app, sam_and_alex):
    alex, sam, _ = sam_and_alex
    with app.app_context():
        plan = services.plan_for(sam.id, by=alex)
        need = services.add_item(plan, ItemKind.NEED, services.ItemFields("Debt", domain="money", priority=2), by=alex)
        services.add_comment(need, "Talked about it", by=alex)
        services.edit_item(need, services.ItemFields("Debt advice", priority=1), by=alex)
        db.session.commit()
        versions = sorted(db.session.scalars(select(PlanItem.changed_version)).all())
        assert db.session.get(Plan, plan.id, populate_existing=True).version == 3
    assert versions == [3]


@pytest.mark.parametrize("version", ["²", "junk", "-1", "99999999999", "7"])
def test_a_form_with_a_version_the_entry_never_had_is_compared_not_saved_blindly(
    client, login, sam_and_alex, in_app, version
):
    _, sam, sam_login = sam_and_alex
    login(client, sam_login)
    need_id = _sams_need(client, sam.id)
    edit = f"/people/{sam.id}/plan/items/{need_id}/edit"

    answer = client.post(edit, data={**_open_form(client, edit), "entry_version": version,
                                     "text": "Somewhere quiet", "priority": "2"})

    assert answer.status_code == 200
    assert "Compare the two versions" in answer.get_data(as_text=True)
    assert _entry(in_app, need_id).text == "Somewhere safe to live"
