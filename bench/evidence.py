"""Time the evidence dashboard and export with 10,000 people on PostgreSQL.

Seeds a database of its own with ``bench.seed`` (people, caseloads, plans, referrals), adds what the
evidence figures read — check-ins, goals, steps, reviews, agreements and referral answers — then
renders the dashboard in-process (one client, no network) for a coordinator (everyone) and for an
advocate (a caseload of 200), the report of a locked evaluation plan over everyone (every measure,
three follow-up points, a baseline) beside it in the same run, and builds the export. Prints a
Markdown table and the ratio of the report's median time to the coordinator dashboard's.

Then the coordinator's dashboard and the export side by side with the code as it was when the speed work began
(``PREVIOUS_COMMIT``, checked out beside this tree with ``git worktree``): each tree in a process of its own on the
same database, a view or a build of one, then of the other, turn about (``bench/evidence_side.py``). Each must
take at most half the previous code's median time (issue 19); the run exits 1 when either does not.

    .venv/bin/python -m bench.evidence --admin-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import bindparam, create_engine, insert, select, text, update

ROOT_PERIOD = ("2026-01", "2026-11")
ROOT = Path(__file__).resolve().parent.parent
# The tree as it was when the speed work began (issue 19): its dashboard and export are timed beside today's.
PREVIOUS_COMMIT = "14c023514f0a9849ac6bae6baefe9b01c8049087"
# Today's dashboard and export must each take at most this share of the previous code's time.
SIDE_BY_SIDE_BUDGET = 0.5


def _database(admin_url: str, name: str, fresh: bool) -> tuple[str, bool]:
    """The benchmark database's URL, and whether it was made now (and so needs seeding)."""
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        exists = connection.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
        if exists and fresh:
            connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
            exists = False
        if not exists:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return engine.url.set(database=name).render_as_string(hide_password=False), not exists


def _rows(model, rows: list[dict], chunk: int = 5000) -> None:
    from advocate_app import db

    for start in range(0, len(rows), chunk):
        db.session.execute(insert(model), rows[start : start + chunk])


