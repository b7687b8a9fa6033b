"""Response headers on every page: a strict CSP with a nonce, no sniffing, no referrer, no framing, no caching.

Every page of the authorisation matrix is opened by everyone the matrix lets in, and its headers checked.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest

from advocate_app import db, resource_dir
from advocate_app.accounts.services import issue_setup_code
from tests import factories
from tests.conftest import form_post
from tests.test_authorisation_matrix import COLUMNS, ROWS, stage  # noqa: F401 - the matrix's world, reused

SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)
NONCE_ATTR = re.compile(r'\bnonce="([^"]+)"')
PUBLIC_JSON = {"health.healthz"}
# Files of no one's data that a phone is meant to keep (tests/test_offline.py checks their caching).
KEPT_FILES = {"offline.words"}


def policy(response) -> dict[str, list[str]]:
    """The Content-Security-Policy as directive → sources."""
    directives = {}
    for part in response.headers["Content-Security-Policy"].split(";"):
        name, *sources = part.split()
        directives[name] = sources
    return directives


def assert_strict_headers(response) -> None:
    csp = policy(response)
    nonces = [source for source in csp["script-src"] if source.startswith("'nonce-")]
    assert len(nonces) == 1
    assert "'unsafe-inline'" not in response.headers["Content-Security-Policy"]
    assert "'unsafe-eval'" not in response.headers["Content-Security-Policy"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["default-src"] == ["'self'"]
    assert csp["object-src"] == ["'none'"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert "no-store" in response.headers["Cache-Control"]
    if response.status_code != 302 and response.mimetype == "text/html":
        html = response.get_data(as_text=True)
        inline = [attrs for attrs in SCRIPT_TAG.findall(html) if "src=" not in attrs]
        assert inline, "the page has no inline script to carry the nonce"
        for attrs in inline:
            assert NONCE_ATTR.search(attrs).group(1) == nonces[0][len("'nonce-") : -1]
        assert " style=" not in html and "<style" not in html  # style-src 'self' would block them


@pytest.mark.parametrize("column", COLUMNS)
def test_every_page_anyone_may_open_has_a_strict_policy_and_is_never_cached(stage, column, subtests):  # noqa: F811
    client = stage.client(column)
    for row in ROWS:
        if row["method"] != "GET" or row[column] != "ok" or row["endpoint"] in PUBLIC_JSON | KEPT_FILES:
            continue
        if row["endpoint"] == "accounts.exit_page":
            continue  # it ends the session; checked in test_accounts
        with subtests.test(row["path"]):
            assert_strict_headers(client.get(row["path"].format(**stage.world.ids)))


def test_the_page_for_choosing_login_details_has_a_strict_policy_too(client, in_app):
    advocate = factories.advocate()
    person = factories.person(advocate)
    with in_app():
        code = issue_setup_code(created_by=advocate, person=person, lifetime=timedelta(minutes=15))
        db.session.commit()
    form_post(client, "/setup", {"code": code})
    response = client.get("/setup/account")
    assert response.status_code == 200
    assert_strict_headers(response)


def test_each_response_gets_a_fresh_nonce(client):
    first, second = (policy(client.get("/login"))["script-src"] for _ in range(2))
    assert first != second


def test_the_health_check_is_not_cached_or_sniffed(client):
    response = client.get("/healthz")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response.headers["Cache-Control"]


def built_assets() -> dict:
    manifest = resource_dir("static") / "dist" / "manifest.json"
    if not manifest.exists():
        pytest.skip("static/dist/manifest.json is missing: run `npm run build`")
    return json.loads(manifest.read_text())


def test_hashed_static_files_are_cached_for_a_year_and_never_revalidated(client):
    for name, hashed in built_assets().items():
        response = client.get(f"/static/dist/{hashed}")
        assert response.status_code == 200, name
        cache_control = {part.strip() for part in response.headers["Cache-Control"].split(",")}
        assert {"public", "max-age=31536000", "immutable"} <= cache_control, name
        assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_unhashed_or_missing_static_files_are_not_cached_as_immutable(client):
    built_assets()
    for path in ("/static/favicon.svg", "/static/dist/no-such-file.css"):
        assert "immutable" not in client.get(path).headers.get("Cache-Control", ""), path
