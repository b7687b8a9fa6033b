"""``make bench``: serve a large data set with gunicorn and time the key pages under concurrent load.

Seeds its own PostgreSQL database (``advocate_bench``: the only one it creates, fills or drops; the
server's ``postgres`` database is used only to create it), starts gunicorn on loopback with the bench
routes on, signs in as an advocate, an organisation worker and a person, and loads each key page from
a second process (wrk, 20 connections) for a fixed time. Each page's p50/p95/p99 latency and requests
per second are set beside those of ``/bench/floor`` (signed in, session checked, nothing else) on the
same server in the same run. It also checks that each page's SQL statements do not grow with the rows
it shows, records the compressed size of each page's HTML, runs Lighthouse (mobile) on three pages,
and writes everything to docs/benchmarks.md, above the line other sections are appended below.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

import pyotp
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')
OTHER_SECTIONS = "<!-- other sections below -->"
BENCH_DATABASE = "advocate_bench"
STATIC_PAGE = "layout only: a page with no queries of its own (accessibility statement)"
FLOOR = "floor: signed in, session checked"
CASELOAD = "advocate caseload (200 people, 25 a page)"
BIG_PLAN = "plan with 12 needs, 30 goals and 100 steps"
INBOX = "organisation inbox (500 referrals)"
OWN_PLAN = "the person's own plan"
# DESIGN.md §6: each page's requests per second as a share of the floor's, in the same run.
BUDGETS = {CASELOAD: 0.33, BIG_PLAN: 0.20, INBOX: 0.33, OWN_PLAN: 0.33, STATIC_PAGE: 0.80}
# DESIGN.md §6: a key page's cost (floors per request) within 1.5× from 1,000 to 100,000 people.
GROWTH_BUDGET = 1.5


BENCH_MARK = "advocate_app benchmark data: may be dropped by make bench"


def _url_of(admin_url: str, name: str) -> str:
    return create_engine(admin_url).url.set(database=name).render_as_string(hide_password=False)


def seed_fingerprint(people: int) -> str:
    """What a seeded database was made from: the seed's code, the migrations and the number of people."""
    import hashlib

    digest = hashlib.sha256(str(people).encode())
    for path in [ROOT / "bench" / "seed.py", *sorted((ROOT / "migrations" / "versions").glob("*.py"))]:
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _database_mark(admin_url: str, name: str) -> str | None:
    """The comment on the database (its mark and fingerprint), or None when there is no such database."""
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        row = connection.execute(
            text("SELECT coalesce(shobj_description(oid, 'pg_database'), '') FROM pg_database WHERE datname = :n"),
            {"n": name},
        ).first()
    engine.dispose()
    return None if row is None else row[0]


def _fresh_database(admin_url: str, name: str, fingerprint: str = "") -> str:
    """Drop and create the benchmark's own database; returns its URL.

    The benchmark only ever drops a database it made itself: one it marked with ``BENCH_MARK`` as its
    comment when it created it (or one named ``advocate_bench*``, as earlier runs named theirs).
    """
    mark = _database_mark(admin_url, name)
    if mark is not None and not mark.startswith(BENCH_MARK) and not name.startswith(BENCH_DATABASE):
        raise SystemExit(f"refusing to drop {name!r}: the benchmark did not make it")
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
        # Marked as not yet seeded: the fingerprint goes on once the seed has committed.
        connection.execute(text(f"COMMENT ON DATABASE \"{name}\" IS '{BENCH_MARK}'"))
        # As README advises for a database on SSD or in memory: PostgreSQL's default of 4 is for spinning
        # disks, and with it the planner scans every person to find one advocate's 200.
        connection.execute(text(f'ALTER DATABASE "{name}" SET random_page_cost = 1.1'))
    engine.dispose()
    return _url_of(admin_url, name)


def _mark_seeded(admin_url: str, name: str, fingerprint: str) -> None:
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f"COMMENT ON DATABASE \"{name}\" IS '{BENCH_MARK} {fingerprint}'"))
    engine.dispose()


