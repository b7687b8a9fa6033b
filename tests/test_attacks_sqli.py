"""SQL injection: hostile strings in every search box, filter and query parameter change nothing in the
database, never fail, and show nothing beyond what the same person sees without a filter."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit

from tests.attack_surface import TALLY, CommittedWrites, forms_on
from tests.test_authorisation_matrix import ENDS_THE_SESSION, ROWS, stage  # noqa: F401 - reused world

INJECTIONS = [
    "' OR '1'='1",
    "' OR 1=1 --",
    '" OR ""="',
    "%' OR '%'='",
    "%",
    "_",
    "\\",
    "'; DROP TABLE person; --",
    "1; UPDATE user_account SET role='coordinator' --",
    "' UNION SELECT id, email, password_hash FROM user_account --",
    "1' AND SLEEP(5) AND '1'='1",
    "'; SELECT pg_sleep(5); --",
    "admin'--",
    "1 OR 1=1",
    "$where: '1 == 1'",
    "' || (SELECT string_agg(email, ',') FROM user_account) || '",
]
# One of each kind of user (the others see the same searches with less in them).
ATTACKERS = ["individual_own", "advocate_caseload", "org_consented", "coordinator_break_glass"]
RECORD_LINK = re.compile(r'href="(/(?:people|shared|referrals|directory/services|admin/users|admin/organisations)/\d+)')


def searches(on_stage, column: str) -> list[tuple[str, dict]]:
    """Every GET form (search, filter) on the column's pages, and every query parameter in the matrix."""
    client = on_stage.client(column)
    found = []
    for row in ROWS:
        if row["method"] != "GET" or row[column] != "ok" or (row["endpoint"], "GET") in ENDS_THE_SESSION:
            continue
        parts = urlsplit(row["path"].format(**on_stage.world.ids))
        params = dict(parse_qsl(parts.query))
        if params:
            found.append((parts.path, params))
        response = client.get(parts.path + (f"?{parts.query}" if parts.query else ""))
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        for form in forms_on(response.get_data(as_text=True), parts.path):
            if form.method == "get" and form.fields:
                found.append((urlsplit(form.action).path or parts.path, dict(form.defaults())))
    return found


def test_injection_strings_in_every_search_and_filter_change_and_leak_nothing(stage):  # noqa: F811
    searched = 0
    for column in ATTACKERS:
        client = stage.client(column)
        seen = set()
        for path, params in searches(stage, column):
            if (path, tuple(sorted(params))) in seen:
                continue
            seen.add((path, tuple(sorted(params))))
            plain = client.get(path)
            visible = set(RECORD_LINK.findall(plain.get_data(as_text=True))) if plain.status_code == 200 else set()
            for name in params:
                for injection in INJECTIONS:
                    with CommittedWrites(stage.app) as writes:
                        response = client.get(f"{path}?{urlencode({**params, name: injection})}")
                    TALLY["sql injection attempts"] += 1
                    searched += 1
                    assert response.status_code < 500, f"{column} {path} {name}={injection!r}"
                    assert not writes.tables, f"{column} {path} {name}={injection!r} wrote to {writes.tables}"
                    if response.status_code == 200 and plain.status_code == 200:
                        shown = set(RECORD_LINK.findall(response.get_data(as_text=True)))
                        assert shown <= visible | {path}, (
                            f"{column} {path} {name}={injection!r} showed {shown - visible}"
                        )
                    body = response.get_data(as_text=True)
                    assert "$argon2" not in body, "a password hash leaked"
    assert searched > 100, "no searches or filters were found to attack"


def test_injection_strings_at_sign_in_open_nothing(stage):  # noqa: F811
    from tests.conftest import sign_in

    for injection in INJECTIONS:
        client = stage.app.test_client()
        response = sign_in(client, injection, injection, second_factor=False)
        TALLY["sql injection attempts"] += 1
        assert response.status_code == 200
        assert client.get("/account").status_code == 302
