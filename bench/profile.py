"""Where one view of a key page spends its time, in-process, on the data ``make bench`` seeded.

Renders each page through Flask's test client (one request at a time, no network), signed in as the
bench's advocate, worker or person, and reports the median time of a view beside the floor's, then a
cProfile breakdown by what the time went on: SQL (waiting for PostgreSQL), the ORM (building objects
from rows, building statements), Jinja (templates and macros), translation, the session and sign-in,
and the audit trail.

    .venv/bin/python -m bench.profile --database t_bench --views 200 [--page caseload] [--top 25] [--statements]

``--statements`` also times each SQL statement of a view from the moment the driver sends it to the moment its
rows are back (SQLAlchemy's cursor events), and lists them by their share of a view with PostgreSQL's plan of
the slowest (``EXPLAIN ANALYZE``): what the server spends is not in the app's CPU, but on the bench's two cores
it competes with it.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import statistics
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# What a function's own time counts as, by the file it lives in (first match wins).
CATEGORIES = (
    ("SQL (driver and server)", ("psycopg",)),
    ("ORM and statements", ("sqlalchemy",)),
    ("GOV.UK macros", ("govuk_frontend_jinja",)),
    ("Jinja (templates)", ("jinja2", "<template>", "templates/", "markupsafe")),
    ("translation and dates", ("babel", "flask_babel", "advocate_app/i18n.py", "gettext")),
    ("session and sign-in", ("flask_login", "advocate_app/accounts/auth.py", "itsdangerous")),
    ("audit", ("advocate_app/audit",)),
    ("compression", ("brotli", "flask_compress", "gzip", "zlib")),
    ("Flask and Werkzeug", ("flask/", "werkzeug")),
    ("the app's own code", ("advocate_app",)),
)


def _category(filename: str) -> str:
    for name, needles in CATEGORIES:
        if any(needle in filename for needle in needles):
            return name
    return "other (Python itself, libraries)"


def sign_in(app, identifier: str, password: str):
    """A test client signed in through the forms (staff type the code their app shows)."""
    from bench.evidence_side import signed_in_client
    from bench.seed import BENCH_TOTP_SECRET

    return signed_in_client(app, identifier, password, BENCH_TOTP_SECRET)


def pages(ids: dict) -> dict[str, tuple[str, str]]:
    """Each key page: its path and who views it."""
    return {
        "floor": ("/bench/floor", "advocate"),
        "layout": ("/accessibility", "advocate"),
        "caseload": ("/people", "advocate"),
        "big_plan": (f"/people/{ids['big_plan_person']}/plan", "advocate"),
        "inbox": ("/referrals", "worker"),
        "own_plan": ("/me", "person"),
    }


def app_for(database_url: str):
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("APP_ENV", "development")
    os.environ["BENCH_ROUTES"] = "true"
    os.environ["RATELIMIT_ENABLED"] = "false"
    from advocate_app import create_app

    return create_app()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--admin-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--database", default=os.environ.get("BENCH_DATABASE", "advocate_bench"))
    parser.add_argument("--ids", default=None, help="the ids file the bench wrote (default: the database's)")
    parser.add_argument("--views", type=int, default=200)
    parser.add_argument("--page", action="append", help="only these pages (floor, layout, caseload, ...)")
    parser.add_argument("--top", type=int, default=0, help="also print the N functions with most own time")
    parser.add_argument("--statements", action="store_true", help="also time each SQL statement of a view")
    parser.add_argument("--plans", type=int, default=1, help="with --statements: plans of the N slowest")
    args = parser.parse_args()

    from sqlalchemy import make_url

    url = make_url(args.admin_url).set(database=args.database).render_as_string(hide_password=False)
    ids_path = Path(args.ids) if args.ids else ROOT / "instance" / f"bench-{args.database}.json"
    ids = json.loads(ids_path.read_text())
    app = app_for(url)
    clients = {
        "advocate": sign_in(app, ids["advocate"], ids["password"]),
        "worker": sign_in(app, ids["worker"], ids["password"]),
        "person": sign_in(app, ids["person"], ids["password"]),
    }
    chosen = {name: page for name, page in pages(ids).items() if not args.page or name in args.page}
    floor_ms = None
    for name, (path, who) in chosen.items():
        client = clients[who]
        for _ in range(10):  # warm: templates compiled, statements prepared
            assert client.get(path, headers={"Accept-Encoding": "br"}).status_code == 200

        times = []
        for _ in range(args.views):
            started = time.perf_counter()
            client.get(path, headers={"Accept-Encoding": "br"})
            times.append((time.perf_counter() - started) * 1000)
        median = statistics.median(times)
        if name == "floor":
            floor_ms = median
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(args.views):
            client.get(path, headers={"Accept-Encoding": "br"})
        profiler.disable()
        stats = pstats.Stats(profiler)
        by_category: dict[str, float] = {}
        total = 0.0
        for (filename, _line, function), (_cc, _nc, own, _cum, _callers) in stats.stats.items():
            # A method of a C extension has no file: "<method 'finish' of 'brotli.Compressor' objects>".
            category = _category(function if filename == "~" else filename)
            by_category[category] = by_category.get(category, 0.0) + own
            total += own
        relative = f" = {median / floor_ms:.1f} floors" if floor_ms else ""
        print(f"\n## {name} ({path}): median {median:.2f} ms a view{relative}; under cProfile:")
        for category, seconds in sorted(by_category.items(), key=lambda kv: -kv[1]):
            print(f"  {category:<36} {1000 * seconds / args.views:7.2f} ms  {seconds / total:5.0%}")
        if args.top:
            stats.sort_stats("tottime").print_stats(args.top)
        if args.statements:
            _statement_times(app, client, path, args.views, args.plans)


def _statement_times(app, client, path: str, views: int, plans: int) -> None:
    """Each statement of a view: milliseconds a view from sending it to having its rows, slowest first, and
    PostgreSQL's plans of the ``plans`` slowest, run with the parameters they were last sent."""
    from sqlalchemy import event

    from advocate_app import db

    timings: dict[str, list[float]] = {}
    last_parameters: dict[str, object] = {}

    def before(conn, cursor, statement, parameters, context, executemany):
        conn.info["bench_started"] = time.perf_counter()

    def after(conn, cursor, statement, parameters, context, executemany):
        timings.setdefault(statement, []).append(time.perf_counter() - conn.info.pop("bench_started"))
        last_parameters[statement] = parameters

    with app.app_context():
        engine = db.engine()
    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    try:
        for _ in range(views):
            client.get(path, headers={"Accept-Encoding": "br"})
    finally:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "after_cursor_execute", after)
    ranked = sorted(timings.items(), key=lambda kv: -sum(kv[1]))
    print(f"  statements, ms a view (sent to rows back), {views} views:")
    for statement, seconds in ranked:
        shown = " ".join(statement.split())[:110]
        print(f"    {1000 * sum(seconds) / views:6.2f} ms  x{len(seconds) / views:.0f}  {shown}")
    with engine.connect() as connection:
        cursor = connection.connection.cursor()
        for statement, _seconds in ranked[:plans]:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, last_parameters[statement])
            print(f"  plan of: {' '.join(statement.split())[:100]}")
            print("\n".join("    " + row[0] for row in cursor.fetchall()))
        connection.rollback()


if __name__ == "__main__":
    main()