def seeded_database(admin_url: str, name: str, people: int, fresh: bool = False) -> tuple[str, dict]:
    """A database seeded with ``people``: the one an earlier run seeded from the same seed code and migrations
    (its fingerprint is its comment, its ids in instance/), else made and seeded now. Returns URL and ids."""
    fingerprint = seed_fingerprint(people)
    ids_file = ROOT / "instance" / f"bench-{name}.json"
    if not fresh and ids_file.exists() and _database_mark(admin_url, name) == f"{BENCH_MARK} {fingerprint}":
        ids = json.loads(ids_file.read_text())
        print(f"{name}: reusing the {people:,} people seeded earlier (same seed and migrations)", flush=True)
        return _url_of(admin_url, name), ids
    database_url = _fresh_database(admin_url, name)
    ids = _prepare(database_url, people)
    ids_file.parent.mkdir(exist_ok=True)
    ids_file.write_text(json.dumps(ids))
    _mark_seeded(admin_url, name, fingerprint)
    print(f"{name}: seeded {people:,} people in {ids['seed_seconds']} s", flush=True)
    return database_url, ids


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
    app.extensions["advocate_app.engine"].dispose()
    return ids


def _get(port: int, path: str, cookie: str | None = None) -> http.client.HTTPResponse:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Accept-Encoding": "br, gzip"}
    if cookie:
        headers["Cookie"] = cookie
    connection.request("GET", path, headers=headers)
    response = connection.getresponse()
    response.body = response.read()
    return response


def sign_in(port: int, identifier: str, password: str) -> str:
    """Sign in through the login form over HTTP (and, for staff, the code their app shows); returns the
    Cookie header for later requests."""
    from bench.seed import BENCH_TOTP_SECRET

    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    cookie, location = _post_form(connection, "/login", {"identifier": identifier, "password": password}, None)
    if location.endswith("/login/code"):
        totp = pyotp.TOTP(BENCH_TOTP_SECRET)
        try:
            cookie, _ = _post_form(connection, "/login/code", {"code": totp.now()}, cookie)
        except SystemExit:
            # Each code signs in once: another sign-in this half-minute (an earlier run) used it. Wait for the next,
            # on a new connection: the server does not keep an idle one open that long.
            time.sleep(totp.interval - time.time() % totp.interval + 1)
            connection.close()
            cookie, _ = _post_form(connection, "/login/code", {"code": totp.now()}, cookie)
    return cookie


