"""``make bench-sms``: 10,000 queued texts out through the twilio library to a local fake provider.

Two dispatcher workers share one PostgreSQL outbox (claims with ``FOR UPDATE SKIP LOCKED``); the fake
fails a fifth of the calls with a transient 503; one dispatcher is killed with SIGKILL part-way through,
while it holds messages marked "sending". The survivor must pick those up after their lease, look
them up at the provider, and finish the rest. Lost and duplicated messages are counted from the
fake's own record of what it accepted. Figures go to the "SMS dispatch" section of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SECTION = "## SMS dispatch"
BATCH, THREADS, LEASE = 200, 12, 6
RESTART_AFTER = 1.0


def _fresh_database(admin_url: str, name: str) -> str:
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return engine.url.set(database=name).render_as_string(hide_password=False)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _seed(database_url: str, messages: int) -> None:
    """One person per message, each with an SMS consent, a mobile and a safe window all day, every day."""
    os.environ["DATABASE_URL"] = database_url
    from alembic import command
    from sqlalchemy import insert

    from advocate_app import create_app, db
    from advocate_app.cli import alembic_config
    from advocate_app.consent.models import Consent
    from advocate_app.db import utcnow
    from advocate_app.people.models import Person, SafeWindow
    from advocate_app.sms import messages as sms_messages
    from advocate_app.sms.models import SmsMessage

    app = create_app()
    with app.app_context():
        command.upgrade(alembic_config(), "head")
        now = utcnow()
        session = db.session
        session.execute(insert(Person), [
            {"id": n, "preferred_name": f"Person {n}", "language": "en", "phone_e164": f"+4474001{n:05d}",
             "area": "", "status": "open", "sms_allowed": True, "shared_phone": False,
             "may_name_organisation": False, "contact_notes": "", "created_at": now, "updated_at": now}
            for n in range(1, messages + 1)
        ])
        session.execute(insert(SafeWindow), [
            {"person_id": n, "weekday": day, "starts_at": datetime.min.time(), "ends_at": datetime.max.time()}
            for n in range(1, messages + 1) for day in range(7)
        ])
        session.execute(insert(Consent), [
            {"person_id": n, "kind": "sms", "purpose": "", "categories": "", "statement_version": 1,
             "statement_language": "en", "statement_text": "bench", "given_how": "verbal", "given_at": now,
             "expires_at": now + timedelta(days=365)}
            for n in range(1, messages + 1)
        ])
        with app.test_request_context():
            body = sms_messages.render("check_in", "en")
        session.execute(insert(SmsMessage), [
            {"person_id": n, "to_number": f"+4474001{n:05d}", "kind": "check_in", "subject_id": n,
             "template": "check_in", "template_values": {}, "language": "en", "body": body,
             "earliest_at": now, "latest_at": now + timedelta(days=1), "status": "queued", "status_reason": "",
             "attempts": 0, "next_attempt_at": now, "idempotency_key": f"bench:{n}", "created_at": now,
             "updated_at": now}
            for n in range(1, messages + 1)
        ])
        session.execute(text("SELECT setval('person_id_seq', :n)"), {"n": messages})
        session.commit()
        db.engine().dispose()


def _stats(port: int) -> dict:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/stats", timeout=10) as response:  # noqa: S310 - loopback
        return json.load(response)


def accepted_enough(port: int, kill_after: int, killed: bool) -> bool:
    """Near the moment to kill: look more often."""
    return not killed and _stats(port)["accepted"] >= kill_after * 0.9


def _outbox(engine) -> dict[str, int]:
    with engine.connect() as connection:
        return dict(connection.execute(text("SELECT status, count(*) FROM sms_message GROUP BY status")).all())


def _worker(database_url: str, port: int, instance: Path, log: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "APP_ENV": "development",
        "SECRET_KEY": "bench-only-secret",
        "INSTANCE_PATH": str(instance),
        "DATABASE_URL": database_url,
        "SMS_BACKEND": "twilio",
        "TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
        "TWILIO_AUTH_TOKEN": "bench-token",
        "TWILIO_FROM_NUMBER": "+447700900999",
        "TWILIO_API_BASE_URL": f"http://127.0.0.1:{port}",
        "SMS_SEND_TIMEOUT": "5",
        "SMS_SENDING_LEASE": str(LEASE),
        "SMS_RETRY_BASE": "0.05",
        "SMS_DAILY_LIMIT": "10",
        "SMS_BATCH_SIZE": str(BATCH),
        "SMS_DISPATCH_THREADS": str(THREADS),
    }
    return subprocess.Popen(  # noqa: S603 - our own command, talking to loopback
        [str(Path(sys.executable).parent / "advocate-app"), "sms", "worker", "--idle-sleep", "0.2"],
        env=env, cwd=ROOT, stdout=log.open("w"), stderr=subprocess.STDOUT,
    )


def run(admin_url: str, database: str, count: int, failure_rate: float, kill_after: int, limit: float) -> dict:
    database_url = _fresh_database(admin_url, database)
    started = time.perf_counter()
    _seed(database_url, count)
    seed_seconds = time.perf_counter() - started
    port = _free_port()
    workdir = Path(tempfile.mkdtemp(prefix="sms-bench-"))
    fake = subprocess.Popen(  # noqa: S603 - our own fake provider, on loopback
        [sys.executable, str(ROOT / "bench" / "sms_fake_provider.py"), str(port), str(failure_rate)],
        stdout=subprocess.PIPE, text=True,
    )
    fake.stdout.readline()
    engine = create_engine(database_url)
    workers = []
    killed_holding = 0
    try:
        began = time.time()
        workers = [_worker(database_url, port, workdir, workdir / f"worker{n}.log") for n in (1, 2)]
        killed = False
        while time.time() - began < limit:
            time.sleep(0.05 if accepted_enough(port, kill_after, killed) else 0.25)
            accepted = _stats(port)["accepted"]
            # Kill while more messages are "sending" than one worker claims at a time, so the one killed
            # certainly holds some: the case that has to be recovered without losing or repeating any.
            if not killed and accepted >= kill_after and _outbox(engine).get("sending", 0) > BATCH:
                workers[0].send_signal(signal.SIGKILL)
                workers[0].wait()
                killed = True
                killed_holding = _outbox(engine).get("sending", 0)
                # As a process supervisor would (systemd's Restart=always, RestartSec=1), start a new one.
                time.sleep(RESTART_AFTER)
                workers.append(_worker(database_url, port, workdir, workdir / "worker3.log"))
            outbox = _outbox(engine)
            if not any(outbox.get(s) for s in ("queued", "held", "sending", "in_doubt")):
                break
        finished = time.time()
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.send_signal(signal.SIGTERM)
        for worker in workers:
            try:
                worker.wait(timeout=15)
            except subprocess.TimeoutExpired:
                worker.kill()
        stats = _stats(port)
        fake.send_signal(signal.SIGTERM)
        fake.wait(timeout=10)
    outbox = _outbox(engine)
    engine.dispose()
    keys = stats["keys"]
    expected = {f"bench:{n}" for n in range(1, count + 1)}
    waiting = sum(outbox.get(s, 0) for s in ("queued", "held", "sending", "in_doubt"))
    # Lost: the outbox holds it as done (sent, or given up) but the provider never accepted it.
    lost = len(expected - set(keys)) - waiting
    duplicated = sum(n - 1 for n in keys.values() if n > 1)
    elapsed = (stats["last_at"] or finished) - began
    return {
        "messages": count,
        "seed_seconds": round(seed_seconds, 1),
        "elapsed": round(elapsed, 1),
        "per_second": round(count / elapsed, 1) if elapsed > 0 else 0,
        "lost": lost,
        "duplicated": duplicated,
        "unexpected": len(set(keys) - expected),
        "still_waiting": waiting,
        "creates": stats["calls"].get("create", 0),
        "failed_calls": stats["calls"].get("failed", 0),
        "lookups": stats["calls"].get("list", 0),
        "killed_holding": killed_holding,
        "kill_after": kill_after,
        "outbox": outbox,
        "finished_in_time": finished - began < limit,
        "load_average": os.getloadavg(),
    }


def _write(result: dict, path: Path, failure_rate: float) -> None:
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    outbox = ", ".join(f"{status} {n}" for status, n in sorted(result["outbox"].items()))
    good = result["elapsed"] <= 60 and not (result["lost"] or result["duplicated"] or result["still_waiting"])
    verdict = "within" if good else "outside"
    load = ", ".join(f"{x:.1f}" for x in result["load_average"])
    setting = (
        f"Measured by `make bench-sms` on {when}: {platform.machine()}, {os.cpu_count()} cores (load average "
        f"{load} at the end: the machine was shared), Python {platform.python_version()}, PostgreSQL on loopback. "
        f"{result['messages']:,} queued text messages (one per person, each with an SMS consent, a mobile and an "
        "all-day safe window) sent through the `twilio` library to a local fake of the provider over loopback by "
        f"two `advocate-app sms worker` processes (batches of {BATCH}, {THREADS} sending threads each). The fake "
        f"fails {failure_rate:.0%} of calls with a transient 503. The first worker is killed with SIGKILL once the "
        f"fake has accepted {result['kill_after']:,} messages; {result['killed_holding']} messages were marked "
        f"\"sending\" at that moment, the killed worker's among them; once their {LEASE}-second lease ran out, "
        "a live worker looked the killed worker's up at the provider before sending any of them again. As a "
        f"process supervisor would, a new worker is started {RESTART_AFTER:.0f} s after the kill."
    )
    section = f"""{SECTION}

