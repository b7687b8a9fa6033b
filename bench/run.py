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
BUDGET_P95_MS = 50
BUDGET_SHARE_OF_FLOOR = 0.5
STATIC_PAGE = "for comparison: a page with no queries of its own (accessibility statement)"


BENCH_MARK = "advocate_app benchmark data: may be dropped by make bench"


def _fresh_database(admin_url: str, name: str) -> str:
    """Drop and create the benchmark's own database; returns its URL.

    The benchmark only ever drops a database it made itself: one it marked with ``BENCH_MARK`` as its
    comment when it created it (or one named ``advocate_bench*``, as earlier runs named theirs).
    """
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        exists = connection.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
        mark = connection.scalar(
            text("SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = :n"), {"n": name}
        )
        if exists and mark != BENCH_MARK and not name.startswith(BENCH_DATABASE):
            raise SystemExit(f"refusing to drop {name!r}: the benchmark did not make it")
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
        connection.execute(text(f"COMMENT ON DATABASE \"{name}\" IS '{BENCH_MARK}'"))
        # As README advises for a database on SSD or in memory: PostgreSQL's default of 4 is for spinning
        # disks, and with it the planner scans every person to find one advocate's 200.
        connection.execute(text(f'ALTER DATABASE "{name}" SET random_page_cost = 1.1'))
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
            # Each code signs in once: another sign-in this half-minute (an earlier run) used it. Wait for the next.
            time.sleep(totp.interval - time.time() % totp.interval + 1)
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


def _load_wrk(port: int, path: str, cookie: str, clients: int, seconds: float) -> dict:
    """Load one page with wrk (C, its own process); latency percentiles in ms and throughput."""
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
    )
    figures = json.loads(run.stdout.split("RESULT ", 1)[1])
    figures["errors"] = figures.pop("non_2xx") + figures.pop("socket_errors")
    figures["rps"] = round(figures["requests"] / figures.pop("seconds"), 1)
    return figures


def _load_python(port: int, path: str, cookie: str, clients: int, seconds: float) -> dict:
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
            connection.request("GET", path, headers={"Accept-Encoding": "br, gzip", "Cookie": cookie})
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
    """Lighthouse (mobile) on each page; empty when Node's lighthouse is not installed."""
    if not (ROOT / "node_modules" / "lighthouse").is_dir() or not shutil.which("node"):
        print("lighthouse is not installed (npm ci): skipped", flush=True)
        return []
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
    finally:
        os.unlink(handle.name)
    if run.returncode != 0:
        print(run.stderr[-2000:], flush=True)
        raise SystemExit("lighthouse failed")
    figures = [json.loads(line) for line in run.stdout.splitlines() if line.startswith("{")]
    for row, (_name, path, _cookie) in zip(figures, pages, strict=True):
        if row["url"] is not None and not row["url"].endswith(path):
            raise SystemExit(f"lighthouse measured {row['url']} instead of {path}")
        for gap in row.get("missing", []):
            print(f"lighthouse: {row['name']}: {gap['audit']} not measured ({gap['why']})", flush=True)
    return figures


LIGHTHOUSE_FIGURES = ("performance", "accessibility", "lcp_ms", "tbt_ms", "cls")


def _figure(value) -> str:
    """A Lighthouse figure for the table; a dash where the run could not measure it."""
    return "—" if value is None else str(value)


