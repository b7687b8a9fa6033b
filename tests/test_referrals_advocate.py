"""Referrals from the advocate's and the person's side: find a service, refer on consent, follow in plain words."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from advocate_app import db
from advocate_app.clock import local_today
from advocate_app.consent.models import Category
from advocate_app.db import utcnow
from advocate_app.directory.models import CapacityStatus, Service, ServiceLanguage, ServiceNeedDomain
from advocate_app.people.models import Person
from advocate_app.plans import services as plans
from advocate_app.plans.models import ItemKind, PlanItem, PlanItemRevision, StepOwner
from advocate_app.referrals import services as referrals
from advocate_app.referrals.models import DeclineReason, Referral, ReferralStatus
from tests import factories
from tests.conftest import as_read, count_queries, form_post


def _service(organisation, name, *, domains=("housing",), languages=("en",), capacity=CapacityStatus.OPEN, days=3):
    service = Service(
        organisation_id=organisation.id,
        name=name,
        capacity_status=capacity,
        response_target_days=days,
        area_description="Northshire",
        eligibility_description="Anyone aged 16 or over",
        need_domains=[ServiceNeedDomain(domain=d) for d in domains],
        languages=[ServiceLanguage(language=code) for code in languages],
    )
    db.session.add(service)
    db.session.commit()
    return service


def _agree(person, advocate, organisation, categories):
    factories.sharing(person, organisation, categories, by=advocate, purpose="help find a safe home")
    db.session.commit()


def _step(person, advocate, text="Ask for housing advice", domain="housing"):
    plan = plans.active_plan(person.id) or plans.start_plan(person.id, by=advocate)
    need = plans.add_item(
        plan, ItemKind.NEED, plans.ItemFields("Somewhere safe", domain=domain, priority=1), by=advocate
    )
    goal = plans.add_item(plan, ItemKind.GOAL, plans.ItemFields("Move before winter"), by=advocate, parent=need)
    step = plans.add_item(
        plan, ItemKind.STEP, plans.ItemFields(text, owner=StepOwner.ADVOCATE), by=advocate, parent=goal
    )
    db.session.commit()
    return step


def _refer(person_id, service_id, step_id, by_id, categories=(Category.NEEDS,), note=""):
    """A referral made through the service, as the form would (for stories that start after one exists)."""
    step = plans.load_item(step_id) if step_id else None
    referral = referrals.make_referral(
        db.session.get(Person, person_id),
        db.session.get(Service, service_id),
        categories=categories,
        by=db.session.get(factories.User, by_id),
        today=local_today(),
        step=step,
        note=note,
    )
    db.session.commit()
    return referral


@pytest.fixture
def jo(app, in_app):
    """Jo, on Alex's caseload, agreed to Harbour seeing their needs and plan; Jo has a plan step about housing."""
    alex = factories.advocate(name="Alex Morgan")
    jo = factories.person(alex, name="Jo", area="Northshire")
    jo_login = factories.individual(jo, username="jo")
    harbour = factories.organisation("Harbour Housing Advice")
    harbour_worker = factories.org_worker(organisation_id=harbour.id)
    elsewhere = factories.organisation("Open Door")
    with in_app():
        _agree(jo, alex, harbour, [Category.NEEDS, Category.PLAN])
        housing = _service(harbour, "Housing advice")
        step = _step(jo, alex)
        other = _service(elsewhere, "Tenancy rescue")
        ids = {"housing": housing.id, "step": step.id, "goal": step.parent_id, "other": other.id}
    return {
        "alex": alex,
        "jo": jo,
        "jo_login": jo_login,
        "harbour": harbour,
        "worker": harbour_worker,
        "elsewhere": elsewhere,
        **ids,
    }


def _new_path(w, service_key="housing"):
    return f"/people/{w['jo'].id}/referrals/new?service={w[service_key]}&step={w['step']}"


def _ticked_choices(html: str) -> set[str]:
    return set(
        re.findall(
            r'<input class="govuk-checkboxes__input" id="categories[^"]*" name="categories" '
            r'type="checkbox" value="([^"]+)"',
            html,
        )
    )


