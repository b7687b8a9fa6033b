"""A large data set for the benchmark, written in bulk: people, caseloads, plans, referrals, organisations."""

from __future__ import annotations

import random
from datetime import date, timedelta

from sqlalchemy import insert, select

from advocate_app import db
from advocate_app.accounts import passwords
from advocate_app.accounts.models import Role, User
from advocate_app.consent.models import Consent
from advocate_app.db import utcnow
from advocate_app.directory.models import Organisation, Service, ServiceNeedDomain
from advocate_app.needs import NEED_DOMAINS
from advocate_app.people.models import Assignment, Person
from advocate_app.plans.models import Plan, PlanItem
from advocate_app.referrals.models import Referral, ReferralEvent

PASSWORD = "benchmark passphrase"  # noqa: S105 - the made-up accounts of a throwaway database
DOMAINS = list(NEED_DOMAINS)


def _rows(model, rows: list[dict], chunk: int = 5000) -> None:
    for start in range(0, len(rows), chunk):
        db.session.execute(insert(model), rows[start : start + chunk])


def seed(people: int = 10_000, entries_per_person: int = 20, referrals: int = 20_000) -> dict:
    """Fill an empty database; returns the ids the load generator needs."""
    rng = random.Random(2026)  # noqa: S311 - spreads dates, not a secret
    now = utcnow()
    today = date.today()
    hashed = passwords.hash_password(PASSWORD)

    _rows(
        Organisation,
        [
            {
                "name": f"Organisation {n}",
                "kind": "voluntary",
                "description": "",
                "hsds_id": f"org-{n}",
                "created_at": now,
                "updated_at": now,
                "last_confirmed_at": now,
            }
            for n in range(50)
        ],
    )
    organisation_ids = list(db.session.scalars(select(Organisation.id).order_by(Organisation.id)))
    _rows(
        Service,
        [
            {
                "organisation_id": org,
                "name": f"Service {org}-{k}",
                "description": "",
                "hsds_id": f"svc-{org}-{k}",
                "eligibility_description": "",
                "area_description": "Northshire",
                "capacity_status": "open",
                "response_target_days": 5,
                "status": "active",
                "created_at": now,
                "updated_at": now,
                "last_confirmed_at": now,
            }
            for org in organisation_ids
            for k in range(2)
        ],
    )
    service_rows = db.session.execute(select(Service.id, Service.organisation_id).order_by(Service.id)).all()
    _rows(ServiceNeedDomain, [{"service_id": sid, "domain": DOMAINS[sid % len(DOMAINS)]} for sid, _org in service_rows])

    staff = [
        {
            "email": f"advocate{n}@bench.example",
            "display_name": f"Advocate {n}",
            "role": Role.ADVOCATE.value,
            "password_hash": hashed,
            "active": True,
            "created_at": now,
        }
        for n in range(50)
    ]
    staff.append(
        {
            "email": "worker@bench.example",
            "display_name": "Worker",
            "role": Role.ORG_WORKER.value,
            "organisation_id": organisation_ids[0],
            "password_hash": hashed,
            "active": True,
            "created_at": now,
        }
    )
    _rows(User, staff)
    advocate_ids = list(db.session.scalars(select(User.id).where(User.role == Role.ADVOCATE).order_by(User.id)))

    _rows(
        Person,
        [
            {
                "preferred_name": f"Person {n}",
                "language": "en",
                "area": "Northshire",
                "status": "open",
                "sms_allowed": False,
                "shared_phone": False,
                "may_name_organisation": False,
                "contact_notes": "",
                "created_at": now,
                "updated_at": now,
            }
            for n in range(people)
        ],
    )
    person_ids = list(db.session.scalars(select(Person.id).order_by(Person.id)))
    # Three advocates carry 200 people each; the rest of the people are spread over the others.
    lead = {
        pid: advocate_ids[i // 200] if i < 600 else advocate_ids[3 + i % (len(advocate_ids) - 3)]
        for i, pid in enumerate(person_ids)
    }
    _rows(
        Assignment,
        [{"person_id": pid, "advocate_id": aid, "is_lead": True, "created_at": now} for pid, aid in lead.items()],
    )
    _rows(
        User,
        [
            {
                "username": "person0",
                "display_name": "Person 0",
                "role": Role.INDIVIDUAL.value,
                "person_id": person_ids[0],
                "password_hash": hashed,
                "active": True,
                "created_at": now,
            }
        ],
    )

    _rows(
        Plan,
        [
            {"person_id": pid, "status": "active", "version": entries_per_person, "created_at": now}
            for pid in person_ids
        ],
    )
    plan_of = dict(db.session.execute(select(Plan.person_id, Plan.id)).all())
    big_person = person_ids[1]  # a plan with 30 goals and 100 steps
    items = []
    for pid in person_ids:
        count = 130 if pid == big_person else entries_per_person
        for k in range(count):
            items.append(
                {
                    "plan_id": plan_of[pid],
                    "kind": "need",
                    "domain": DOMAINS[k % len(DOMAINS)],
                    "priority": 2,
                    "text": f"Need {k}",
                    "voice": "person",
                    "author_id": lead[pid],
                    "author_role": "advocate",
                    "changed_version": k,
                    "changed_by_id": lead[pid],
                    "changed_by_role": "advocate",
                    "created_at": now,
                    "changed_at": now,
                }
            )
    _rows(PlanItem, items)
    # Goals and steps under the big plan's needs.
    needs = list(db.session.scalars(select(PlanItem.id).where(PlanItem.plan_id == plan_of[big_person]).limit(30)))
    _rows(
        PlanItem,
        [
            {
                "plan_id": plan_of[big_person],
                "kind": "goal",
                "parent_id": need,
                "text": f"Goal {k}",
                "voice": "advocate",
                "goal_status": "in_progress",
                "author_id": lead[big_person],
                "author_role": "advocate",
                "changed_version": 1,
                "changed_by_id": lead[big_person],
                "changed_by_role": "advocate",
                "created_at": now,
                "changed_at": now,
            }
            for k, need in enumerate(needs)
        ],
    )
    goals = list(
        db.session.scalars(select(PlanItem.id).where(PlanItem.plan_id == plan_of[big_person], PlanItem.kind == "goal"))
    )
    _rows(
        PlanItem,
        [
            {
                "plan_id": plan_of[big_person],
                "kind": "step",
                "parent_id": goals[k % len(goals)],
                "text": f"Step {k}",
                "voice": "advocate",
                "owner": "me",
                "due_date": today + timedelta(days=k),
                "author_id": lead[big_person],
                "author_role": "advocate",
                "changed_version": 1,
                "changed_by_id": lead[big_person],
                "changed_by_role": "advocate",
                "created_at": now,
                "changed_at": now,
            }
            for k in range(100)
        ],
    )

    # Referrals: 500 to the worker's organisation, the rest spread.
    first_org_services = [sid for sid, org in service_rows if org == organisation_ids[0]]
    referral_rows = []
    for k in range(referrals):
        sid, org = (first_org_services[k % 2], organisation_ids[0]) if k < 500 else service_rows[k % len(service_rows)]
        referral_rows.append(
            {
                "reference": f"B{k:05d}",
                "person_id": person_ids[k % len(person_ids)],
                "service_id": sid,
                "organisation_id": org,
                "made_by_id": advocate_ids[0],
                "categories": "needs",
                "note_for_organisation": "",
                "urgency": "routine",
                "decline_text": "",
                "respond_by": today + timedelta(days=rng.randint(-5, 10)),
                "status": "sent",
                "created_at": now,
                "updated_at": now,
            }
        )
    _rows(Referral, referral_rows)
    ids = list(db.session.scalars(select(Referral.id)))
    _rows(
        ReferralEvent,
        [{"referral_id": rid, "status": "sent", "note": "", "by_role": "advocate", "at": now} for rid in ids],
    )
    # The worker's organisation may see people 0..499 (their names show in the inbox).
    _rows(
        Consent,
        [
            {
                "person_id": person_ids[k],
                "kind": "sharing",
                "organisation_id": organisation_ids[0],
                "purpose": "bench",
                "categories": "needs",
                "statement_version": 1,
                "statement_language": "en",
                "statement_text": "bench",
                "given_how": "verbal",
                "given_at": now,
                "expires_at": now + timedelta(days=365),
            }
            for k in range(500)
        ],
    )
    db.session.commit()
    return {
        "advocate": "advocate0@bench.example",
        "worker": "worker@bench.example",
        "person": "person0",
        "big_plan_person": big_person,
        "password": PASSWORD,
    }