def _serve(database_url: str, port: int, workers: int, threads: int) -> subprocess.Popen:
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
    parser.add_argument("--reuse", action="store_true", help="keep the database seeded by an earlier run")
    parser.add_argument("--lighthouse-only", action="store_true", help="only Lighthouse (implies --reuse)")
    parser.add_argument("--seed-only", action="store_true", help="seed the database (or keep it) and stop")
    parser.add_argument("--output", default=str(ROOT / "docs" / "benchmarks.md"))
    args = parser.parse_args()
    reuse = args.reuse or args.lighthouse_only
    ids_file = ROOT / "instance" / f"bench-{args.database}.json"

    load_before = os.getloadavg()
    if reuse and ids_file.exists():
        ids = json.loads(ids_file.read_text())
        database_url = create_engine(args.admin_url).url.set(database=args.database).render_as_string(False)
    else:
        database_url = _fresh_database(args.admin_url, args.database)
        ids = _prepare(database_url, args.people)
        ids_file.parent.mkdir(exist_ok=True)
        ids_file.write_text(json.dumps(ids))
        print(f"seeded {args.people} people in {ids['seed_seconds']} s", flush=True)
    if args.seed_only:
        return

    server = _serve(database_url, args.port, args.workers, args.threads)
    try:
        advocate = sign_in(args.port, ids["advocate"], ids["password"])
        worker = sign_in(args.port, ids["worker"], ids["password"])
        person = sign_in(args.port, ids["person"], ids["password"])
        big_plan = f"/people/{ids['big_plan_person']}/plan"
        if args.lighthouse_only:
            figures = _lighthouse(
                args.port,
                [
                    ("sign-in page", "/login", None),
                    ("the person's own plan", "/me", person),
                    ("organisation inbox", "/referrals", worker),
                ],
            )
            print(json.dumps(figures, indent=1))
            return
        small_advocate = sign_in(args.port, ids["small_advocate"], ids["password"])
        small_worker = sign_in(args.port, ids["small_worker"], ids["password"])
        # (name, path, cookie, the same page showing few rows: path and cookie)
        pages = [
            ("floor: signed in, session checked", "/bench/floor", advocate, None),
            ("advocate caseload (200 people, 25 a page)", "/people", advocate, ("/people", small_advocate)),
            (
                "plan with 12 needs, 30 goals and 100 steps",
                big_plan,
                advocate,
                (f"/people/{ids['small_plan_person']}/plan", advocate),
            ),
            ("organisation inbox (500 referrals)", "/referrals", worker, ("/referrals", small_worker)),
            ("the person's own plan", "/me", person, None),
            # Not a key page: the accessibility statement runs no query of its own, so it shows what the
            # page layout alone costs next to the floor.
            (STATIC_PAGE, "/accessibility", advocate, None),
        ]
        checks = []
        for name, path, cookie, few in pages:
            queries, size = _queries_and_size(args.port, path, cookie)
            few_queries = _queries_and_size(args.port, *few)[0] if few else None
            checks.append((name, queries, few_queries, size))
            print(f"{name}: {queries} queries (few rows: {few_queries}), {size:,} bytes compressed", flush=True)
        load = _load_wrk if shutil.which("wrk") else _load_python
        # Rounds through every page, floor included, so that a machine that slows down for a while slows
        # the floor and the pages alike; each figure is the median of its rounds.
        rounds: dict[str, list[dict]] = {name: [] for name, *_ in pages}
        for round_number in range(1, args.rounds + 1):
            for name, path, cookie, _few in pages:
                load(args.port, path, cookie, args.clients, 3.0)  # warm up
                rounds[name].append(load(args.port, path, cookie, args.clients, args.seconds))
                # wrk counts only 4xx and 5xx as errors: make sure the page did not turn into a redirect to sign in.
                if _get(args.port, path, cookie).status != 200:
                    raise SystemExit(f"{path} no longer answers 200 after the load: the figures are not of the page")
                print(f"round {round_number}", name, rounds[name][-1], flush=True)
        results = [(name, _median_of(rounds[name])) for name, *_ in pages]
        lighthouse = _lighthouse(
            args.port,
            [
                ("sign-in page", "/login", None),
                ("the person's own plan", "/me", person),
                ("organisation inbox", "/referrals", worker),
            ],
        )
    finally:
        server.terminate()
        server.wait(timeout=30)
    load_after = os.getloadavg()
    machine = _machine(database_url)
    _report(args, machine, results, checks, lighthouse, (load_before, load_after))


def _median_of(runs: list[dict]) -> dict:
    """Each figure's median over the rounds (errors added up)."""
    figures = {key: round(statistics.median(run[key] for run in runs), 1) for key in runs[0] if key != "errors"}
    figures["errors"] = sum(run["errors"] for run in runs)
    return figures


def _report(args, machine: dict, results, checks, lighthouse, loads) -> None:
    floor = results[0][1]
    counts = machine["counts"]
    lines = [
        "# Benchmarks",
        "",
        f"Measured by `make bench` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC.",
        "",
        f"- Machine: {machine['cpu']}, {machine['cores']} cores, {machine['memory_gb']} GB, {machine['os']}; "
        f"load average {loads[0][0]:.2f} before and {loads[1][0]:.2f} after the run (the machine is shared, "
        "so figures are noisy).",
        f"- Software: Python {machine['python']}, Flask {machine['flask']}, SQLAlchemy {machine['sqlalchemy']}, "
        f"PostgreSQL {machine['postgres']} on loopback, gunicorn {machine['gunicorn']} ({args.workers} workers × "
        f"{args.threads} threads).",
        f"- Load: {machine['load_generator']}, {args.clients} connections for {args.seconds:.0f} s a page after "
        f"3 s of warming up, {args.rounds} rounds through every page (the floor included; each figure is the "
        "median of its rounds), on the same machine as the server, signed in, `Accept-Encoding: br, gzip`.",
        f"- Data: {counts['person']:,} people, {counts['plan_item']:,} plan entries, {counts['referral']:,} "
        f"referrals, {counts['organisation']:,} organisations; the advocate has 200 people, the organisation "
        "500 referrals.",
        "",
        "## Speed at 20 concurrent clients",
        "",
        "The floor is `/bench/floor` on the same server in the same run: signed in, the server-side session "
        "checked, nothing else. A page's share of the floor is its requests per second over the floor's.",
        "",
        "| Page | p50 ms | p95 ms | p99 ms | requests/s | share of the floor | errors |",
        "|---|---|---|---|---|---|---|",
    ]
    verdicts = []
    for name, figures in results:
        share = figures["rps"] / floor["rps"] if floor["rps"] else 0
        lines.append(
            f"| {name} | {figures['p50']} | {figures['p95']} | {figures['p99']} | {figures['rps']} | "
            f"{share:.0%} | {figures['errors']} |"
        )
        if name not in (results[0][0], STATIC_PAGE):
            verdicts.append((name, figures["p95"] <= BUDGET_P95_MS, share >= BUDGET_SHARE_OF_FLOOR))
    lines += [
        "",
        f"Budgets: p95 ≤ {BUDGET_P95_MS} ms (DESIGN.md §6) and at least half the floor's throughput.",
        "",
        "| Page | p95 ≤ 50 ms | ≥ half the floor |",
        "|---|---|---|",
        *(f"| {name} | {'yes' if fast else 'no'} | {'yes' if share else 'no'} |" for name, fast, share in verdicts),
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
    if lighthouse:
        lines += [
            "",
            "## Lighthouse (mobile)",
            "",
            "Lighthouse 12.2 in its default mobile mode (simulated slow 4G and a slower CPU), headless Chromium.",
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
        raise SystemExit(f"queries grow with the rows shown on: {', '.join(grown)}")


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