def _post_form(connection: http.client.HTTPConnection, path: str, fields: dict, cookie: str | None) -> tuple[str, str]:
    """GET a form and POST it with its CSRF token; returns the session cookie and where it redirects."""
    connection.request("GET", path, headers={"Cookie": cookie} if cookie else {})
    response = connection.getresponse()
    cookie = (response.getheader("Set-Cookie") or cookie or "").split(";")[0]
    token = CSRF.search(response.read().decode()).group(1)
    body = urllib.parse.urlencode({"csrf_token": token, **fields})
    connection.request("POST", path, body, {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"})
    response = connection.getresponse()
    response.read()
    if response.status != 302:
        raise SystemExit(f"could not sign in at {path}: {response.status}")
    return (response.getheader("Set-Cookie") or cookie).split(";")[0], response.getheader("Location") or ""


WRK_REPORT = Path(__file__).with_name("wrk_report.lua")


def _load_wrk(port: int, path: str, cookie: str, clients: int, seconds: float, body: str = "") -> dict:
    """Load one page with wrk (C, its own process); latency percentiles in ms and throughput. With ``body``,
    every request POSTs that form."""
    run = subprocess.run(  # noqa: S603 - wrk on loopback, arguments are ours
        [
            shutil.which("wrk"),
            "-t2",
            f"-c{clients}",
            f"-d{seconds:.0f}s",
            "--timeout",
            "30s",
            "-H",
            f"Cookie: {cookie}",
            "-H",
            "Accept-Encoding: br, gzip",
            "-s",
            str(WRK_REPORT),
            f"http://127.0.0.1:{port}{path}",
        ],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "BENCH_POST_BODY": body},
    )
    figures = json.loads(run.stdout.split("RESULT ", 1)[1])
    figures["errors"] = figures.pop("non_2xx") + figures.pop("socket_errors")
    figures["rps"] = round(figures["requests"] / figures.pop("seconds"), 1)
    return figures


def _load_python(port: int, path: str, cookie: str, clients: int, seconds: float, body: str = "") -> dict:
    """The same measurement with Python threads, for a machine without wrk (it competes with the server for CPU)."""
    timings: list[float] = []
    errors = [0]
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def client() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine = []
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            headers = {"Accept-Encoding": "br, gzip", "Cookie": cookie}
            if body:
                headers["Content-Type"] = "application/x-www-form-urlencoded"
            connection.request("POST" if body else "GET", path, body or None, headers=headers)
            response = connection.getresponse()
            response.read()
            mine.append(time.perf_counter() - started)
            if response.status >= 400:
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


def _queries_and_size(port: int, path: str, cookie: str) -> tuple[int, int]:
    """SQL statements one view of the page runs (after a first view) and its HTML's compressed size."""
    _get(port, path, cookie)  # the first view may record a look at a plan: count the steady state
    response = _get(port, path, cookie)
    if response.status != 200:
        raise SystemExit(f"{path} answered {response.status}")
    return int(response.getheader("X-Query-Count", "-1")), len(response.body)


def _machine(database_url: str) -> dict:
    engine = create_engine(database_url)
    with engine.connect() as connection:
        postgres = connection.execute(text("SHOW server_version")).scalar()
        counts = {
            table: connection.execute(text(f"SELECT count(*) FROM {table}")).scalar()  # noqa: S608 - fixed names
            for table in ("person", "plan_item", "referral", "organisation")
        }
    engine.dispose()
    cpuinfo = Path("/proc/cpuinfo").read_text().splitlines() if Path("/proc/cpuinfo").exists() else []
    cpu = next((line.split(":", 1)[1].strip() for line in cpuinfo if "model name" in line), platform.processor())
    wrk = shutil.which("wrk")
    wrk_version = ""
    if wrk:
        wrk_version = subprocess.run([wrk, "-v"], capture_output=True, text=True).stdout.split(" [")[0]  # noqa: S603
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "postgres": postgres,
        "flask": version("flask"),
        "sqlalchemy": version("sqlalchemy"),
        "gunicorn": version("gunicorn"),
        "load_generator": wrk_version or "Python threads (wrk not installed)",
        "counts": counts,
    }


