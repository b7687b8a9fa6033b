"""One side of ``make bench-evidence``'s side-by-side: the coordinator's evidence dashboard and the export, timed
with whichever ``advocate_app`` comes first on the path.

``bench.evidence`` starts this file twice on the same database: once with today's tree first on ``PYTHONPATH``,
once with the tree as it was at an earlier commit (checked out beside it with ``git worktree``). It is run by its
path, not as a module, so that this folder, not the repository's root, is first on the path and ``PYTHONPATH``
decides which ``advocate_app`` is imported. Once signed in as the coordinator it prints ``ready`` and the folder
the app came from, then answers each line it reads (``dashboard`` or ``export``) with the milliseconds that one
view or build took, so that the two sides can be timed turn about.

    DATABASE_URL=... PYTHONPATH=<tree> .venv/bin/python bench/evidence_side.py --path ... --totp-secret ... \
        --password ...
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time

import pyotp
from sqlalchemy import create_engine, text

CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')
COORDINATOR = "coordinator@bench.example"


def unused_code(totp: pyotp.TOTP, identifier: str) -> str:
    """A code the app will take for ``identifier``: one of the time steps it accepts (one either side of now) that no
    earlier sign-in used, since a code works once. Another process of the bench may have signed in moments before."""
    engine = create_engine(os.environ["DATABASE_URL"])
    with engine.connect() as connection:
        last = connection.scalar(
            text("SELECT totp_last_counter FROM user_account WHERE email = :id OR username = :id"), {"id": identifier}
        )
    engine.dispose()
    while True:
        current = totp.timecode(time.time())
        step = current - 1 if last is None else max(current - 1, last + 1)
        if step <= current + 1:
            return totp.generate_otp(step)
        time.sleep(1)


def signed_in_client(app, identifier: str, password: str, totp_secret: str):
    """A test client signed in through the forms (staff type the code their app shows). The bench's one way of
    signing in in-process (``bench.profile`` and ``bench.evidence`` too)."""
    client = app.test_client()
    token = CSRF.search(client.get("/login").get_data(as_text=True)).group(1)
    answer = client.post("/login", data={"csrf_token": token, "identifier": identifier, "password": password})
    assert answer.status_code == 302, answer.status_code
    if answer.location.endswith("/login/code"):
        token = CSRF.search(client.get("/login/code").get_data(as_text=True)).group(1)
        code = unused_code(pyotp.TOTP(totp_secret), identifier)
        answer = client.post("/login/code", data={"csrf_token": token, "code": code})
        assert answer.status_code == 302, answer.status_code
    return client


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--path", required=True, help="the dashboard's address, with its period")
    parser.add_argument("--first-month", required=True)
    parser.add_argument("--last-month", required=True)
    # bench.seed's, passed in: this file imports nothing of the bench package, which may be of another tree.
    parser.add_argument("--totp-secret", required=True)
    parser.add_argument("--password", required=True)
    options = parser.parse_args()
    os.environ.setdefault("APP_ENV", "development")

    import advocate_app
    from advocate_app import create_app
    from advocate_app.clock import local_today
    from advocate_app.evidence import export, queries
    from advocate_app.evidence.period import Period

    app = create_app()
    app.config["RATELIMIT_ENABLED"] = False
    client = signed_in_client(app, COORDINATOR, options.password, options.totp_secret)

    def dashboard():
        answer = client.get(options.path)
        assert answer.status_code == 200 and b"Distance travelled" in answer.data, answer.status_code

    def build():
        with app.app_context():
            period = Period.of_months(options.first_month, options.last_month)
            scope = queries.Scope(queries.partnership_people(), period, local_today())
            export.build(scope, b"benchmark pseudonym key").zip_bytes()

    work = {"dashboard": dashboard, "export": build}
    for function in work.values():
        function()  # warm: templates, translations, the database's buffers
    print(json.dumps({"ready": os.path.dirname(os.path.dirname(advocate_app.__file__))}), flush=True)
    for line in sys.stdin:
        started = time.perf_counter()
        work[line.strip()]()
        print(json.dumps({"ms": (time.perf_counter() - started) * 1000}), flush=True)


if __name__ == "__main__":
    main()