def test_advocate_refers_jo_from_a_plan_step_sharing_only_what_jo_agreed(client, login, jo, in_app):
    login(client, jo["alex"])
    plan = as_read(client.get(f"/people/{jo['jo'].id}/plan").get_data(as_text=True))
    assert f"/people/{jo['jo'].id}/plan/goals/{jo['goal']}" in plan
    goal = as_read(client.get(f"/people/{jo['jo'].id}/plan/goals/{jo['goal']}").get_data(as_text=True))
    assert f"/people/{jo['jo'].id}/referrals/find?step={jo['step']}" in goal and "Refer to a service" in goal

    found = as_read(client.get(f"/people/{jo['jo'].id}/referrals/find?step={jo['step']}").get_data(as_text=True))
    assert "Housing advice" in found and "Harbour Housing Advice" in found

    form = as_read(client.get(_new_path(jo)).get_data(as_text=True))
    assert _ticked_choices(form) == {"needs", "plan"}
    respond_by = local_today() + timedelta(days=3)
    assert f"reply by {respond_by.day} " in form

    response = form_post(
        client, _new_path(jo), {"categories": ["needs", "plan"], "urgency": "soon", "note": "Evening calls are best."}
    )
    assert response.status_code == 302
    goal_page = f"/people/{jo['jo'].id}/plan/goals/{jo['goal']}"
    assert response.headers["Location"].endswith(f"{goal_page}#item-{jo['step']}")
    with in_app():
        referral = db.session.scalar(select(Referral))
        assert referral.category_set == {"needs", "plan"} and referral.urgency.value == "soon"
        assert referral.step_id == jo["step"] and referral.respond_by == respond_by
        step = db.session.get(PlanItem, jo["step"])
        assert step.owner is StepOwner.ORGANISATION and step.owner_detail == "Housing advice"
        last = db.session.scalars(
            select(PlanItemRevision).where(PlanItemRevision.item_id == step.id).order_by(PlanItemRevision.id.desc())
        ).first()
        assert last.fields["owner"] == "organisation" and last.fields["owner_detail"] == "Housing advice"

    plan = as_read(client.get(goal_page).get_data(as_text=True))
    assert "Housing advice (Harbour Housing Advice) is looking at it: they aim to reply by" in plan


def test_a_referral_without_a_covering_consent_is_refused_with_a_clear_message(client, login, jo, in_app):
    login(client, jo["alex"])
    path = _new_path(jo, "other")
    page = as_read(client.get(path).get_data(as_text=True))
    message = "Jo has not agreed to share anything with Open Door. Ask them, or record their agreement first."
    assert message in page and f"/people/{jo['jo'].id}/consents/sharing" in page
    assert 'name="categories"' not in page

    refused = form_post(
        client, path, {"categories": ["needs"], "urgency": "routine"}, token_from=f"/people/{jo['jo'].id}/plan"
    )
    assert refused.status_code == 200 and message in as_read(refused.get_data(as_text=True))
    with in_app():
        assert db.session.scalar(select(func.count(Referral.id))) == 0


def test_categories_beyond_the_consent_are_refused(client, login, jo, in_app):
    login(client, jo["alex"])
    refused = form_post(client, _new_path(jo), {"categories": ["needs", "notes"], "urgency": "routine"})
    assert refused.status_code == 200
    assert "You can only share what Jo has agreed to share with Harbour Housing Advice." in as_read(
        refused.get_data(as_text=True)
    )
    with in_app():
        assert db.session.scalar(select(func.count(Referral.id))) == 0
        # and the rule holds in the service, whatever a form lets through
        with pytest.raises(referrals.ReferralError) as refused_by_service:
            _refer(jo["jo"].id, jo["housing"], jo["step"], jo["alex"].id, categories=[Category.NOTES])
        assert refused_by_service.value.code == "consent"


def test_a_closed_service_cannot_be_referred_to(client, login, jo, in_app):
    with in_app():
        closed = _service(jo["harbour"], "Family mediation", capacity=CapacityStatus.CLOSED)
        closed_id = closed.id
    login(client, jo["alex"])
    path = f"/people/{jo['jo'].id}/referrals/new?service={closed_id}&step={jo['step']}"
    assert "is not taking referrals at the moment" in as_read(client.get(path).get_data(as_text=True))
    refused = form_post(
        client, path, {"categories": ["needs"], "urgency": "routine"}, token_from=f"/people/{jo['jo'].id}/plan"
    )
    assert "Family mediation is not taking referrals at the moment" in as_read(refused.get_data(as_text=True))
    found = as_read(
        client.get(f"/people/{jo['jo'].id}/referrals/find?filtered=1&domain=housing").get_data(as_text=True)
    )
    assert "Family mediation" in found and f"service={closed_id}" not in found
    with in_app():
        assert db.session.scalar(select(func.count(Referral.id))) == 0