def seed_evidence() -> dict:
    """Add check-ins, goals, steps, reviews, agreements and answers to the seeded people."""
    from advocate_app import db
    from advocate_app.accounts import passwords
    from advocate_app.accounts.models import Role, User
    from advocate_app.db import utcnow
    from advocate_app.needs import NEED_DOMAINS
    from advocate_app.people.models import Person
    from advocate_app.plans.models import CheckIn, Plan, PlanAgreement, PlanItem, Review
    from advocate_app.referrals.models import Referral, ReferralEvent
    from bench.seed import BENCH_TOTP_SECRET, PASSWORD

    rng = random.Random(9)  # noqa: S311 - spreads made-up figures, not a secret
    domains = list(NEED_DOMAINS)
    start = date(2026, 1, 1)
    # ``bench.seed`` stamps people and their plan entries with the moment it ran, which is after the period
    # measured once the calendar has moved past it: the export would then hold nobody and unmet need would
    # count nothing. The people were taken on before the period and their entries written early in it.
    db.session.execute(update(Person).values(created_at=datetime(2025, 9, 1, 9, tzinfo=UTC)))
    db.session.execute(
        update(PlanItem)
        .where(PlanItem.created_at >= datetime(2026, 12, 1, tzinfo=UTC))
        .values(created_at=datetime(2026, 1, 5, 10, tzinfo=UTC), changed_at=datetime(2026, 1, 5, 10, tzinfo=UTC))
    )
    plans = db.session.execute(select(Plan.id, Plan.person_id)).all()
    check_ins, goals, reviews, agreements = [], [], [], []
    for plan_id, person_id in plans:
        for k in range(3):
            domain = domains[(person_id + k) % len(domains)]
            for visit in range(3):
                check_ins.append(
                    {
                        "person_id": person_id,
                        "domain": domain,
                        "score": rng.randint(1, 10),
                        "rated_by": rng.choice(["person", "advocate", "together"]),
                        "note": "",
                        "taken_on": start + timedelta(days=visit * 50 + rng.randint(0, 20)),
                        "recorded_at": datetime.now(UTC),
                    }
                )
        moment = datetime(2026, 2, 1, 10, tzinfo=UTC)
        for k in range(2):
            goals.append(
                {
                    "plan_id": plan_id,
                    "kind": "goal",
                    "text": f"Goal {k}",
                    "voice": rng.choice(["person", "advocate"]),
                    "goal_status": rng.choice(["not_started", "in_progress", "achieved", "changed", "stopped"]),
                    "author_role": "advocate",
                    "changed_version": 1,
                    "changed_by_role": "advocate",
                    "created_at": moment,
                    "changed_at": moment,
                }
            )
            goals.append(
                {
                    "plan_id": plan_id,
                    "kind": "step",
                    "text": f"Step {k}",
                    "voice": "advocate",
                    "owner": "me",
                    "due_date": start + timedelta(days=rng.randint(0, 170)),
                    "done_at": moment + timedelta(days=rng.randint(0, 200)) if rng.random() < 0.6 else None,
                    "author_role": "advocate",
                    "changed_version": 1,
                    "changed_by_role": "advocate",
                    "created_at": moment,
                    "changed_at": moment,
                }
            )
        due = start + timedelta(days=rng.randint(30, 150))
        reviews.append(
            {
                "plan_id": plan_id,
                "due_date": due,
                "held_on": due + timedelta(days=rng.randint(-5, 10)),
                "went_well": "",
                "what_changed": "",
                "next_review_date": due + timedelta(days=90),
                "recorded_at": moment,
            }
        )
        if rng.random() < 0.5:
            agreements.append({"plan_id": plan_id, "role": "advocate", "version": 1, "agreed_at": moment})
            if rng.random() < 0.6:
                agreements.append({"plan_id": plan_id, "role": "individual", "version": 1, "agreed_at": moment})
    # Plans start from October 2025 to March 2026, so the evaluation report's follow-up points fall due.
    db.session.connection().execute(
        Plan.__table__.update().where(Plan.__table__.c.id == bindparam("b_id")).values(created_at=bindparam("at")),
        [
            {"b_id": plan_id, "at": datetime(2025, 10, 1, 9, tzinfo=UTC) + timedelta(days=rng.randint(0, 180))}
            for plan_id, _person_id in plans
        ],
    )
    _rows(CheckIn, check_ins)
    _rows(PlanItem, goals)
    _rows(Review, reviews)
    _rows(PlanAgreement, agreements)

    # Referrals were all sent "now" and never answered: spread them over the period and answer most.
    referral_ids = list(db.session.scalars(select(Referral.id)))
    updates, events = [], []
    for referral_id in referral_ids:
        sent = datetime(2026, 1, 1, 9, tzinfo=UTC) + timedelta(days=rng.randint(0, 175))
        row = {"b_id": referral_id, "created_at": sent, "respond_by": sent.date() + timedelta(days=5)}
        roll = rng.random()
        if roll < 0.6:
            answered = sent + timedelta(hours=rng.randint(2, 240))
            row.update(status="engaged", responded_at=answered, decline_reason=None)
            events.append({"referral_id": referral_id, "status": "engaged", "note": "", "at": answered})
        elif roll < 0.85:
            answered = sent + timedelta(hours=rng.randint(2, 240))
            reason = rng.choice(["no_capacity", "not_eligible", "person_declined", "unable_to_contact"])
            row.update(status="declined", responded_at=answered, decline_reason=reason)
        else:
            row.update(status="sent", responded_at=None, decline_reason=None)
        updates.append(row)
    table = Referral.__table__
    statement = (
        table.update()
        .where(table.c.id == bindparam("b_id"))
        .values(
            created_at=bindparam("created_at"),
            respond_by=bindparam("respond_by"),
            status=bindparam("status"),
            responded_at=bindparam("responded_at"),
            decline_reason=bindparam("decline_reason"),
        )
    )
    db.session.connection().execute(statement, updates)
    _rows(ReferralEvent, events)
    db.session.add(
        User(
            email="coordinator@bench.example",
            display_name="Coordinator",
            role=Role.COORDINATOR,
            password_hash=passwords.hash_password(PASSWORD),
            totp_secret=BENCH_TOTP_SECRET,
            totp_enabled_at=utcnow(),
        )
    )
    db.session.commit()
    return {"check_ins": len(check_ins), "goals_and_steps": len(goals), "reviews": len(reviews)}


