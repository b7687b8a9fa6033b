"""Demo data for the team around Sam: Harbour leads Sam's housing and money, a referral to the Community Hub waits
for Harbour to finish money (an overlap avoided), and Alex's and Dan's actions recorded with Sam or about Sam."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from advocate_app import db
from advocate_app.accounts.models import User
from advocate_app.clock import local_today
from advocate_app.consent.models import Category
from advocate_app.db import utcnow
from advocate_app.directory.models import Organisation, OrganisationKind, Service
from advocate_app.people.models import Person
from advocate_app.plans import services as plans
from advocate_app.plans.models import ItemKind, StepOwner
from advocate_app.referrals import services as referrals
from advocate_app.referrals.models import ReferralStatus
from advocate_app.team import contact, services
from advocate_app.team.models import ActionKind, ContactMode

ADVOCACY = "Northshire Advocacy"
# (weeks ago, how) for Alex's actions on Sam's record, and Dan's at Harbour: 6 of 20 and 5 of 15 with Sam.
ALEX_ACTIONS = (
    [(w, ContactMode.FACE_TO_FACE) for w in (1, 3, 5)]
    + [(w, ContactMode.PHONE) for w in (2, 4, 6)]
    + [(w, mode) for w in range(1, 8) for mode in (ContactMode.PROFESSIONALS, ContactMode.MEETING)]
)
DAN_ACTIONS = [(w, ContactMode.PHONE) for w in (1, 2, 3, 4, 5)] + [
    (w, mode) for w in range(1, 6) for mode in (ContactMode.PAPERWORK, ContactMode.PROFESSIONALS)
]


def _step(plan, need, goal_text: str, step_text: str, advocate: User):
    goal = plans.add_item(plan, ItemKind.GOAL, plans.ItemFields(goal_text), by=advocate, parent=need)
    return plans.add_item(
        plan, ItemKind.STEP, plans.ItemFields(step_text, owner=StepOwner.ORGANISATION), by=advocate, parent=goal
    )


def seed_team(sam: Person, advocate: User, worker: User, organisations: list[Organisation]) -> str | None:
    """Sam's plan with the team around it, once (nothing when Sam already has a plan)."""
    if plans.active_plan(sam.id) is not None:
        return None
    harbour, _open_door, hub = organisations
    advocacy = db.session.scalar(select(Organisation).where(Organisation.name == ADVOCACY))
    if advocacy is None:
        advocacy = Organisation(
            name=ADVOCACY, kind=OrganisationKind.VOLUNTARY, description="Trusted advocates for people at risk."
        )
        db.session.add(advocacy)
        db.session.flush()
    if advocate.organisation_id is None:
        advocate.organisation_id = advocacy.id
    sam.may_name_organisation = True
    today = local_today()
    plan = plans.start_plan(sam.id, by=advocate)
    housing = plans.add_item(
        plan, ItemKind.NEED, plans.ItemFields("Somewhere safe to live", domain="housing", priority=1), by=advocate
    )
    money = plans.add_item(
        plan, ItemKind.NEED, plans.ItemFields("Get on top of the rent arrears", domain="money", priority=1), by=advocate
    )
    services.order_needs(sam, {housing.id: 1, money.id: 2}, by=advocate)
    advice = db.session.scalar(
        select(Service).where(Service.organisation_id == harbour.id, Service.name == "Housing advice")
    )
    debt = db.session.scalar(select(Service).where(Service.organisation_id == hub.id))
    for need, words in ((housing, "Housing advice from Harbour"), (money, "Arrears advice from Harbour")):
        step = _step(plan, need, "Get help from Harbour", words, advocate)
        referral = referrals.make_referral(
            sam, advice, categories=[Category.NEEDS], by=advocate, today=today, step=step
        )
        referrals.change_status(referral, ReferralStatus.ACCEPTED, by=worker)
    # Alex thought of the Community Hub for the arrears too, and chose to wait for Harbour: an overlap avoided.
    overlap = services.overlap_for(plans.load_item(money.id), debt)
    services.wait_for_lead(
        sam,
        overlap,
        debt,
        by=advocate,
        today=today,
        words=("Get help with the arrears", f"Refer to {debt.name} when {harbour.name} finishes"),
    )
    now = utcnow()
    for who, kind, actions in ((advocate, ActionKind.NOTE, ALEX_ACTIONS), (worker, ActionKind.REFERRAL, DAN_ACTIONS)):
        for weeks_ago, mode in actions:
            contact.record_action(sam.id, kind, None, mode, by=who, now=now - timedelta(weeks=weeks_ago))
    return "Sam Okafor's plan: Harbour leading housing and money, a referral waiting, actions with and about Sam"