def test_jo_sees_their_referrals_in_plain_words_and_never_the_notes(client, new_client, login, jo, in_app):
    with in_app():
        # Jo chose that messages may say who they are from, so Harbour (Jo agreed to share with it) is named.
        db.session.get(Person, jo["jo"].id).may_name_organisation = True
        accepted = _refer(jo["jo"].id, jo["housing"], jo["step"], jo["alex"].id, note="NOTE-FOR-HARBOUR")
        declined = _refer(jo["jo"].id, jo["housing"], None, jo["alex"].id, note="ANOTHER-NOTE")
        worker = db.session.get(factories.User, jo["worker"].id)
        referrals.change_status(accepted, ReferralStatus.ACCEPTED, by=worker, note="INTERNAL-EVENT-NOTE")
        referrals.change_status(
            declined, ReferralStatus.DECLINED, by=worker, reason=DeclineReason.OTHER, reason_text="DECLINE-FREE-TEXT"
        )
        db.session.commit()
    login(client, jo["jo_login"])
    for path in (f"/people/{jo['jo'].id}/referrals", "/me"):
        page = as_read(client.get(path).get_data(as_text=True))
        for secret in ("NOTE-FOR-HARBOUR", "ANOTHER-NOTE", "INTERNAL-EVENT-NOTE", "DECLINE-FREE-TEXT"):
            assert secret not in page, (path, secret)
    mine = as_read(client.get(f"/people/{jo['jo'].id}/referrals").get_data(as_text=True))
    assert "Housing advice (Harbour Housing Advice) has accepted — they will contact you." in mine
    assert "could not take this on. Your advocate will talk to you about other places." in mine
    assert "Withdraw" not in mine and "Another reason" not in mine
    own_goal = as_read(client.get(f"/people/{jo['jo'].id}/plan/goals/{jo['goal']}").get_data(as_text=True))
    assert "has accepted — they will contact you." in own_goal and "Refer to a service" not in own_goal
    assert f"/people/{jo['jo'].id}/referrals" in as_read(client.get("/me").get_data(as_text=True))


def test_after_a_decline_the_advocate_sees_the_reason_and_other_places(client, login, jo, in_app):
    with in_app():
        referral = _refer(jo["jo"].id, jo["housing"], jo["step"], jo["alex"].id)
        worker = db.session.get(factories.User, jo["worker"].id)
        referrals.change_status(referral, ReferralStatus.DECLINED, by=worker, reason=DeclineReason.NO_CAPACITY)
        _service(jo["elsewhere"], "Closed for now", capacity=CapacityStatus.CLOSED)
        _service(jo["elsewhere"], "Debt advice", domains=("money",))
        db.session.commit()
    login(client, jo["alex"])
    page = as_read(client.get(f"/people/{jo['jo'].id}/referrals").get_data(as_text=True))
    assert "They have no space at the moment" in page
    assert "Refer to Tenancy rescue" in page
    assert f"/people/{jo['jo'].id}/referrals/new?service={jo['other']}&amp;step={jo['step']}" in page
    assert "Refer to Closed for now" not in page and "Refer to Debt advice" not in page
    assert "History" in page


def _declined_by_harbour(jo, in_app, reason):
    """Harbour declines Jo's referral to Housing advice; Harbour also runs Tenancy support (same need, open)."""
    with in_app():
        referral = _refer(jo["jo"].id, jo["housing"], jo["step"], jo["alex"].id)
        sibling = _service(jo["harbour"], "Tenancy support")
        worker = db.session.get(factories.User, jo["worker"].id)
        referrals.change_status(referral, ReferralStatus.DECLINED, by=worker, reason=reason, reason_text="x")
        db.session.get(Service, jo["other"]).capacity_status = CapacityStatus.CLOSED
        db.session.commit()
        return sibling.id


