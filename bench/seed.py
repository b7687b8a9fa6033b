"""A large data set for the benchmark, written in bulk: people, caseloads, plans, referrals, organisations."""

from __future__ import annotations

import random
from datetime import date, timedelta

from sqlalchemy import insert, select, text

from advocate_app import db
from advocate_app.accounts import passwords
from advocate_app.accounts.models import Role, User
from advocate_app.consent.models import Consent
from advocate_app.db import utcnow
from advocate_app.directory.models import Organisation, Service, ServiceNeedDomain
from advocate_app.needs import NEED_DOMAINS
from advocate_app.people.models import Assignment, Person
from advocate_app.plans.models import Plan, PlanComment, PlanItem, PlanLook
from advocate_app.referrals.models import Referral, ReferralEvent
from advocate_app.team.models import ActionKind, ContactMode, ContactRecord

BENCH_TOTP_SECRET = "BENCHBENCHBENCHBENCHBENCHBENCH22"  # noqa: S105 # nosec B105 # benchmark data only

PASSWORD = "benchmark passphrase"  # noqa: S105 - the made-up accounts of a throwaway database
DOMAINS = list(NEED_DOMAINS)


def _rows(model, rows: list[dict], chunk: int = 5000) -> None:
    """Insert ``rows`` (dicts of the model's columns): with COPY on PostgreSQL, else in batches.

    COPY skips SQLAlchemy, so each value goes through its column's own conversion first and the columns a
    row leaves out get their Python-side defaults, as ``insert()`` would give them.
    """
    if not rows:
        return
    connection = db.session.connection()
    if connection.dialect.name != "postgresql":
        for start in range(0, len(rows), chunk):
            db.session.execute(insert(model), rows[start : start + chunk])
        return
    table = model.__table__
    given = list(dict.fromkeys(key for row in rows for key in row))  # every column any row gives (None elsewhere)
    defaults = {
        column.name: column.default
        for column in table.columns
        if column.key not in given and column.default is not None and not column.primary_key
    }
    columns = [table.c[key] for key in given]
    convert = [column.type._cached_bind_processor(connection.dialect) for column in columns]
    names = ", ".join(f'"{name}"' for name in [column.name for column in columns] + list(defaults))
    driver = connection.connection.driver_connection
    with driver.cursor() as cursor, cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
        for row in rows:
            values = [
                row.get(column.key) if process is None else process(row.get(column.key))
                for column, process in zip(columns, convert, strict=True)
            ]
            values += [default.arg if default.is_scalar else default.arg(None) for default in defaults.values()]
            copy.write_row(values)


_OPTIONAL = ("topic", "domain", "priority", "parent_id", "goal_status", "target_date", "owner", "due_date", "done_at")


def _entry(plan_id: int, kind: str, author: int, now, k: int, **fields) -> dict:
    return {
        "plan_id": plan_id,
        "kind": kind,
        "text": f"{kind.title()} {k}: what we agreed, in a sentence or two of plain words",
        "voice": "person" if k % 2 else "advocate",
        "author_id": author,
        "author_role": "advocate",
        "changed_version": 1 + k,
        "changed_by_id": author,
        "changed_by_role": "advocate",
        "created_at": now,
        "changed_at": now,
        **dict.fromkeys(_OPTIONAL),
        **fields,
    }


def _plan_entries(plan_of: dict, shape: dict, lead: dict, rng, now, today) -> None:
    """Every plan's entries, in three passes (needs and "about me", goals under needs, steps under goals)."""
    topics = ["matters", "strengths", "helped", "supports"]
    top = []
    for pid, (about, needs, _goals, _steps) in shape.items():
        plan = plan_of[pid]
        top += [_entry(plan, "about", lead[pid], now, k, topic=topics[k]) for k in range(about)]
        top += [
            _entry(plan, "need", lead[pid], now, k, domain=DOMAINS[k % len(DOMAINS)], priority=1 + k % 3)
            for k in range(needs)
        ]
    _rows(PlanItem, top)
    needs_of: dict[int, list[int]] = {}
    for plan, item in db.session.execute(select(PlanItem.plan_id, PlanItem.id).where(PlanItem.kind == "need")):
        needs_of.setdefault(plan, []).append(item)
    goal_rows = []
    for pid, (_about, _needs, goals, _steps) in shape.items():
        plan = plan_of[pid]
        goal_rows += [
            _entry(
                plan,
                "goal",
                lead[pid],
                now,
                k,
                parent_id=needs_of[plan][k % len(needs_of[plan])],
                goal_status="in_progress",
                target_date=today + timedelta(days=30 + k),
            )
            for k in range(goals)
        ]
    _rows(PlanItem, goal_rows)
    goals_of: dict[int, list[int]] = {}
    for plan, item in db.session.execute(select(PlanItem.plan_id, PlanItem.id).where(PlanItem.kind == "goal")):
        goals_of.setdefault(plan, []).append(item)
    step_rows = []
    for pid, (_about, _needs, _goals, steps) in shape.items():
        plan = plan_of[pid]
        step_rows += [
            _entry(
                plan,
                "step",
                lead[pid],
                now,
                k,
                parent_id=goals_of[plan][k % len(goals_of[plan])],
                owner=("me", "advocate", "organisation")[k % 3],
                due_date=today + timedelta(days=rng.randint(-10, 40)),
                done_at=now if k % 4 == 0 else None,
            )
            for k in range(steps)
        ]
    _rows(PlanItem, step_rows)