def _lighthouse(port: int, pages: list[tuple[str, str, str | None]]) -> list[dict]:
    """Lighthouse (mobile) on each page. A page or a figure Lighthouse could not measure is reported (which
    audit, and why) rather than stopping the run: its figures are None and ``missing`` says why."""

    def failed(why: str) -> list[dict]:
        print(f"lighthouse: {why}", flush=True)
        return [{"name": name, "url": None, "missing": [{"audit": "run", "why": why}]} for name, _p, _c in pages]

    if not (ROOT / "node_modules" / "lighthouse").is_dir() or not shutil.which("node"):
        return failed("lighthouse is not installed (npm ci)")
    if not Path(os.environ.get("CHROME_PATH", "/usr/bin/chromium")).exists():
        return failed("Chromium is not installed (CHROME_PATH, or /usr/bin/chromium)")
    spec = {"base": f"http://127.0.0.1:{port}", "pages": [{"name": n, "path": p, "cookie": c} for n, p, c in pages]}
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(spec, handle)
    try:
        run = subprocess.run(  # noqa: S603 - our own script
            [shutil.which("node"), str(ROOT / "scripts" / "lighthouse.mjs"), handle.name],
            capture_output=True,
            text=True,
            cwd=ROOT,
            env={**os.environ, "CHROME_PATH": os.environ.get("CHROME_PATH", "/usr/bin/chromium")},
            timeout=600,
        )
    except subprocess.TimeoutExpired:
        return failed("no answer within 10 minutes")
    finally:
        os.unlink(handle.name)
    figures = {}
    for line in run.stdout.splitlines():
        if line.startswith("{"):
            row = json.loads(line)
            figures[row["name"]] = row
    rows = []
    for name, path, _cookie in pages:
        row = figures.get(name)
        if row is None:
            why = f"exit {run.returncode}: " + (run.stderr.strip().splitlines() or ["no output"])[-1][:300]
            row = {"name": name, "url": None, "missing": [{"audit": "run", "why": why}]}
        elif row.get("url") and not row["url"].endswith(path):
            row.setdefault("missing", []).append(
                {"audit": "page", "why": f"measured {row['url']} instead of {path} (signed out?)"}
            )
        for gap in row.get("missing", []):
            print(f"lighthouse: {name}: {gap['audit']} not measured ({gap['why']})", flush=True)
        rows.append(row)
    return rows


LIGHTHOUSE_FIGURES = ("performance", "accessibility", "lcp_ms", "tbt_ms", "cls")


def _figure(value) -> str:
    """A Lighthouse figure for the table; a dash where the run could not measure it."""
    return "—" if value is None else str(value)