@pytest.mark.parametrize("reason", [DeclineReason.NO_CAPACITY, DeclineReason.PERSON_DECLINED, DeclineReason.OTHER])
def test_after_a_decline_for_this_service_the_same_organisations_other_services_are_offered(
    client, login, jo, in_app, reason
):
    sibling = _declined_by_harbour(jo, in_app, reason)
    login(client, jo["alex"])
    page = as_read(client.get(f"/people/{jo['jo'].id}/referrals").get_data(as_text=True))
    assert "Refer to Tenancy support" in page
    assert f"referrals/new?service={sibling}&amp;step={jo['step']}" in page
    assert "No other service for this need" not in page


def test_after_not_eligible_the_same_organisation_is_left_out_and_the_page_says_why(client, login, jo, in_app):
    _declined_by_harbour(jo, in_app, DeclineReason.NOT_ELIGIBLE)
    login(client, jo["alex"])
    page = as_read(client.get(f"/people/{jo['jo'].id}/referrals").get_data(as_text=True))
    assert "Refer to Tenancy support" not in page
    assert "No other service for this need is taking referrals right now." not in page
    assert "Other services of Harbour Housing Advice are left out because of the reason they gave." in page


def test_an_open_referral_can_be_withdrawn_once(client, login, jo, in_app):
    with in_app():
        referral_id = _refer(jo["jo"].id, jo["housing"], jo["step"], jo["alex"].id).id
    login(client, jo["alex"])
    path = f"/people/{jo['jo'].id}/referrals/{referral_id}/withdraw"
    page = f"/people/{jo['jo'].id}/referrals"
    assert "Withdraw this referral" in as_read(client.get(page).get_data(as_text=True))
    done = form_post(client, path, {}, token_from=page)
    assert done.status_code == 302
    with in_app():
        assert db.session.get(Referral, referral_id).status is ReferralStatus.WITHDRAWN
    after = as_read(client.get(page).get_data(as_text=True))
    assert "The referral has been withdrawn." in after and "Withdraw this referral" not in after
    again = form_post(client, path, {}, token_from=f"/people/{jo['jo'].id}/plan", follow_redirects=True)
    assert "no longer open, so it cannot be withdrawn" in as_read(again.get_data(as_text=True))
    with in_app():
        assert len(referrals.load(referral_id).events) == 2


@pytest.mark.parametrize(
    "answers, words",
    [
        (1, "1 referral answered so far: too few to say how they usually reply"),
        (4, "4 referrals answered so far: too few to say how they usually reply"),
        (5, "Usually replies the same day, 100% accepted (from 5 answered referrals)"),
    ],
)
def test_figures_say_the_same_day_and_wait_for_five_answers_before_showing_a_pattern(
    client, login, jo, in_app, answers, words
):
    with in_app():
        worker = db.session.get(factories.User, jo["worker"].id)
        for _ in range(answers):
            referrals.change_status(
                _refer(jo["jo"].id, jo["housing"], None, jo["alex"].id), ReferralStatus.ACCEPTED, by=worker
            )
        db.session.commit()
    login(client, jo["alex"])
    page = client.get(f"/people/{jo['jo'].id}/referrals/find?step={jo['step']}").get_data(as_text=True)
    assert words in page
    assert "replies in 0 days" not in page and "% accepted (from 1 " not in page


def test_advocates_outside_the_caseload_and_the_person_cannot_refer_or_withdraw(client, login, jo, in_app):
    with in_app():
        referral_id = _refer(jo["jo"].id, jo["housing"], jo["step"], jo["alex"].id).id
    login(client, factories.advocate(name="Bea"))
    base = f"/people/{jo['jo'].id}/referrals"
    for path in (f"{base}/find", _new_path(jo), base):
        assert client.get(path).status_code == 404, path
    assert form_post(client, f"{base}/{referral_id}/withdraw", {}, token_from="/people").status_code == 404
    with in_app():
        assert db.session.get(Referral, referral_id).status is ReferralStatus.SENT