def evaluation_plan() -> int:
    """A locked evaluation plan over every person whose first plan started in the months the seed spread
    plans over, with every measure, three follow-up points and a baseline (made once per database)."""
    from advocate_app import db
    from advocate_app.accounts.models import User
    from advocate_app.evidence import evaluation
    from advocate_app.evidence.models import EvaluationPlan

    existing = db.session.scalar(select(EvaluationPlan.id).where(EvaluationPlan.title == "Bench evaluation"))
    if existing is not None:
        return existing
    coordinator = db.session.scalar(select(User).where(User.email == "coordinator@bench.example"))
    plan = evaluation.write_draft(
        None,
        evaluation.PlanFields(
            title="Bench evaluation",
            question="Do people's ratings improve after their plan starts?",
            measures=list(evaluation.MEASURES),
            organisation_id=None,
            cohort_from=date(2025, 10, 1),
            cohort_to=date(2026, 3, 1),
            follow_up_months=[3, 6, 12],
            window_days=30,
            min_cell=5,
            baseline_months=3,
        ),
        by=coordinator,
    )
    evaluation.lock(plan, by=coordinator)
    db.session.commit()
    return plan.id


def _timed(function, repeats: int) -> dict:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        function()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return {
        "fastest": times[0],
        "median": statistics.median(times),
        "max": times[-1],
        "p95": times[min(len(times) - 1, round(0.95 * (len(times) - 1)))],
    }


def _summary(times: list[float]) -> dict:
    times = sorted(times)
    return {
        "fastest": times[0],
        "median": statistics.median(times),
        "max": times[-1],
        "p95": times[min(len(times) - 1, round(0.95 * (len(times) - 1)))],
    }