def _serve(database_url: str, port: int, workers: int, threads: int, clients: int) -> subprocess.Popen:
    """gunicorn on the bench database. Each worker holds at most its share of the ``clients`` connections (and
    two more): wrk keeps its connections open, and with no limit one worker sometimes took all twenty, which
    held a load to one core (a floor of 420 requests a second instead of 900, the other workers idle). Behind
    nginx, as in production, each request is a new connection to whichever worker is free."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "APP_ENV": "development",
        "RATELIMIT_ENABLED": "false",
        "BENCH_ROUTES": "true",
    }
    server = subprocess.Popen(  # noqa: S603 - our own gunicorn, on loopback
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "--worker-connections",
            str(-(-clients // workers) + 2),
            "--log-level",
            "warning",
            "advocate_app:create_app()",
        ],
        cwd=ROOT,
        env=env,
    )
    for _ in range(150):
        try:
            if _get(port, "/healthz").status == 200:
                return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit("gunicorn did not start")


def _write(output: Path, lines: list[str]) -> None:
    """Replace our part of the file, keeping every section others appended below the marker."""
    others = ""
    if output.exists() and OTHER_SECTIONS in output.read_text():
        others = output.read_text().split(OTHER_SECTIONS, 1)[1]
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text("\n".join(lines) + "\n\n" + OTHER_SECTIONS + (others or "\n"))


def write_section(output: Path, key: str, lines: list[str]) -> None:
    """Put a section below the marker (``make bench-scale``, the evidence benchmark): replaced when it is there
    already, else added at the end; the rest of the file is kept."""
    begin, end = f"<!-- begin {key} -->", f"<!-- end {key} -->"
    block = "\n".join([begin, *lines, end])
    current = output.read_text() if output.exists() else OTHER_SECTIONS + "\n"
    if begin in current and end in current:
        before, rest = current.split(begin, 1)
        current = before + block + rest.split(end, 1)[1]
    else:
        current = current.rstrip("\n") + "\n\n" + block + "\n"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(current)


def _key_pages(ids: dict, cookies: dict) -> list[tuple[str, str, str, tuple[str, str] | None]]:
    """(name, path, cookie, the same page showing few rows: path and cookie) for the floor and each key page."""
    return [
        (FLOOR, "/bench/floor", cookies["advocate"], None),
        (CASELOAD, "/people", cookies["advocate"], ("/people", cookies.get("small_advocate"))),
        (
            BIG_PLAN,
            f"/people/{ids['big_plan_person']}/plan",
            cookies["advocate"],
            (f"/people/{ids['small_plan_person']}/plan", cookies["advocate"]),
        ),
        (INBOX, "/referrals", cookies["worker"], ("/referrals", cookies.get("small_worker"))),
        (OWN_PLAN, "/me", cookies["person"], None),
        # Not a key page: the accessibility statement runs no query of its own, so it shows what the page
        # layout alone costs next to the floor.
        (STATIC_PAGE, "/accessibility", cookies["advocate"], None),
    ]


def _check_queries(port: int, pages) -> list[tuple[str, int, int | None, int]]:
    checks = []
    for name, path, cookie, few in pages:
        queries, size = _queries_and_size(port, path, cookie)
        few_queries = _queries_and_size(port, *few)[0] if few and few[1] else None
        checks.append((name, queries, few_queries, size))
        print(f"{name}: {queries} queries (few rows: {few_queries}), {size:,} bytes compressed", flush=True)
    return checks


def _load_rounds(port: int, pages, rounds: int, clients: int, seconds: float) -> dict[str, dict]:
    """Rounds through every page, each page's load between two loads of the floor (half as long), the floor after
    one page being the floor before the next: a page's ``share`` in a round is its requests a second over the mean
    of the floor's just before and just after it. A machine that slows down for a while (the floor alone has swung
    from 415 to 938 requests a second between the rounds of one run) slows both alike, and one that drifts during
    a page's load drifts for its two floors too. Every page is warmed (templates compiled, statements prepared)
    at the start of each round, before anything is measured. Each figure, the share included, is the median of its
    rounds; the floor's figures are the median of all its loads. ``pages``: (name, path, cookie, body, check), the
    floor first, where ``check`` is called after each load and raises when the page no longer works."""
    load = _load_wrk if shutil.which("wrk") else _load_python
    (floor_name, floor_path, floor_cookie, _body, floor_check), *others = pages
    measured: dict[str, list[dict]] = {name: [] for name, *_ in pages}

    def load_floor() -> dict:
        floor = load(port, floor_path, floor_cookie, clients, seconds / 2)
        floor_check()
        measured[floor_name].append({**floor, "share": 1.0})
        return floor

    for round_number in range(1, rounds + 1):
        for _name, path, cookie, body, _check in others:
            load(port, path, cookie, clients, 3.0, body)  # warm up
        before = load_floor()
        for name, path, cookie, body, check in others:
            check(start=True)
            figures = load(port, path, cookie, clients, seconds, body)
            check()
            after = load_floor()
            floor_rps = (before["rps"] + after["rps"]) / 2
            figures["share"] = figures["rps"] / floor_rps if floor_rps else 0.0
            measured[name].append(figures)
            print(f"round {round_number}", name, figures, "between floors of", before["rps"], after["rps"], flush=True)
            before = after
    return {name: {**_median_of(runs), "last_requests": runs[-1]["requests"]} for name, runs in measured.items()}


def _still_answers(port: int, path: str, cookie: str):
    def check(start: bool = False) -> None:
        # wrk counts only 4xx and 5xx as errors: make sure the page did not turn into a redirect to sign in.
        if not start and _get(port, path, cookie).status != 200:
            raise SystemExit(f"{path} no longer answers 200 after the load: the figures are not of the page")

    return check


def _write_paths(port: int, database_url: str, ids: dict, cookie: str) -> list[tuple]:
    """The three write paths measured, as (name, path, cookie, form body, check): adding a plan entry (a need),
    a comment on an entry and a check-in, by the advocate for a person on their caseload, audit trail on.

    Each form is first sent once and must redirect (saved; a form sent back with an error answers 200);
    each check afterwards compares the rows and audit events written with the requests wrk counted."""
    person = ids["write_person"]
    engine = create_engine(database_url)
    with engine.connect() as connection:
        plan_id, item_id = connection.execute(
            text(
                "SELECT plan.id, min(plan_item.id) FROM plan JOIN plan_item ON plan_item.plan_id = plan.id "
                "WHERE plan.person_id = :p AND plan.status = 'active' AND plan_item.kind = 'need' GROUP BY plan.id"
            ),
            {"p": person},
        ).one()
    # The form's token is kept in the session: the cookie that comes with it goes with every form sent.
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", f"/people/{person}/plan/needs/new", headers={"Cookie": cookie})
    response = connection.getresponse()
    token = CSRF.search(response.read().decode()).group(1)
    cookie = (response.getheader("Set-Cookie") or cookie).split(";")[0]
    today = datetime.now(UTC).date()
    paths = [
        (
            "add a plan entry (a need)",
            f"/people/{person}/plan/needs/new",
            {"domain": "housing", "priority": "2", "voice": "advocate", "text": "Somewhere warm to live"},
            ("SELECT count(*) FROM plan_item WHERE plan_id = :plan AND kind = 'need'", {"plan": plan_id}),
        ),
        (
            "add a comment to an entry",
            f"/people/{person}/plan/items/{item_id}/comments",
            {"body": "Spoke to the landlord; they will call back on Friday."},
            ("SELECT count(*) FROM plan_comment WHERE item_id = :item", {"item": item_id}),
        ),
        (
            "record a check-in",
            f"/people/{person}/check-ins/new",
            {
                "domain": "housing",
                "score": "6",
                "rated_by": "together",
                "note": "",
                "taken_on-day": str(today.day),
                "taken_on-month": str(today.month),
                "taken_on-year": str(today.year),
            },
            ("SELECT count(*) FROM check_in WHERE person_id = :person", {"person": person}),
        ),
    ]

    def counts(query: tuple) -> tuple[int, int]:
        """Rows and audit events in one statement, so in one snapshot: counted by two, a request that committed
        between them (one still finishing as wrk stopped) showed as a row without its audit event."""
        with engine.connect() as connection:
            both = text(f"SELECT ({query[0]}), (SELECT count(*) FROM audit_event)")  # noqa: S608 - our own SQL
            return tuple(connection.execute(both, query[1]).one())

    measured = []
    for name, path, fields, query in paths:
        body = urllib.parse.urlencode({"csrf_token": token, **fields})
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        connection.request("POST", path, body, {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"})
        response = connection.getresponse()
        response.read()
        if response.status != 302:
            raise SystemExit(f"{name}: the form was not saved ({response.status}): the write path does not work")
        state: dict = {}

        def check(start: bool = False, query=query, state=state) -> None:
            """Counted just before and just after the measured load: nothing else runs meanwhile."""
            rows, audit = counts(query)
            if start:
                state["before"] = (rows, audit)
                return
            state["rows"] = rows - state["before"][0]
            state["audit"] = audit - state["before"][1]

        measured.append((name, path, cookie, body, check, state))
    return measured


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--admin-url",
        default=os.environ.get("BENCH_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"),
        help="a connection used only to create and drop the benchmark database",
    )
    parser.add_argument("--database", default=os.environ.get("BENCH_DATABASE", BENCH_DATABASE))
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--rounds", type=int, default=3, help="rounds through every page; figures are medians")
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--port", type=int, default=5099)
    parser.add_argument("--fresh", action="store_true", help="seed again even when an earlier seed would do")
    parser.add_argument("--reuse", action="store_true", help="(the default now: kept for old scripts)")
    parser.add_argument("--lighthouse-only", action="store_true", help="only Lighthouse")
    parser.add_argument("--seed-only", action="store_true", help="seed the database (or keep it) and stop")
    parser.add_argument(
        "--scale",
        default="",
        help="growth instead: comma-separated numbers of people (1000,10000,100000), one database each",
    )
    parser.add_argument("--output", default=str(ROOT / "docs" / "benchmarks.md"))
    args = parser.parse_args()
    if args.scale:
        from bench.scale import run_scale

        run_scale(args, [int(n) for n in args.scale.split(",")])
        return

    load_before = os.getloadavg()
    database_url, ids = seeded_database(args.admin_url, args.database, args.people, fresh=args.fresh)
    if args.seed_only:
        return

    server = _serve(database_url, args.port, args.workers, args.threads, args.clients)
    try:
        cookies = {who: sign_in(args.port, ids[who], ids["password"]) for who in ("advocate", "worker", "person")}
        lighthouse_pages = [
            ("sign-in page", "/login", None),
            ("the person's own plan", "/me", cookies["person"]),
            ("organisation inbox", "/referrals", cookies["worker"]),
        ]
        if args.lighthouse_only:
            print(json.dumps(_lighthouse(args.port, lighthouse_pages), indent=1))
            return
        for who in ("small_advocate", "small_worker"):
            cookies[who] = sign_in(args.port, ids[who], ids["password"])
        pages = _key_pages(ids, cookies)
        checks = _check_queries(args.port, pages)
        writes = _write_paths(args.port, database_url, ids, cookies["advocate"])
        loads = [(name, path, cookie, "", _still_answers(args.port, path, cookie)) for name, path, cookie, _ in pages]
        loads += [(name, path, cookie, body, check) for name, path, cookie, body, check, _state in writes]
        results = _load_rounds(args.port, loads, args.rounds, args.clients, args.seconds)
        written = {name: state for name, *_rest, state in writes}
        lighthouse = _lighthouse(args.port, lighthouse_pages)
    finally:
        server.terminate()
        server.wait(timeout=30)
    load_after = os.getloadavg()
    machine = _machine(database_url)
    _report(args, machine, results, checks, written, lighthouse, (load_before, load_after))


def _median_of(runs: list[dict]) -> dict:
    """Each figure's median over the rounds (errors added up)."""
    figures = {key: statistics.median(run[key] for run in runs) for key in runs[0] if key != "errors"}
    figures = {key: value if key == "share" else round(value, 1) for key, value in figures.items()}
    figures["errors"] = sum(run["errors"] for run in runs)
    return figures