def test_find_filters_by_domain_language_and_capacity_and_shows_figures_from_real_referrals(client, login, jo, in_app):
    with in_app():
        _service(jo["harbour"], "Polish housing line", languages=("pl",))
        _service(jo["harbour"], "Waiting-list housing", capacity=CapacityStatus.WAITING_LIST)
        _service(jo["harbour"], "Closed housing", capacity=CapacityStatus.CLOSED)
        _service(jo["harbour"], "Money clinic", domains=("money",))
        worker = db.session.get(factories.User, jo["worker"].id)
        answers = (ReferralStatus.ACCEPTED,) * 4 + (ReferralStatus.DECLINED,)
        for status in answers:
            referral = _refer(jo["jo"].id, jo["housing"], None, jo["alex"].id)
            referral.created_at = utcnow() - timedelta(days=4)
            reason = DeclineReason.NO_CAPACITY if status is ReferralStatus.DECLINED else None
            referrals.change_status(referral, status, by=worker, reason=reason)
        _refer(jo["jo"].id, jo["housing"], None, jo["alex"].id)  # not answered yet: not in the figures
        db.session.commit()
    login(client, jo["alex"])
    base = f"/people/{jo['jo'].id}/referrals/find"

    by_default = as_read(client.get(f"{base}?step={jo['step']}").get_data(as_text=True))
    assert 'value="housing" selected' in by_default.replace('selected=""', "selected")
    names = set(re.findall(r'<h3 class="govuk-heading-s app-card__title">([^<]+)</h3>', by_default))
    assert names == {"Housing advice", "Waiting-list housing", "Tenancy rescue"}
    assert "Usually replies in 4 days, 80% accepted (from 5 answered referrals)" in by_default
    assert "No referrals yet" in by_default

    everything = as_read(client.get(f"{base}?filtered=1&domain=housing").get_data(as_text=True))
    assert "Closed housing" in everything and "Polish housing line" in everything
    assert "Money clinic" not in everything
    polish = as_read(client.get(f"{base}?filtered=1&domain=housing&language=pl&open=1").get_data(as_text=True))
    assert "Polish housing line" in polish and "Housing advice" not in polish
    money = as_read(client.get(f"{base}?filtered=1&domain=money&open=1").get_data(as_text=True))
    assert "Money clinic" in money and "Tenancy rescue" not in money
    assert "Open Door" not in money
    bad_age = as_read(client.get(f"{base}?filtered=1&age=old").get_data(as_text=True))
    assert "govuk-error-summary" in bad_age


def test_the_caseload_counts_referrals_waiting_past_their_reply_date(client, login, jo, in_app):
    with in_app():
        late = _refer(jo["jo"].id, jo["housing"], None, jo["alex"].id)
        late.respond_by = local_today() - timedelta(days=1)
        _refer(jo["jo"].id, jo["housing"], None, jo["alex"].id)  # still in time
        db.session.commit()
    login(client, jo["alex"])
    caseload = as_read(client.get("/people").get_data(as_text=True))
    assert "1 referral waiting past its reply date" in caseload
    page = as_read(client.get(f"/people/{jo['jo'].id}/referrals").get_data(as_text=True))
    assert page.count("No reply yet: it was due by") == 1



def _more_referrals(in_app, w, how_many: int) -> None:
    with in_app():
        worker = db.session.get(factories.User, w["worker"].id)
        for n in range(how_many):
            step = _step(db.session.get(Person, w["jo"].id), db.session.get(factories.User, w["alex"].id), f"Step {n}")
            referral = _refer(w["jo"].id, w["housing"], step.id, w["alex"].id)
            if n % 2 == 0:  # the first too, so both counts include the search for other places
                referrals.change_status(referral, ReferralStatus.DECLINED, by=worker, reason=DeclineReason.DUPLICATE)
            else:
                referrals.change_status(referral, ReferralStatus.ACCEPTED, by=worker)
        db.session.commit()


def test_pages_make_as_many_queries_for_twenty_referrals_as_for_two(app, client, new_client, login, jo, in_app):
    login(client, jo["alex"])
    phone = new_client()
    login(phone, jo["jo_login"])
    paths = [
        (client, f"/people/{jo['jo'].id}/referrals/find?step={jo['step']}"),
        (client, f"/people/{jo['jo'].id}/referrals"),
        (phone, f"/people/{jo['jo'].id}/referrals"),
        (client, f"/people/{jo['jo'].id}/plan"),
        (client, "/people"),
    ]
    # One declined and one accepted: a plan page reads who is helping only where someone may be.
    _more_referrals(in_app, jo, 2)
    two = [count_queries(app, visitor, path) for visitor, path in paths]
    _more_referrals(in_app, jo, 18)
    twenty = [count_queries(app, visitor, path) for visitor, path in paths]
    assert two == twenty
