"""``make bench``: serve a large data set with gunicorn and time the key pages under concurrent load.

Seeds PostgreSQL (10,000 people by default), starts gunicorn on loopback, signs in as an advocate, an
organisation worker and a person, then keeps 20 clients busy on each page in turn and reports p50/p95/p99
latency and requests per second, next to the same figures for the sign-in page (the framework's floor
for a page with no personal data). Writes docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import http.client
import os
import platform
import re
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


def _fresh_database(admin_url: str, name: str) -> str:
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return engine.url.set(database=name).render_as_string(hide_password=False)


def _prepare(database_url: str, people: int) -> dict:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("APP_ENV", "development")
    from alembic import command

    from advocate_app import create_app
    from advocate_app.cli import alembic_config
    from bench.seed import seed

    app = create_app()
    with app.app_context():
        command.upgrade(alembic_config(), "head")
        started = time.perf_counter()
        ids = seed(people=people)
        ids["seed_seconds"] = round(time.perf_counter() - started, 1)
    return ids


def _sign_in(port: int, identifier: str, password: str) -> str:
    """Sign in over HTTP; returns the Cookie header for later requests."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", "/login")
    response = connection.getresponse()
    cookie = response.getheader("Set-Cookie").split(";")[0]
    token = CSRF.search(response.read().decode()).group(1)
    body = urllib.parse.urlencode({"csrf_token": token, "identifier": identifier, "password": password})
    connection.request("POST", "/login", body, {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"})
    response = connection.getresponse()
    response.read()
    if response.status != 302:
        raise SystemExit(f"could not sign in as {identifier}: {response.status}")
    return response.getheader("Set-Cookie").split(";")[0]


def _load(port: int, path: str, cookie: str | None, clients: int, seconds: float) -> dict:
    """Keep ``clients`` connections busy on ``path`` for ``seconds``; latency percentiles and throughput."""
    timings: list[float] = []
    errors = [0]
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def client() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        headers = {"Accept-Encoding": "br, gzip"}
        if cookie:
            headers["Cookie"] = cookie
        mine = []
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            response.read()
            mine.append(time.perf_counter() - started)
            if response.status != 200:
                with lock:
                    errors[0] += 1
        with lock:
            timings.extend(mine)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    begun = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - begun
    ordered = sorted(timings)

    def percentile(p: float) -> float:
        return round(1000 * ordered[min(len(ordered) - 1, int(p * len(ordered)))], 1)

    return {
        "requests": len(ordered),
        "errors": errors[0],
        "p50": percentile(0.50),
        "p95": percentile(0.95),
        "p99": percentile(0.99),
        "mean": round(1000 * statistics.fmean(ordered), 1),
        "rps": round(len(ordered) / elapsed, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--admin-url", default=os.environ.get("BENCH_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
    )
    parser.add_argument("--database", default="advocate_bench")
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--port", type=int, default=5099)
    parser.add_argument("--output", default=str(ROOT / "docs" / "benchmarks.md"))
    args = parser.parse_args()

    database_url = _fresh_database(args.admin_url, args.database)
    ids = _prepare(database_url, args.people)
    print(f"seeded {args.people} people in {ids['seed_seconds']} s", flush=True)

    env = {**os.environ, "DATABASE_URL": database_url, "APP_ENV": "development", "RATELIMIT_ENABLED": "false"}
    server = subprocess.Popen(  # noqa: S603 - our own gunicorn, on loopback
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--bind",
            f"127.0.0.1:{args.port}",
            "--workers",
            str(args.workers),
            "--threads",
            "4",
            "--log-level",
            "warning",
            "advocate_app:create_app()",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        for _ in range(100):
            try:
                http.client.HTTPConnection("127.0.0.1", args.port, timeout=1).request("GET", "/healthz")
                break
            except OSError:
                time.sleep(0.2)
        advocate = _sign_in(args.port, ids["advocate"], ids["password"])
        worker = _sign_in(args.port, ids["worker"], ids["password"])
        person = _sign_in(args.port, ids["person"], ids["password"])
        pages = [
            ("sign-in page (floor)", "/login", None),
            ("advocate caseload (200 people)", "/people", advocate),
            ("plan with 30 goals and 100 steps", f"/people/{ids['big_plan_person']}/plan", advocate),
            ("organisation inbox (500 referrals)", "/referrals", worker),
            ("the person's own plan", "/me", person),
        ]
        results = []
        for name, path, cookie in pages:
            _load(args.port, path, cookie, args.clients, 2.0)  # warm up
            results.append((name, path, _load(args.port, path, cookie, args.clients, args.seconds)))
            print(name, results[-1][2], flush=True)
    finally:
        server.terminate()
        server.wait(timeout=30)

    floor = results[0][2]["rps"]
    lines = [
        "# Benchmarks",
        "",
        f"Measured by `make bench` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC: {platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}, PostgreSQL on loopback, gunicorn "
        f"{args.workers} workers × 4 threads, {args.clients} concurrent clients for {args.seconds:.0f} s a page, "
        f"load generated on the same machine. Data: {args.people:,} people (200 on the advocate's caseload), "
        "about 20 plan entries each, 20,000 referrals (500 to the worker's organisation), 50 organisations.",
        "",
        "| Page | p50 ms | p95 ms | p99 ms | requests/s | share of the floor | errors |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, _path, figures in results:
        lines.append(
            f"| {name} | {figures['p50']} | {figures['p95']} | {figures['p99']} | {figures['rps']} | "
            f"{figures['rps'] / floor:.0%} | {figures['errors']} |"
        )
    lines += ["", "Budget (DESIGN.md §6): p95 ≤ 50 ms at 20 concurrent clients with 10,000 people.", ""]
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    Path(args.output).write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