def _report(args, machine: dict, results: dict, checks, written: dict, lighthouse, loads) -> None:
    counts = machine["counts"]
    lines = [
        "# Benchmarks",
        "",
        f"Measured by `make bench` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC.",
        "",
        f"- Machine: {machine['cpu']}, {machine['cores']} cores, {machine['memory_gb']} GB, {machine['os']}; "
        f"load average {loads[0][0]:.2f} before and {loads[1][0]:.2f} after the run (the machine is shared, "
        "so absolute figures are noisy: the shares of the floor in the same run are what count).",
        f"- Software: Python {machine['python']}, Flask {machine['flask']}, SQLAlchemy {machine['sqlalchemy']}, "
        f"PostgreSQL {machine['postgres']} on loopback, gunicorn {machine['gunicorn']} ({args.workers} workers × "
        f"{args.threads} threads).",
        f"- Load: {machine['load_generator']}, {args.clients} connections for {args.seconds:.0f} s a page after "
        f"3 s of warming up at the start of each round, each page between two loads of {args.seconds / 2:.0f} s of "
        f"the floor, {args.rounds} rounds through every page (each figure is the median of its rounds), on the same "
        "machine as the server, signed in, `Accept-Encoding: br, gzip`.",
        f"- Data: {counts['person']:,} people, {counts['plan_item']:,} plan entries, {counts['referral']:,} "
        f"referrals, {counts['organisation']:,} organisations; the advocate has 200 people, the organisation "
        "500 referrals.",
        "",
        "## Speed at 20 concurrent clients",
        "",
        "The floor is `/bench/floor` on the same server in the same run: signed in, the server-side session "
        "checked, nothing else. A page's share of the floor is its requests per second over the mean of those of "
        "the floor loaded just before and just after it, the median of its rounds (the floor's row: all its loads); "
        "the budgets are DESIGN.md §6's.",
        "",
        "| Page | p50 ms | p95 ms | p99 ms | requests/s | share of the floor | budget | met | errors |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    missed = []
    for name, figures in results.items():
        if name in written:
            continue
        share = figures["share"]
        budget = BUDGETS.get(name)
        met = "–" if budget is None else ("yes" if share >= budget else "**no**")
        if budget is not None and share < budget:
            missed.append(f"{name}: {share:.0%} of the floor, budget {budget:.0%}")
        lines.append(
            f"| {name} | {figures['p50']} | {figures['p95']} | {figures['p99']} | {figures['rps']} | {share:.0%} | "
            f"{'–' if budget is None else f'≥ {budget:.0%}'} | {met} | {figures['errors']} |"
        )
    lines += [
        "",
        "## Write paths at 20 concurrent clients",
        "",
        "The advocate adds to the plan of a person on their caseload: each request is a whole form sent (CSRF "
        "token checked), saved with its audit event and the plan's version counted, and answered with the "
        "redirect to the page it goes back to (not followed). Rows and audit events are counted in the database "
        "after each load: every request wrote its row and its audit event.",
        "",
        "| Write | p50 ms | p95 ms | requests/s | share of the floor | requests answered, rows written and "
        "audit events in the database (last round) | errors |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, state in written.items():
        figures = results[name]
        share = figures["share"]
        lines.append(
            f"| {name} | {figures['p50']} | {figures['p95']} | {figures['rps']} | {share:.0%} | "
            f"{figures.get('last_requests', '?')} / {state.get('rows', '?')} / {state.get('audit', '?')} | "
            f"{figures['errors']} |"
        )
        if state.get("audit", 0) < state.get("rows", 0):
            missed.append(f"{name}: {state.get('rows')} rows but {state.get('audit')} audit events")
    lines += [
        "",
        "## Queries and HTML size",
        "",
        "Queries are the SQL statements of one view (the `X-Query-Count` header of the bench server), with many "
        "rows and with few (an advocate with one person, a plan of 20 entries, an organisation with one "
        "referral). HTML is the page's compressed size on the wire (brotli).",
        "",
        "| Page | queries, many rows | queries, few rows | HTML bytes (br) |",
        "|---|---|---|---|",
    ]
    grown = []
    for name, queries, few_queries, size in checks:
        lines.append(f"| {name} | {queries} | {few_queries if few_queries is not None else '–'} | {size:,} |")
        if few_queries is not None and queries > few_queries:
            grown.append(name)
    lines += ["", "Queries do not grow with the rows shown." if not grown else f"Queries GROW with rows: {grown}."]
    lines += [
        "",
        "## Lighthouse (mobile)",
        "",
        "Lighthouse in its default mobile mode (simulated slow 4G and a slower CPU), headless Chromium. A figure "
        "it could not measure is a dash, and the list below says which audit and why.",
        "",
        "| Page | performance | accessibility | LCP ms | TBT ms | CLS |",
        "|---|---|---|---|---|---|",
        *(
            "| " + " | ".join([row["name"], *(_figure(row.get(key)) for key in LIGHTHOUSE_FIGURES)]) + " |"
            for row in lighthouse
        ),
        *(
            f"- {row['name']}: {gap['audit']} not measured ({gap['why']})"
            for row in lighthouse
            for gap in row.get("missing", [])
        ),
    ]
    notes = Path(__file__).with_name("notes.md")
    if notes.exists():  # what the figures led to, written by people
        lines += ["", notes.read_text(encoding="utf-8").rstrip()]
    _write(Path(args.output), lines)
    print("\n".join(lines))
    if grown:
        missed.append(f"queries grow with the rows shown on: {', '.join(grown)}")
    if missed:
        raise SystemExit("budgets missed:\n- " + "\n- ".join(missed))


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