{setting}

| Figure | Value |
|---|---|
| messages queued | {result['messages']:,} |
| time from start to the last message accepted | {result['elapsed']} s |
| throughput | {result['per_second']} messages/s |
| lost (done in the outbox, never accepted by the provider) | {result['lost']} |
| duplicated (accepted more than once) | {result['duplicated']} |
| still waiting when the run ended | {result['still_waiting']} |
| accepted by the provider but never queued | {result['unexpected']} |
| send calls / of which failed transiently | {result['creates']:,} / {result['failed_calls']:,} |
| provider look-ups for messages in doubt | {result['lookups']} |
| outbox at the end | {outbox} |

Budget (DESIGN.md §6): 10,000 messages in ≤ 60 s, none lost, none sent twice, with a dispatcher killed
mid-run: **{verdict} budget**.
"""
    existing = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    pattern = re.compile(rf"^{re.escape(SECTION)}\n.*?(?=^## |\Z)", re.DOTALL | re.MULTILINE)
    if pattern.search(existing):
        updated = pattern.sub(lambda _m: section + "\n", existing).rstrip() + "\n"
    else:
        updated = existing.rstrip() + "\n\n" + section
    path.write_text(updated, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--admin-url", default=os.environ.get("BENCH_ADMIN_URL",
                                                              "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"))
    parser.add_argument("--database", default=os.environ.get("BENCH_SMS_DATABASE", "sms_bench"))
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--failure-rate", type=float, default=0.2)
    parser.add_argument("--kill-after", type=int, default=3_000, help="kill one dispatcher after this many accepted")
    parser.add_argument("--limit", type=float, default=300.0, help="give up after this many seconds")
    parser.add_argument("--output", default=str(ROOT / "docs" / "benchmarks.md"))
    args = parser.parse_args()
    result = run(args.admin_url, args.database, args.messages, args.failure_rate, args.kill_after, args.limit)
    print(json.dumps(result, indent=2))
    _write(result, Path(args.output), args.failure_rate)
    if result["lost"] or result["duplicated"] or result["still_waiting"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
