"""Stored and reflected XSS: hostile markup typed into every free-text field of every form, and into every
query parameter, comes back escaped on every page that shows it, to everyone who may open that page."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit

from tests.attack_surface import TALLY, WEBHOOKS, form_for, targets, token
from tests.test_authorisation_matrix import COLUMNS, ENDS_THE_SESSION, ROWS, stage  # noqa: F401 - reused world

PAYLOADS = [
    '<script>alert("xss{n}")</script>',
    '"><img src=x onerror=alert("xss{n}")>',
    "'><svg onload=alert('xss{n}')>",
    "javascript:alert('xss{n}')//<a href=x>",
    '<iframe srcdoc="&lt;script&gt;parent.xss{n}()&lt;/script&gt;"></iframe>',
]
# What must never appear in a page as markup: the tags and handlers the payloads carry.
RAW = re.compile(r"<script>alert|<img src=x onerror|<svg onload|<iframe srcdoc|<a href=x>", re.IGNORECASE)


def payload(n: int) -> str:
    return PAYLOADS[n % len(PAYLOADS)].format(n=n)


def assert_no_raw_markup(response, where: str) -> None:
    if response.mimetype != "text/html":
        return
    html = response.get_data(as_text=True)
    # The page's own markup has none of these; any match came from what was typed.
    match = RAW.search(html)
    assert match is None, f"{where}: unescaped {match.group(0)!r} in the page"


def test_hostile_markup_in_every_free_text_field_is_shown_escaped_everywhere(stage):  # noqa: F811
    counter = 0
    planted: dict[str, str] = {}
    for target in targets(stage, "POST"):
        if target.changes_the_world or target.ends_session or target.endpoint in WEBHOOKS:
            continue
        form = form_for(stage, target)
        data = dict(form.defaults())
        data.update(target.data)
        for name, field in form.fields.items():
            if field.free_text and name != "csrf_token":
                counter += 1
                data[name] = payload(counter)
                planted[f"xss{counter}"] = f"{target.endpoint}:{name}"
        client = stage.client(target.column)
        response = client.post(target.path, data={"csrf_token": token(client), **data})
        TALLY["xss payloads submitted"] += sum(1 for v in data.values() if "xss" in str(v))
        assert response.status_code < 500, target.path
        assert_no_raw_markup(response, f"POST {target.path}")

    shown = set()
    for column in COLUMNS:
        client = stage.client(column)
        for row in ROWS:
            if row["method"] != "GET" or row[column] != "ok" or (row["endpoint"], "GET") in ENDS_THE_SESSION:
                continue
            path = row["path"].format(**stage.world.ids)
            response = client.get(path)
            TALLY["pages checked for stored xss"] += 1
            assert_no_raw_markup(response, f"{column} GET {path}")
            shown |= set(re.findall(r"xss\d+", response.get_data(as_text=True)))
    # The test means something only if payloads were stored and shown back.
    TALLY["stored xss payloads seen escaped"] += len(shown)
    assert len(shown) >= 10, f"only {sorted(shown)} of {len(planted)} payloads were stored and shown"


def test_hostile_markup_in_query_parameters_is_never_reflected_as_markup(stage):  # noqa: F811
    n = 1000
    for row in ROWS:
        if row["method"] != "GET" or (row["endpoint"], "GET") in ENDS_THE_SESSION:
            continue
        column = next((c for c in COLUMNS if row[c] == "ok"), "anonymous")
        client = stage.client(column)
        parts = urlsplit(row["path"].format(**stage.world.ids))
        params = dict(parse_qsl(parts.query))
        for name in [*params, "next", "q", "page", "status"]:
            n += 1
            query = urlencode({**params, name: payload(n)})
            response = client.get(f"{parts.path}?{query}")
            TALLY["reflected xss attempts"] += 1
            assert response.status_code < 500, f"{parts.path}?{query}"
            assert_no_raw_markup(response, f"GET {parts.path}?{query}")