def _talk_and_contact(plan_of: dict, lead: dict, now) -> None:
    """What a partnership at work has written beside its plans: a comment on one entry in four, and three actions
    recorded a person, two of them with the person. Left empty, these tables have no rows when the statistics are
    taken, and PostgreSQL plans reading them (a count of comments for each entry, the caseload's "no direct
    contact" for each person) by scanning them whole, which grows slower with every comment and action written
    while the bench runs."""
    person_of_plan = {plan: person for person, plan in plan_of.items()}
    _rows(
        PlanComment,
        [
            {
                "item_id": item_id,
                "author_id": lead[person_of_plan[plan_id]],
                "author_role": "advocate",
                "body": "We talked this through and agreed the next step",
                "created_at": now,
                "plan_version": 1,
            }
            for item_id, plan_id in db.session.execute(select(PlanItem.id, PlanItem.plan_id).order_by(PlanItem.id))
            if item_id % 4 == 0
        ],
    )
    advocates = select(User.id, User.organisation_id).where(User.id.in_(set(lead.values())))
    organisation_of = dict(db.session.execute(advocates).all())
    _rows(
        ContactRecord,
        [
            {
                "person_id": person_id,
                "action": ActionKind.NOTE,
                "mode": ContactMode.PAPERWORK if k == 2 else ContactMode.FACE_TO_FACE,
                "with_person": k != 2,
                "by_id": advocate_id,
                "by_role": "advocate",
                "organisation_id": organisation_of[advocate_id],
                "at": now - timedelta(days=10 * k + person_id % 60),
            }
            for person_id, advocate_id in lead.items()
            for k in range(3)
        ],
    )


def seed(people: int = 10_000, referrals: int | None = None) -> dict:
    """Fill an empty database; returns the ids the load generator needs.

    Whatever the number of people, one advocate carries 200 of them, the worker's organisation has 500
    referrals and the big plan 130 entries: the pages measured show the same rows at every size.
    """
    referrals = 2 * people if referrals is None else referrals
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
            for n in range(51)
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
            for k in range(2 if org != organisation_ids[-1] else 1)
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
            # Staff sign in with a code too: every bench staff member's app holds the same key.
            "totp_secret": BENCH_TOTP_SECRET,
            "totp_enabled_at": now,
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
            "totp_secret": BENCH_TOTP_SECRET,
            "totp_enabled_at": now,
            "active": True,
            "created_at": now,
        }
    )
    # A worker at a small organisation with a single referral: the inbox's queries are compared with theirs.
    staff.append({**staff[-1], "email": "worker-small@bench.example", "organisation_id": organisation_ids[-1]})
    # An advocate with one person: the caseload's queries are compared with theirs.
    staff.append({**staff[0], "email": "advocate-small@bench.example", "display_name": "Advocate small"})
    _rows(User, staff)
    small_advocate = db.session.scalar(select(User.id).where(User.email == "advocate-small@bench.example"))
    advocate_ids = list(
        db.session.scalars(
            select(User.id).where(User.role == Role.ADVOCATE, User.id != small_advocate).order_by(User.id)
        )
    )

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
    lead[person_ids[-1]] = small_advocate
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
            {
                "person_id": pid,
                "status": "active",
                "version": 200,
                "next_review_date": today + timedelta(days=rng.randint(-20, 60)),
                "created_at": now,
            }
            for pid in person_ids
        ],
    )
    plan_of = dict(db.session.execute(select(Plan.person_id, Plan.id)).all())
    big_person = person_ids[1]  # 4 "about me" answers, 12 needs, 30 goals and 100 steps
    shape = {pid: (4, 4, 6, 6) for pid in person_ids}  # about, needs, goals, steps: 20 entries
    shape[big_person] = (4, 12, 30, 100)
    _plan_entries(plan_of, shape, lead, rng, now, today)

    # Referrals: 500 to the worker's organisation, the rest spread.
    first_org_services = [sid for sid, org in service_rows if org == organisation_ids[0]]
    spread = [(sid, org) for sid, org in service_rows if org not in (organisation_ids[0], organisation_ids[-1])]
    small_service = next(sid for sid, org in service_rows if org == organisation_ids[-1])
    statuses = ("sent", "sent", "sent", "accepted", "completed")
    referral_rows = []
    for k in range(referrals):
        if k < 500:
            sid, org = first_org_services[k % 2], organisation_ids[0]
        elif k == 500:
            sid, org = small_service, organisation_ids[-1]
        else:
            sid, org = spread[k % len(spread)]
        status = statuses[k % len(statuses)]
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
                "status": status,
                "responded_at": None if status == "sent" else now,
                "created_at": now,
                "updated_at": now,
            }
        )
    _rows(Referral, referral_rows)
    _rows(
        ReferralEvent,
        [
            {"referral_id": rid, "status": status, "note": "", "by_role": "advocate", "at": now}
            for rid, status in db.session.execute(select(Referral.id, Referral.status))
        ],
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
    # The advocate has looked at half of their people's plans since the seed: the rest show changes.
    _rows(
        PlanLook,
        [
            {"plan_id": plan_of[pid], "user_id": aid, "version": 10, "looked_at": now}
            for pid, aid in lead.items()
            if aid == advocate_ids[0] and pid % 2
        ],
    )
    _talk_and_contact(plan_of, lead, now)
    db.session.commit()
    # Fresh statistics, as a live database has: the planner guesses badly on tables it has never analysed.
    with db.engine().connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("ANALYZE"))
    return {
        "advocate": "advocate0@bench.example",
        "worker": "worker@bench.example",
        "small_advocate": "advocate-small@bench.example",
        "small_worker": "worker-small@bench.example",
        "small_plan_person": person_ids[2],
        "person": "person0",
        "big_plan_person": big_person,
        # On the advocate's caseload, for the write paths: entries, comments and check-ins are added to them.
        "write_person": person_ids[3],
        "password": PASSWORD,
    }