def _previous_tree(folder: Path) -> None:
    """The tree at ``PREVIOUS_COMMIT`` checked out into ``folder``, ready to serve: its translations compiled and
    today's built assets beside it (what a page costs the server does not depend on them)."""
    subprocess.run(["git", "worktree", "prune"], cwd=ROOT, check=True, capture_output=True)  # noqa: S607
    subprocess.run(  # noqa: S603
        ["git", "worktree", "add", "--detach", str(folder), PREVIOUS_COMMIT],  # noqa: S607
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    subprocess.run(  # noqa: S603
        [sys.executable, "-m", "babel.messages.frontend", "compile", "-d", "translations"],
        cwd=folder,
        check=True,
        capture_output=True,
    )
    (folder / "static" / "dist").symlink_to(ROOT / "static" / "dist")


def _start_side(tree: Path, url: str) -> subprocess.Popen:
    """``bench/evidence_side.py`` with ``tree``'s app, signed in as the coordinator and warmed up."""
    from bench.seed import BENCH_TOTP_SECRET, PASSWORD

    side = subprocess.Popen(  # noqa: S603 - our own script
        [
            sys.executable,
            str(ROOT / "bench" / "evidence_side.py"),
            "--path",
            f"/evidence?start={ROOT_PERIOD[0]}&end={ROOT_PERIOD[1]}",
            "--first-month",
            ROOT_PERIOD[0],
            "--last-month",
            ROOT_PERIOD[1],
            "--totp-secret",
            BENCH_TOTP_SECRET,
            "--password",
            PASSWORD,
        ],
        cwd=tree,
        env={**os.environ, "DATABASE_URL": url, "PYTHONPATH": str(tree)},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    ready = _answer(side)
    if Path(ready["ready"]).resolve() != tree.resolve():
        raise SystemExit(f"the side meant for {tree} imported the app from {ready['ready']}")
    return side


def _answer(side: subprocess.Popen) -> dict:
    line = side.stdout.readline()
    if not line:
        raise SystemExit("a side of the side-by-side stopped: its error is above")
    return json.loads(line)


def side_by_side(url: str, repeats: int) -> dict[tuple[str, str], list[float]]:
    """Milliseconds of each dashboard view and export build, by (``today`` or ``previous``, what), the two trees'
    turns interleaved, so that a busy spell on the machine slows both alike."""
    times: dict[tuple[str, str], list[float]] = {}
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch) / "previous"
        _previous_tree(folder)
        sides = {}
        try:
            sides["today"] = _start_side(ROOT, url)
            sides["previous"] = _start_side(folder, url)
            for work, count in (("dashboard", repeats), ("export", max(3, repeats // 4))):
                for _ in range(count):
                    for name, side in sides.items():
                        side.stdin.write(work + "\n")
                        side.stdin.flush()
                        times.setdefault((name, work), []).append(_answer(side)["ms"])
        finally:
            for side in sides.values():
                side.stdin.close()
                side.wait(timeout=60)
            subprocess.run(  # noqa: S603
                ["git", "worktree", "remove", "--force", str(folder)],  # noqa: S607
                cwd=ROOT,
                check=False,
                capture_output=True,
            )
    return times


def side_by_side_lines(times: dict[tuple[str, str], list[float]]) -> tuple[list[str], bool]:
    """The side-by-side's table, and whether both budgets are met."""
    lines = [
        f"Side by side with the code at commit {PREVIOUS_COMMIT[:7]} (when the speed work began), each in a process "
        "of its own on the same database, turn about (`bench/evidence_side.py`); medians:",
        "",
        "| What | previous code, ms | today's code, ms | today's time as a share of the previous | budget |",
        "|---|---|---|---|---|",
    ]
    met = True
    for work, label in (("dashboard", "dashboard, coordinator (everyone)"), ("export", "export (zip of every file)")):
        previous, today = statistics.median(times["previous", work]), statistics.median(times["today", work])
        share = today / previous
        verdict = "met" if share <= SIDE_BY_SIDE_BUDGET else "missed"
        met = met and share <= SIDE_BY_SIDE_BUDGET
        lines.append(
            f"| {label} ({len(times['today', work])} each) | {previous:.0f} | {today:.0f} | {share:.0%} "
            f"({previous / today:.1f}× as fast) | ≤ {SIDE_BY_SIDE_BUDGET:.0%}: {verdict} |"
        )
    return lines, met


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--admin-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--database", default=os.environ.get("BENCH_EVIDENCE_DATABASE", "evidence_bench"))
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--fresh", action="store_true", help="drop and seed the database again")
    parser.add_argument("--output", default=str(ROOT / "docs" / "benchmarks.md"))
    options = parser.parse_args()

    url, new = _database(options.admin_url, options.database, options.fresh)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("APP_ENV", "development")
    os.environ.setdefault("EVIDENCE_PSEUDONYM_KEY", "benchmark pseudonym key, not secret")
    from alembic import command

    from advocate_app import create_app, db
    from advocate_app.cli import alembic_config
    from bench.evidence_side import signed_in_client
    from bench.seed import BENCH_TOTP_SECRET, PASSWORD

    app = create_app()
    app.config["RATELIMIT_ENABLED"] = False
    with app.app_context():
        if new:
            from bench.seed import seed

            command.upgrade(alembic_config(), "head")
            started = time.perf_counter()
            seed(people=options.people)
            figures = seed_evidence()
            # The seed rewrote every referral and plan, and most plan entries: compact the tables, as if the rows
            # had been written once, so that neither code is timed over dead rows.
            with db.engine().connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.execute(text("VACUUM FULL"))
            print(f"seeded in {time.perf_counter() - started:.1f} s: {figures}")
        # Fresh statistics, as autovacuum would have gathered on a database in use.
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        people = db.session.scalar(text("SELECT count(*) FROM person"))
        check_ins = db.session.scalar(text("SELECT count(*) FROM check_in"))
        referrals = db.session.scalar(text("SELECT count(*) FROM referral"))

    with app.app_context():
        plan_id = evaluation_plan()
    load_before = f"{os.getloadavg()[0]:.1f}"
    path = f"/evidence?start={ROOT_PERIOD[0]}&end={ROOT_PERIOD[1]}"
    rows = []
    clients = {}
    for label, identifier in (
        ("dashboard, coordinator (everyone)", "coordinator@bench.example"),
        ("dashboard, advocate (caseload of 200)", "advocate0@bench.example"),
    ):
        client = signed_in_client(app, identifier, PASSWORD, BENCH_TOTP_SECRET)

        def render(client=client):
            answer = client.get(path)
            assert answer.status_code == 200 and b"Distance travelled" in answer.data

        render()  # warm caches: templates, translations, the database's buffers
        rows.append((label, _timed(render, options.repeats)))
        clients[identifier] = client

    def report(client=clients["coordinator@bench.example"]):
        answer = client.get(f"/evidence/plans/{plan_id}")
        assert answer.status_code == 200 and b"Follow-up completeness" in answer.data

    from bench import evidence_reference

    with app.app_context():  # the previous code and today's give the same rows, to the letter
        from advocate_app.clock import local_today as today_of
        from advocate_app.evidence import evaluation, followup

        locked = evaluation.plan_or_none(plan_id)
        same_rows = followup.follow_up_rows(locked, today_of()) == evidence_reference.follow_up_rows(locked, today_of())
    if not same_rows:
        raise SystemExit("the evaluation report's rows differ between the previous code and today's")

    def previous_report():
        with evidence_reference.previous_code():
            report()

    report()
    previous_report()
    label = "evaluation report, coordinator (everyone, 5 measures, 3 points, baseline)"
    # Interleaved, so that a busy spell on the machine slows both alike.
    today_times, previous_times = [], []
    for _ in range(options.repeats):
        today_times.append(_timed(report, 1)["median"])
        previous_times.append(_timed(previous_report, 1)["median"])
    rows.append((label, _summary(today_times)))
    rows.append((label + ", previous code", _summary(previous_times)))

    from advocate_app.clock import local_today
    from advocate_app.evidence import export, queries
    from advocate_app.evidence.period import Period

    def build():
        with app.app_context():
            scope = queries.Scope(queries.partnership_people(), Period.of_months(*ROOT_PERIOD), local_today())
            export.build(scope, b"benchmark pseudonym key").zip_bytes()

    build()
    rows.append(("export (zip of every file)", _timed(build, max(3, options.repeats // 4))))

    period = f"{ROOT_PERIOD[0]} to {ROOT_PERIOD[1]}"
    figures = dict(rows)
    today_report, previous_report_row = figures[label], figures[label + ", previous code"]
    lines = [
        "## Evidence dashboard, evaluation report and export",
        "",
        f"Measured by `make bench-evidence` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC: {people:,} people, "
        f"{check_ins:,} check-ins, {referrals:,} referrals, period {period}; load average {load_before} before, "
        f"{os.getloadavg()[0]:.1f} after (2 cores, shared). In-process through Flask's test client, one request "
        f"at a time after a warm-up, {options.repeats} times each (the report's previous code and today's "
        "interleaved, and checked to give the same rows).",
        "",
        "| What | fastest ms | median ms | p95 ms | slowest ms |",
        "|---|---|---|---|---|",
        *(f"| {name} | {t['fastest']:.0f} | {t['median']:.0f} | {t['p95']:.0f} | {t['max']:.0f} |" for name, t in rows),
        "",
        f"The evaluation report: {previous_report_row['median'] / today_report['median']:.1f}× as fast as the "
        "previous code (medians, same data, same run); "
        f"{today_report['median'] / figures[rows[0][0]]['median']:.1f}× the coordinator dashboard's time.",
    ]
    compared, met = side_by_side_lines(side_by_side(url, options.repeats))
    lines += ["", *compared]
    print("\n".join(lines))
    if options.output:
        from bench.run import write_section

        write_section(Path(options.output), "evidence", lines)
    if not met:
        raise SystemExit("the dashboard or the export is not yet twice as fast as the previous code")


if __name__ == "__main__":
    main()
