"""The organisation worker's side of referrals: the inbox, answering, updates, and what stays after withdrawal."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from advocate_app import db
from advocate_app.audit.models import AuditEvent
from advocate_app.clock import local_today
from advocate_app.consent import services as consent
from advocate_app.consent.models import Category, Consent, GivenHow
from advocate_app.directory.models import Organisation, Service, ServiceNeedDomain
from advocate_app.people.models import Person
from advocate_app.plans import services as plans
from advocate_app.plans.models import ItemKind
from advocate_app.referrals import services as referrals
from advocate_app.referrals.models import DeclineReason, Referral, ReferralEvent, ReferralStatus, Urgency
from tests import factories
from tests.conftest import count_queries, csrf_from, form_post

NEED_TEXT = "A safe place to live, away from the estate"
GOAL_TEXT = "Move before the winter"
NOTE = "Sam would like a call in the evening."


@pytest.fixture
def harbour(app, in_app):
    """Sam (Alex's) with a plan, consenting to Harbour Housing Advice for everything; Wren works at Harbour."""
    alex = factories.advocate(name="Alex Morgan")
    sam = factories.person(alex, name="Sam")
    organisation = factories.organisation("Harbour Housing Advice")
    wren = factories.org_worker(name="Wren", organisation_id=organisation.id)
    with in_app():
        plan = factories.plan(sam, by=alex)
        need = factories.entry(plan, ItemKind.NEED, NEED_TEXT, by=alex, domain="housing", priority=1)
        goal = factories.entry(plan, ItemKind.GOAL, GOAL_TEXT, by=alex, parent=need)
        step = factories.entry(plan, ItemKind.STEP, "Ring Harbour", by=alex, parent=goal)
        factories.sharing(
            db.session.get(Person, sam.id),
            db.session.get(Organisation, organisation.id),
            list(Category),
            by=alex,
            purpose="help them find a home",
        )
        db.session.commit()
        step_id = step.id
    return alex, sam, organisation, wren, step_id


def add_service(in_app, organisation, name="Housing advice", days=5) -> int:
    with in_app():
        service = Service(
            organisation_id=organisation.id,
            name=name,
            response_target_days=days,
            need_domains=[ServiceNeedDomain(domain="housing")],
        )
        db.session.add(service)
        db.session.commit()
        return service.id


def refer(in_app, advocate, person, service_id, *, days_ago=0, step_id=None, urgency=Urgency.ROUTINE) -> int:
    """A referral of Needs only, made ``days_ago`` (so its respond-by date may already have passed)."""
    with in_app():
        referral = referrals.make_referral(
            db.session.get(Person, person.id),
            db.session.get(Service, service_id),
            categories=[Category.NEEDS],
            by=advocate,
            today=local_today() - timedelta(days=days_ago),
            step=plans.load_item(step_id) if step_id else None,
            note=NOTE,
            urgency=urgency,
        )
        db.session.commit()
        return referral.id


def referral_in(in_app, referral_id: int) -> tuple[Referral, list[ReferralEvent]]:
    with in_app():
        referral = db.session.get(Referral, referral_id)
        events = db.session.scalars(
            select(ReferralEvent).where(ReferralEvent.referral_id == referral_id).order_by(ReferralEvent.id)
        ).all()
        return referral, list(events)


def page_of(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return response.get_data(as_text=True)


def section(html: str, name: str) -> str:
    """The HTML of one inbox section (overdue, due-soon, new, open, finished)."""
    match = re.search(rf'<section[^>]*aria-labelledby="{name}">(.*?)</section>', html, re.S)
    assert match, f"no {name} section"
    return match.group(1)


def accept(client, referral_id: int):
    return form_post(client, f"/referrals/{referral_id}/accept", {}, token_from=f"/referrals/{referral_id}")


def update(client, referral_id: int, status: str, note: str = ""):
    return form_post(
        client,
        f"/referrals/{referral_id}/status",
        {"status": status, "note": note},
        token_from=f"/referrals/{referral_id}",
    )


@pytest.fixture
def sent(harbour, in_app):
    """A referral from Alex to Harbour's housing advice, waiting for an answer."""
    alex, sam, organisation, wren, step_id = harbour
    service_id = add_service(in_app, organisation)
    return refer(in_app, alex, sam, service_id, step_id=step_id)


# The inbox -------------------------------------------------------------------------------------


def test_worker_sees_a_new_referral_under_new(client, login, harbour, sent):
    login(client, harbour[3])
    html = page_of(client, "/referrals")
    new = section(html, "new")
    assert "Sam" in new and "Housing advice" in new and "Routine" in new
    assert "Waiting for your answer" in new and "Reply by" in new
    assert "Nothing is overdue." in section(html, "overdue")
    assert "overdue</strong>" not in html


def test_referrals_past_their_reply_by_date_are_flagged_as_overdue(client, login, harbour, in_app):
    alex, sam, organisation, wren, _step = harbour
    service_id = add_service(in_app, organisation, days=3)
    refer(in_app, alex, sam, service_id, days_ago=10, urgency=Urgency.URGENT)
    login(client, wren)
    html = page_of(client, "/referrals")
    overdue = section(html, "overdue")
    assert "Sam" in overdue and "Reply was due" in overdue and "Urgent" in overdue
    assert "1 overdue" in html  # in the heading
    assert "1 referral is past its reply-by date" in html
    assert "No new referrals." in section(html, "new")


def test_a_referral_due_within_two_days_is_due_soon(client, login, harbour, in_app):
    alex, sam, organisation, wren, _step = harbour
    refer(in_app, alex, sam, add_service(in_app, organisation, days=1))
    login(client, wren)
    assert "Sam" in section(page_of(client, "/referrals"), "due-soon")


def test_an_empty_inbox_says_so_in_plain_words(client, login, harbour):
    login(client, harbour[3])
    assert "There are no referrals for your organisation yet." in page_of(client, "/referrals")



def test_inbox_queries_do_not_grow_with_the_number_of_referrals(app, client, login, harbour, in_app):
    alex, sam, organisation, wren, _step = harbour
    service_id = add_service(in_app, organisation)
    refer(in_app, alex, sam, service_id)
    login(client, wren)
    one = count_queries(app, client, "/referrals")
    for n in range(29):
        refer(in_app, alex, sam, service_id, days_ago=n)
    thirty = count_queries(app, client, "/referrals")
    assert one == thirty


# One referral ----------------------------------------------------------------------------------


def test_referral_page_shows_the_note_and_only_the_referred_categories(client, login, harbour, sent, in_app):
    login(client, harbour[3])
    html = page_of(client, f"/referrals/{sent}")
    assert NOTE in html and NEED_TEXT in html and "Routine" in html and "Waiting for your answer" in html
    # Sam shares the plan with Harbour, but this referral only asked for needs.
    assert GOAL_TEXT not in html
    with in_app():
        assert (
            db.session.scalar(
                select(func.count(AuditEvent.id)).where(
                    AuditEvent.action == "view", AuditEvent.object_type == "referral", AuditEvent.object_id == sent
                )
            )
            == 1
        )


def test_worker_accepts_and_it_moves_under_way_with_an_event(client, login, harbour, sent, in_app):
    wren = harbour[3]
    login(client, wren)
    response = accept(client, sent)
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/referrals/{sent}")
    referral, events = referral_in(in_app, sent)
    assert referral.status is ReferralStatus.ACCEPTED and referral.responded_at is not None
    assert [e.status for e in events] == [ReferralStatus.SENT, ReferralStatus.ACCEPTED]
    assert events[-1].by_id == wren.id and events[-1].at is not None
    html = page_of(client, "/referrals")
    assert "Sam" in section(html, "open") and "Accepted" in section(html, "open")
    assert "Accepted" in page_of(client, f"/referrals/{sent}")


def test_accepting_twice_says_it_has_moved_on_without_an_error(client, login, harbour, sent, in_app):
    login(client, harbour[3])
    accept(client, sent)
    response = accept(client, sent)
    assert response.status_code == 302
    assert "moved on since you opened it" in page_of(client, f"/referrals/{sent}")
    assert len(referral_in(in_app, sent)[1]) == 2


@pytest.mark.parametrize("reason", list(DeclineReason))
def test_worker_declines_with_each_coded_reason(client, login, harbour, sent, in_app, reason):
    login(client, harbour[3])
    text = "We only work with over-25s" if reason is DeclineReason.OTHER else ""
    response = form_post(client, f"/referrals/{sent}/decline", {"reason": reason.value, "reason_text": text})
    assert response.status_code == 302
    referral, events = referral_in(in_app, sent)
    assert referral.status is ReferralStatus.DECLINED and referral.decline_reason is reason
    assert referral.decline_text == text
    assert events[-1].status is ReferralStatus.DECLINED and events[-1].decline_reason is reason
    # The referral stays in the finished section; once it is over, the person's name is no longer shared.
    finished = section(page_of(client, "/referrals"), "finished")
    assert "Declined" in finished and "Sam" not in finished


def test_declining_for_another_reason_without_words_is_an_error_next_to_the_field(client, login, harbour, sent, in_app):
    login(client, harbour[3])
    response = form_post(client, f"/referrals/{sent}/decline", {"reason": "other", "reason_text": "  "})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="reason_text-error"' in html and "Say why you are declining" in html
    assert "There is a problem" in html
    referral, events = referral_in(in_app, sent)
    assert referral.status is ReferralStatus.SENT and referral.decline_reason is None and len(events) == 1


@pytest.mark.parametrize("reason", ["", "because", "no_capacity\x01", "x" * 300])
def test_a_missing_or_unknown_decline_reason_is_an_error_not_a_crash(client, login, harbour, sent, in_app, reason):
    login(client, harbour[3])
    response = form_post(client, f"/referrals/{sent}/decline", {"reason": reason})
    assert response.status_code == 200
    assert "Choose why you are declining" in response.get_data(as_text=True)
    assert referral_in(in_app, sent)[0].status is ReferralStatus.SENT


def test_a_decline_reason_that_is_too_long_keeps_what_was_typed(client, login, harbour, sent, in_app):
    login(client, harbour[3])
    response = form_post(client, f"/referrals/{sent}/decline", {"reason": "other", "reason_text": "Long. " * 500})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "This is too long" in html and "Long. Long." in html
    assert referral_in(in_app, sent)[0].status is ReferralStatus.SENT


# Keeping the status up to date -----------------------------------------------------------------


def test_status_page_offers_only_the_moves_the_referral_can_make(client, login, harbour, sent):
    login(client, harbour[3])
    accept(client, sent)
    html = page_of(client, f"/referrals/{sent}/status")
    for status in ("in_contact", "engaged", "completed", "did_not_engage", "closed"):
        assert f'value="{status}"' in html
    assert 'value="withdrawn"' not in html and 'value="accepted"' not in html
    update(client, sent, "completed", "Housing found")
    html = page_of(client, f"/referrals/{sent}/status")
    assert 'value="closed"' in html and 'value="engaged"' not in html


def test_each_update_is_a_timestamped_event_with_its_note(client, login, harbour, sent, in_app):
    login(client, harbour[3])
    accept(client, sent)
    assert update(client, sent, "in_contact", "Spoke on Tuesday").status_code == 302
    assert update(client, sent, "engaged", "").status_code == 302
    _referral, events = referral_in(in_app, sent)
    assert [e.status for e in events][-2:] == [ReferralStatus.IN_CONTACT, ReferralStatus.ENGAGED]
    assert events[-2].note == "Spoke on Tuesday" and all(e.at for e in events)
    html = page_of(client, f"/referrals/{sent}")
    assert "Spoke on Tuesday" in html and "In contact" in html


@pytest.mark.parametrize("status", ["engaged", "withdrawn", "accepted", "sent", "nonsense", ""])
def test_an_invalid_status_move_is_a_clear_error_and_changes_nothing(client, login, harbour, sent, in_app, status):
    login(client, harbour[3])
    accept(client, sent)
    update(client, sent, "completed")
    response = update(client, sent, status)
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html[:300]
    assert "There is a problem" in html and 'id="status-error"' in html
    referral, events = referral_in(in_app, sent)
    assert referral.status is ReferralStatus.COMPLETED and len(events) == 3


def test_completed_to_engaged_says_why(client, login, harbour, sent):
    login(client, harbour[3])
    accept(client, sent)
    update(client, sent, "completed")
    html = update(client, sent, "engaged").get_data(as_text=True)
    assert "cannot be marked" in html and "Completed" in html


def test_updates_before_answering_or_after_closing_send_the_worker_back(client, login, harbour, sent, in_app):
    login(client, harbour[3])
    response = update(client, sent, "engaged")
    assert response.status_code == 302
    assert "Accept or decline this referral first." in page_of(client, f"/referrals/{sent}")
    accept(client, sent)
    update(client, sent, "closed")
    assert client.get(f"/referrals/{sent}/status").status_code == 302
    assert client.get(f"/referrals/{sent}/decline").status_code == 302
    assert referral_in(in_app, sent)[0].status is ReferralStatus.CLOSED


def test_completing_the_referral_ticks_the_linked_plan_step_done(client, login, harbour, sent, in_app):
    step_id = harbour[4]
    login(client, harbour[3])
    accept(client, sent)
    with in_app():
        assert not plans.load_item(step_id).is_done
    update(client, sent, "completed", "Tenancy signed")
    with in_app():
        assert plans.load_item(step_id).is_done


# Who may see and answer --------------------------------------------------------------------------

REFERRAL_URLS = [
    ("get", "/referrals/{id}"),
    ("get", "/referrals/{id}/decline"),
    ("post", "/referrals/{id}/decline"),
    ("post", "/referrals/{id}/accept"),
    ("get", "/referrals/{id}/status"),
    ("post", "/referrals/{id}/status"),
]


def _try_every_url(client, referral_id: int) -> list[int]:
    token = csrf_from(page_of(client, "/account"))
    codes = []
    for method, path in REFERRAL_URLS:
        url = path.format(id=referral_id)
        if method == "get":
            codes.append(client.get(url).status_code)
        else:
            codes.append(client.post(url, data={"csrf_token": token, "reason": "duplicate"}).status_code)
    return codes


def test_a_worker_of_another_organisation_gets_404_on_every_referral_url(client, login, harbour, sent, in_app):
    login(client, factories.org_worker(name="Other"))
    assert _try_every_url(client, sent) == [404] * len(REFERRAL_URLS)
    assert "Sam" not in page_of(client, "/referrals")
    assert referral_in(in_app, sent)[0].status is ReferralStatus.SENT


def test_advocates_and_the_person_cannot_use_the_organisation_pages(client, new_client, login, harbour, sent, in_app):
    alex, sam = harbour[0], harbour[1]
    for user in (alex, factories.individual(sam), factories.coordinator()):
        browser = new_client()
        login(browser, user)
        assert set(_try_every_url(browser, sent)) <= {403, 404}
        assert browser.get("/referrals").status_code == 403
    assert referral_in(in_app, sent)[0].status is ReferralStatus.SENT


def test_each_row_names_the_person_only_while_they_share_with_the_organisation_on_every_page_of_the_inbox(
    client, login, harbour, in_app
):
    """Sam shares and has a referral waiting; Jo's only referral is over (her agreement is spent); Kit withdrew."""
    alex, sam, organisation, wren, _step = harbour
    service_id = add_service(in_app, organisation)
    refer(in_app, alex, sam, service_id)
    jo, kit = factories.person(alex, name="Jo"), factories.person(alex, name="Kit")
    with in_app():
        harbour_housing = db.session.get(Organisation, organisation.id)
        for someone in (jo, kit):
            factories.sharing(db.session.get(Person, someone.id), harbour_housing, list(Category), by=alex)
        db.session.commit()
    over = refer(in_app, alex, jo, service_id)
    refer(in_app, alex, kit, service_id)
    with in_app():
        db.session.get(Referral, over).status = ReferralStatus.CLOSED
        for given in db.session.scalars(select(Consent).where(Consent.person_id == kit.id)):
            consent.withdraw(given, how=GivenHow.VERBAL, by=alex)
        db.session.commit()
    login(client, wren)
    first_page = page_of(client, "/referrals")
    new, finished = section(first_page, "new"), section(first_page, "finished")
    assert "Sam" in new and "Kit" not in new and "A person referred to you" in new
    assert "Jo" not in finished and "A person referred to you" in finished
    assert "Sam" in page_of(client, "/referrals?section=new") and "Kit" not in page_of(client, "/referrals?section=new")
    assert "Jo" not in page_of(client, "/referrals?section=finished")


def test_a_missing_referral_is_404(client, login, harbour):
    login(client, harbour[3])
    assert client.get("/referrals/999999").status_code == 404


# After withdrawal ------------------------------------------------------------------------------


def test_after_withdrawal_the_worker_keeps_the_history_but_not_the_shared_categories(
    client, login, harbour, sent, in_app
):
    alex, sam, _organisation, wren, _step = harbour
    login(client, wren)
    accept(client, sent)
    update(client, sent, "in_contact", "Left a voicemail")
    with in_app():
        for given in db.session.scalars(select(Consent).where(Consent.person_id == sam.id)):
            consent.withdraw(given, how=GivenHow.VERBAL, by=alex)
        db.session.commit()
    inbox = page_of(client, "/referrals")
    assert "Sam" not in inbox and "A person referred to you" in section(inbox, "open")
    html = page_of(client, f"/referrals/{sent}")
    assert NEED_TEXT not in html and NOTE not in html and "Sam" not in html
    assert "No longer shared" in html
    # The referral's own history stays: the statuses, when and by whom, without the notes.
    history = html[html.index('id="history"') :]
    assert "Accepted" in history and "In contact" in history and "Wren" in history
    assert "Left a voicemail" not in history
    # The worker can still record what happens next.
    assert update(client, sent, "closed").status_code == 302
    assert referral_in(in_app, sent)[0].status is ReferralStatus.CLOSED
