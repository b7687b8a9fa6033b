"""Partnership reviews: due on a cycle, partners flagged for no engagement or no movement, the people's verdicts
from five answers, and a decision that stops a service being offered for one need (and only that need)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from advocate_app import db
from advocate_app.audit.models import AuditEvent
from advocate_app.clock import local_today
from advocate_app.consent.models import Category
from advocate_app.directory.models import Organisation, ReferralStop, Service
from advocate_app.evidence.export import build
from advocate_app.evidence.period import Period
from advocate_app.evidence.queries import Scope
from advocate_app.plans.models import ItemKind, RatedBy
from advocate_app.plans.outcomes import record_check_in
from advocate_app.referrals import services as referrals
from advocate_app.referrals.models import ReferralStatus
from advocate_app.team import reviews
from advocate_app.team.review_models import PartnershipReview, ReviewDecision
from tests import factories
from tests.conftest import as_read, count_queries, form_post
from tests.verdict_world import finished_referral, rated, service


@pytest.fixture
def partners(app):
    """Harbour (housing and money advice) and Northside (housing); a worker each, Alex and Casey the coordinator."""
    with app.app_context():
        harbour = factories.organisation("Harbour Housing Advice")
        northside = factories.organisation("Northside Homes")
        both = service(harbour, "Housing and money advice", domains=("housing", "money"))
        north_housing = service(northside, "Northside housing", domains=("housing",))
        db.session.commit()
        return {
            "harbour": harbour.id,
            "northside": northside.id,
            "both": both.id,
            "north_housing": north_housing.id,
            "harbour_worker": factories.org_worker(organisation_id=harbour.id),
            "northside_worker": factories.org_worker(organisation_id=northside.id),
            "alex": factories.advocate(name="Alex Morgan"),
            "casey": factories.coordinator(name="Casey Brennan"),
        }


def _review(organisation_id, casey, held_on, decision=ReviewDecision.KEEP, months=6, **fields):
    organisation = db.session.get(Organisation, organisation_id)
    return reviews.hold_review(
        organisation,
        reviews.Decision(decision=decision, held_on=held_on, reasons=fields.pop("reasons", "Working well"), **fields),
        by=casey,
        today=local_today(),
        months=months,
    )


def test_reviews_are_listed_by_when_they_fall_due_every_six_months(app, client, login, partners):
    today = local_today()
    with app.app_context():
        _review(partners["harbour"], partners["casey"], reviews.months_after(today, -6))
        _review(partners["northside"], partners["casey"], today - timedelta(days=1))
        db.session.commit()
    login(client, partners["casey"])
    page = as_read(client.get("/partnership/reviews").get_data(as_text=True))
    due_now, later = page.split("Due now or within a month")[1].split(">Later<")
    assert "Harbour Housing Advice" in due_now and "Northside Homes" not in due_now
    assert "Northside Homes" in later


def test_the_cycle_is_configurable(app_factory):
    app = app_factory(PARTNERSHIP_REVIEW_MONTHS=3)
    factories.use(app)
    with app.app_context():
        organisation = factories.organisation("Harbour")
        casey = factories.coordinator()
        review = _review(organisation.id, casey, local_today(), months=app.config["PARTNERSHIP_REVIEW_MONTHS"])
        assert review.next_due == reviews.months_after(local_today(), 3)


def test_a_partner_whose_referrals_showed_no_engagement_over_two_cycles_is_flagged(app, client, login, partners):
    with app.app_context():
        sam = factories.person(partners["alex"], name="Sam")
        factories.sharing(
            sam, db.session.get(Organisation, partners["northside"]), [Category.CONTACT], by=partners["alex"]
        )
        referral = factories.referral(
            sam, db.session.get(Service, partners["north_housing"]), [Category.CONTACT], by=partners["alex"]
        )
        referrals.change_status(referral, ReferralStatus.ACCEPTED, by=partners["northside_worker"])
        referrals.change_status(referral, ReferralStatus.DID_NOT_ENGAGE, by=partners["northside_worker"])
        finished_referral(partners["alex"], partners["harbour_worker"], db.session.get(Service, partners["both"]))
        db.session.commit()
    login(client, partners["casey"])
    page = as_read(client.get("/partnership/reviews").get_data(as_text=True))
    northside = page.split(f'id="organisation-{partners["northside"]}"')[1].split("</li>")[0]
    harbour = page.split(f'id="organisation-{partners["harbour"]}"')[1].split("</li>")[0]
    assert "No engagement" in northside
    assert "No engagement" not in harbour


def _helped_with_housing(app, partners, service_key, worker_key, scores):
    """A person referred for housing, and their housing check-ins since."""
    with app.app_context():
        person = factories.person(partners["alex"])
        plan = factories.plan(person, by=partners["alex"])
        need = factories.entry(plan, ItemKind.NEED, "A home", by=partners["alex"], domain="housing")
        goal = factories.entry(plan, ItemKind.GOAL, "Move", by=partners["alex"], parent=need)
        step = factories.entry(plan, ItemKind.STEP, "Go to Harbour", by=partners["alex"], parent=goal)
        finished_referral(
            partners["alex"],
            partners[worker_key],
            db.session.get(Service, partners[service_key]),
            person=person,
            step=step,
        )
        for days_ago, score in zip(range(len(scores), 0, -1), scores, strict=True):
            record_check_in(
                person.id,
                domain="housing",
                score=score,
                rated_by=RatedBy.PERSON,
                taken_on=local_today() - timedelta(days=days_ago),
                by=partners["alex"],
            )
        db.session.commit()


def test_a_partner_whose_people_did_not_move_is_flagged_and_one_whose_people_did_is_not(app, client, login, partners):
    _helped_with_housing(app, partners, "north_housing", "northside_worker", [5, 5])
    _helped_with_housing(app, partners, "north_housing", "northside_worker", [6, 3])
    _helped_with_housing(app, partners, "both", "harbour_worker", [3, 7])
    with app.app_context():
        flagged = reviews.flags(local_today(), 6)
    assert reviews.NO_MOVEMENT in flagged[partners["northside"]]
    assert reviews.NO_MOVEMENT not in flagged.get(partners["harbour"], [])


def test_the_review_s_figures_match_what_was_counted_by_hand(app, client, login, partners):
    # Harbour led housing for four people: 3 → 6 (better), 5 → 5 (same), 6 → 4 (worse), one check-in only.
    for scores in ([3, 6], [5, 5], [6, 4], [4]):
        _helped_with_housing(app, partners, "both", "harbour_worker", scores)
    with app.app_context():
        # One more sent and declined; and five verdicts: 5, 4, 4, 2, 1.
        sam = factories.person(partners["alex"], name="Sam")
        harbour = db.session.get(Organisation, partners["harbour"])
        factories.sharing(sam, harbour, [Category.CONTACT], by=partners["alex"])
        declined = factories.referral(
            sam, db.session.get(Service, partners["both"]), [Category.CONTACT], by=partners["alex"]
        )
        referrals.change_status(
            declined, ReferralStatus.DECLINED, by=partners["harbour_worker"], reason=referrals.DeclineReason.NO_CAPACITY
        )
        rated(partners["alex"], partners["harbour_worker"], db.session.get(Service, partners["both"]), [5, 4, 4, 2, 1])
        figures = reviews.review_figures(harbour, today=local_today(), months=6)
        (loop,) = figures.services_loop
        assert (loop.sent, loop.accepted, loop.declined) == (10, 9, 1)
        assert loop.outcomes[ReferralStatus.COMPLETED] == 9
        # The five rated referrals had no step: they count under the service's first need (housing), unmeasured.
        (housing,) = [m for m in figures.movement if m.domain == "housing"]
        assert (housing.people, housing.better, housing.same, housing.worse) == (4 + 5, 1, 1, 1)
        assert (figures.verdicts.answered, figures.verdicts.helped) == (5, 3)
        today = local_today()
        export = build(
            Scope(people=None, period=Period(today.replace(day=1), today.replace(day=1)), today=today), b"k" * 32
        )
        (row,) = export.files["verdicts.csv"]
        # 3 said it helped and 2 did not: the 2 is from 1 to 4, so the 3 would give it away.
        assert (row["answered"], row["said_it_helped"], row["said_it_helped_percent"]) == (
            5,
            "suppressed",
            "suppressed",
        )
    login(client, partners["casey"])
    page = as_read(client.get(f"/partnership/reviews/{partners['harbour']}").get_data(as_text=True))
    assert "3 of 5 people said this helped" in page


def test_the_review_shows_no_verdict_below_five_answers(app, client, login, partners):
    with app.app_context():
        rated(partners["alex"], partners["harbour_worker"], db.session.get(Service, partners["both"]), [5, 5, 5, 5])
    login(client, partners["casey"])
    page = as_read(client.get(f"/partnership/reviews/{partners['harbour']}").get_data(as_text=True))
    assert "said this helped" not in page and "Fewer than 5 people" in page


def test_the_export_shows_verdict_counts_once_neither_part_is_small(app, partners):
    with app.app_context():
        rated(
            partners["alex"],
            partners["harbour_worker"],
            db.session.get(Service, partners["both"]),
            [5, 5, 5, 5, 4, 1, 1, 2, 3, 3],
        )
        rated(
            partners["alex"], partners["northside_worker"], db.session.get(Service, partners["north_housing"]), [5, 5]
        )
        today = local_today()
        export = build(
            Scope(people=None, period=Period(today.replace(day=1), today.replace(day=1)), today=today), b"k" * 32
        )
        rows = {row["service"]: row for row in export.files["verdicts.csv"]}
        assert rows["Housing and money advice"]["answered"] == 10
        assert rows["Housing and money advice"]["said_it_helped"] == 5
        assert rows["Housing and money advice"]["said_it_helped_percent"] == 50
        assert rows["Northside housing"]["answered"] == "suppressed"
        assert "verdicts.csv" in export.text_of("data_dictionary.csv")


def _find(client, person_id, need_id, domain):
    return as_read(
        client.get(f"/people/{person_id}/referrals/find?need={need_id}&filtered=1&domain={domain}").get_data(
            as_text=True
        )
    )


def test_stopping_a_service_for_a_need_takes_it_out_of_find_a_service_for_that_need_only(
    app, client, new_client, login, partners
):
    with app.app_context():
        sam = factories.person(partners["alex"], name="Sam")
        factories.sharing(
            sam, db.session.get(Organisation, partners["harbour"]), [Category.CONTACT], by=partners["alex"]
        )
        plan = factories.plan(sam, by=partners["alex"])
        housing = factories.entry(plan, ItemKind.NEED, "A home", by=partners["alex"], domain="housing")
        money = factories.entry(plan, ItemKind.NEED, "Debts", by=partners["alex"], domain="money")
        db.session.commit()
        ids = {"sam": sam.id, "housing": housing.id, "money": money.id}
    login(client, partners["casey"])
    response = form_post(
        client,
        f"/partnership/reviews/{partners['harbour']}",
        {
            "held_on-day": str(local_today().day),
            "held_on-month": str(local_today().month),
            "held_on-year": str(local_today().year),
            "decision": "stop",
            "stop_service": str(partners["both"]),
            "stop_domain": "housing",
            "reasons": "Nobody referred for housing moved in a year.",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(ReferralStop.domain)) == "housing"
        assert db.session.scalar(select(AuditEvent.id).where(AuditEvent.action == "referrals_stopped")) is not None
    client = new_client()
    login(client, partners["alex"])
    assert "Housing and money advice" not in _find(client, ids["sam"], ids["housing"], "housing")
    assert "Northside housing" in _find(client, ids["sam"], ids["housing"], "housing")
    assert "Housing and money advice" in _find(client, ids["sam"], ids["money"], "money")
    browse = as_read(client.get("/directory?domain=housing").get_data(as_text=True))
    assert "Housing and money advice" not in browse and "Northside housing" in browse
    assert "Housing and money advice" in as_read(client.get("/directory?domain=money").get_data(as_text=True))
    # Nor can it be reached by its address for that need.
    path = f"/people/{ids['sam']}/referrals/new?service={partners['both']}&need={ids['housing']}"
    refused = form_post(client, path, {"categories": "contact", "urgency": "routine"})
    assert refused.status_code == 200
    assert "stopped referring to Housing and money advice for this need" in as_read(refused.get_data(as_text=True))
    path = f"/people/{ids['sam']}/referrals/new?service={partners['both']}&need={ids['money']}"
    assert form_post(client, path, {"categories": "contact", "urgency": "routine"}).status_code == 302


def _stopped_for_housing(app, partners, held_on):
    with app.app_context():
        _review(
            partners["harbour"],
            partners["casey"],
            held_on,
            ReviewDecision.STOP,
            stop_service_id=partners["both"],
            stop_domain="housing",
            reasons="Nobody referred for housing moved in a year.",
        )
        sam = factories.person(partners["alex"], name="Sam")
        plan = factories.plan(sam, by=partners["alex"])
        housing = factories.entry(plan, ItemKind.NEED, "A home", by=partners["alex"], domain="housing")
        db.session.commit()
        return db.session.scalar(select(ReferralStop.id)), sam.id, housing.id


def _decide(client, partners, **fields):
    today = local_today()
    date = {"held_on-day": str(today.day), "held_on-month": str(today.month), "held_on-year": str(today.year)}
    return form_post(client, f"/partnership/reviews/{partners['harbour']}", {**date, **fields})


@pytest.mark.parametrize(
    ("decision", "change_what"), [("keep", ""), ("change", "They take housing referrals again, with a named contact")]
)
def test_a_later_review_lifts_the_stop_and_the_service_is_offered_for_that_need_again(
    app, client, new_client, login, partners, decision, change_what
):
    stop_id, sam_id, housing_id = _stopped_for_housing(app, partners, local_today() - timedelta(days=200))
    advocate = new_client()
    login(advocate, partners["alex"])
    assert "Housing and money advice" not in _find(advocate, sam_id, housing_id, "housing")

    login(client, partners["casey"])
    page = as_read(client.get(f"/partnership/reviews/{partners['harbour']}").get_data(as_text=True))
    assert "Offer a stopped service again" in page
    response = _decide(
        client,
        partners,
        decision=decision,
        change_what=change_what,
        lift_stop=str(stop_id),
        reasons="A new housing worker started and people are moving again.",
    )
    assert response.status_code == 302

    with app.app_context():
        assert db.session.scalar(select(ReferralStop)) is None
        latest = db.session.scalars(select(PartnershipReview).order_by(PartnershipReview.id.desc())).first()
        assert (latest.decision.value, latest.offered_again_service_id, latest.offered_again_domain) == (
            decision,
            partners["both"],
            "housing",
        )
        resumed = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "referrals_resumed")).all()
        assert [(e.object_type, e.object_id, e.actor_id) for e in resumed] == [
            ("service", partners["both"], partners["casey"].id)
        ]
    assert "Housing and money advice" in _find(advocate, sam_id, housing_id, "housing")
    page = as_read(client.get(f"/partnership/reviews/{partners['harbour']}").get_data(as_text=True))
    assert "Offered again: Housing and money advice, for Housing" in page
    assert "Offer a stopped service again" not in page


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"decision": "stop", "stop_service": "both", "stop_domain": "money"}, "A decision to stop cannot also offer"),
        ({"decision": "keep", "lift": "another"}, "Choose a service this review stopped, or none"),
    ],
)
def test_lifting_a_stop_wrongly_says_so_and_the_stop_stands(app, client, login, partners, fields, message):
    stop_id, _, _ = _stopped_for_housing(app, partners, local_today() - timedelta(days=200))
    with app.app_context():
        _review(
            partners["northside"],
            partners["casey"],
            local_today() - timedelta(days=200),
            ReviewDecision.STOP,
            stop_service_id=partners["north_housing"],
            stop_domain="housing",
        )
        db.session.commit()
        northside_stop = db.session.scalar(select(ReferralStop.id).where(ReferralStop.id != stop_id))
    fields = dict(fields)
    lift = str(northside_stop) if fields.pop("lift", "") == "another" else str(stop_id)
    if "stop_service" in fields:
        fields["stop_service"] = str(partners["both"])
    login(client, partners["casey"])
    page = _decide(client, partners, lift_stop=lift, reasons="Looked again", **fields)
    assert page.status_code == 200
    assert message in as_read(page.get_data(as_text=True))
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ReferralStop)) == 2
        assert db.session.scalar(select(func.count()).select_from(PartnershipReview)) == 2


def test_the_directory_says_when_an_organisation_was_reviewed(app, client, login, partners):
    with app.app_context():
        _review(partners["harbour"], partners["casey"], local_today())
        db.session.commit()
    login(client, partners["alex"])
    page = as_read(client.get(f"/directory/services/{partners['both']}").get_data(as_text=True))
    assert "Reviewed on" in page
    assert "Not reviewed yet" in as_read(
        client.get(f"/directory/services/{partners['north_housing']}").get_data(as_text=True)
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"decision": "keep", "reasons": ""}, "Write the reasons for the decision"),
        ({"decision": "", "reasons": "Fine"}, "Choose a decision"),
        ({"decision": "nonsense", "reasons": "Fine"}, "Choose a decision"),
        ({"decision": "change", "reasons": "Slow", "change_what": ""}, "Write what changes"),
        ({"decision": "stop", "reasons": "No", "stop_domain": "housing"}, "Choose the service to stop referring to"),
        (
            {"decision": "stop", "reasons": "No", "stop_service": "north", "stop_domain": "housing"},
            "Choose the service to stop referring to",
        ),
        (
            {"decision": "stop", "reasons": "No", "stop_service": "both", "stop_domain": "weather"},
            "Choose the need it should no longer be offered for",
        ),
        ({"decision": "keep", "reasons": "Fine", "tomorrow": True}, "must be today or earlier"),
    ],
)
def test_a_review_with_something_missing_says_what_next_to_it_and_saves_nothing(
    app, client, login, partners, data, message
):
    day = local_today() + timedelta(days=1 if data.pop("tomorrow", False) else 0)
    form = {"held_on-day": str(day.day), "held_on-month": str(day.month), "held_on-year": str(day.year), **data}
    # The other organisation's service is not this one's to stop.
    form["stop_service"] = {"both": str(partners["both"]), "north": str(partners["north_housing"])}.get(
        form.get("stop_service", ""), ""
    )
    login(client, partners["casey"])
    page = form_post(client, f"/partnership/reviews/{partners['harbour']}", form)
    assert page.status_code == 200
    assert message in as_read(page.get_data(as_text=True))
    with app.app_context():
        assert db.session.scalar(select(PartnershipReview)) is None
        assert db.session.scalar(select(ReferralStop)) is None


def test_review_pages_cost_the_same_however_many_organisations_and_referrals(app, client, login, partners):
    _helped_with_housing(app, partners, "both", "harbour_worker", [3, 7])
    with app.app_context():
        _review(partners["harbour"], partners["casey"], local_today() - timedelta(days=2))
        db.session.commit()
    login(client, partners["casey"])
    few = (
        count_queries(app, client, "/partnership/reviews"),
        count_queries(app, client, f"/partnership/reviews/{partners['harbour']}"),
    )
    with app.app_context():
        for n in range(3):
            factories.organisation(f"More {n}")
        rated(partners["alex"], partners["harbour_worker"], db.session.get(Service, partners["both"]), [4, 5, 3])
        _review(partners["harbour"], partners["casey"], local_today() - timedelta(days=1))
        db.session.commit()
    _helped_with_housing(app, partners, "both", "harbour_worker", [3, 7])
    _helped_with_housing(app, partners, "north_housing", "northside_worker", [5, 2])
    many = (
        count_queries(app, client, "/partnership/reviews"),
        count_queries(app, client, f"/partnership/reviews/{partners['harbour']}"),
    )
    assert many == few


def test_the_review_shows_the_overlaps_it_was_in_and_its_share_of_actions_with_the_person(app, client, login, partners):
    from advocate_app.team.models import ActionKind, ContactMode, ContactRecord, OverlapChoice, OverlapDecision

    with app.app_context():
        sam = factories.person(partners["alex"], name="Sam")
        # Harbour led Sam's housing: Northside was asked twice (Alex waited once, replaced once) and sent anyway once;
        # Harbour was the second organisation once, elsewhere. Northside alone once more: not Harbour's.
        for choice, leading, second in (
            (OverlapChoice.WAIT, "harbour", "northside"),
            (OverlapChoice.REPLACE, "harbour", "northside"),
            (OverlapChoice.SEND_ANYWAY, "harbour", "northside"),
            (OverlapChoice.WAIT, "northside", "harbour"),
            (OverlapChoice.WAIT, "northside", "northside"),
        ):
            db.session.add(
                OverlapDecision(
                    person_id=sam.id,
                    leading_organisation_id=partners[leading],
                    organisation_id=partners[second],
                    service_id=partners["north_housing"],
                    choice=choice,
                )
            )
        # Harbour's staff: 4 actions with Sam, 6 about Sam (40 %); Northside's one action is not Harbour's.
        for with_person, count, organisation in ((True, 4, "harbour"), (False, 6, "harbour"), (True, 1, "northside")):
            for _ in range(count):
                db.session.add(
                    ContactRecord(
                        person_id=sam.id,
                        action=ActionKind.NOTE,
                        with_person=with_person,
                        by_role="org_worker",
                        mode=ContactMode.PHONE if with_person else ContactMode.PAPERWORK,
                        organisation_id=partners[organisation],
                    )
                )
        db.session.commit()
        figures = reviews.review_figures(
            db.session.get(Organisation, partners["harbour"]), today=local_today(), months=6
        )
        team = figures.team
        assert (team.overlaps, team.overlaps_avoided, team.overlaps_sent_anyway) == (4, 3, 1)
        assert (team.with_person, team.about_person, team.with_person_percent) == (4, 6, 40)
    login(client, partners["casey"])
    page = as_read(client.get(f"/partnership/reviews/{partners['harbour']}").get_data(as_text=True))
    assert "4 times a second organisation would have worked on a need with it: 3 avoided, 1 sent anyway" in page
    assert "40% of 10 actions" in page
    northside = as_read(client.get(f"/partnership/reviews/{partners['northside']}").get_data(as_text=True))
    assert "Fewer than 5 actions recorded: too few to show" in northside


def test_only_organisations_with_a_service_to_refer_to_are_reviewed(app, client, login, partners):
    with app.app_context():
        factories.organisation("Northshire Advocacy")
    login(client, partners["casey"])
    page = as_read(client.get("/partnership/reviews").get_data(as_text=True))
    assert "Harbour Housing Advice" in page and "Northshire Advocacy" not in page


def test_other_places_to_try_after_a_decline_show_the_peoples_verdict_from_five_answers(app, client, login, partners):
    with app.app_context():
        sam = factories.person(partners["alex"], name="Sam")
        factories.sharing(
            sam, db.session.get(Organisation, partners["harbour"]), [Category.CONTACT], by=partners["alex"]
        )
        declined = factories.referral(
            sam, db.session.get(Service, partners["both"]), [Category.CONTACT], by=partners["alex"]
        )
        referrals.change_status(
            declined, ReferralStatus.DECLINED, by=partners["harbour_worker"], reason=referrals.DeclineReason.NO_CAPACITY
        )
        north = db.session.get(Service, partners["north_housing"])
        rated(partners["alex"], partners["northside_worker"], north, [5, 4, 4, 2])
        sam_id = sam.id
    login(client, partners["alex"])

    def other_places() -> str:
        page = as_read(client.get(f"/people/{sam_id}/referrals").get_data(as_text=True))
        return page[page.index("Other places that could help") :]

    four = other_places()
    assert "Northside housing" in four
    assert "Fewer than 5 people have said how useful it was: too few to show" in four
    with app.app_context():
        rated(partners["alex"], partners["northside_worker"], db.session.get(Service, partners["north_housing"]), [1])
    assert "3 of 5 people said this helped" in other_places()
