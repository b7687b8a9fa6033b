"""Headers on every response, errors included; cookies and HSTS behind a TLS-terminating proxy in production."""

from __future__ import annotations

import re

import pytest

from tests import factories
from tests.attack_surface import TALLY
from tests.conftest import csrf_from, form_post, sign_in
from tests.test_headers import assert_strict_headers, policy

CONVERTER = re.compile(r"<(?:(\w+):)?(\w+)>")
SAMPLE = {"int": "1", "string": "x", "path": "x", "default": "x", None: "x"}


def every_get_rule(app):
    """Each GET rule of the url_map with its converters filled in (``<int:person_id>`` → 1)."""
    for rule in app.url_map.iter_rules():
        if "GET" in rule.methods and rule.endpoint not in ("static", "assets.built"):
            yield rule.endpoint, CONVERTER.sub(lambda m: SAMPLE.get(m.group(1), "1"), rule.rule)


def assert_protective_headers(response, where: str) -> None:
    headers = response.headers
    csp = policy(response)
    assert csp["frame-ancestors"] == ["'none'"], where
    assert "'unsafe-inline'" not in headers["Content-Security-Policy"], where
    assert headers["X-Content-Type-Options"] == "nosniff", where
    assert headers["Referrer-Policy"] == "no-referrer", where
    assert "camera=()" in headers["Permissions-Policy"] and "geolocation=()" in headers["Permissions-Policy"], where
    assert "no-store" in headers["Cache-Control"], where


@pytest.mark.parametrize("who", ["nobody", "advocate", "person"])
def test_every_get_route_of_the_app_answers_with_the_protective_headers(app, client, login, who):
    advocate = factories.advocate()
    if who == "advocate":
        login(client, advocate)
    elif who == "person":
        login(client, factories.individual(factories.person(advocate)))
    for endpoint, path in every_get_rule(app):
        if endpoint == "accounts.exit_page":
            continue  # ends the session: below
        response = client.get(path)
        TALLY["header checks"] += 1
        assert response.status_code < 500, path
        assert_protective_headers(response, f"{who} GET {path}")


def test_error_pages_carry_the_same_headers(app_factory):
    app = app_factory(RATELIMIT_ENABLED=True, MAX_CONTENT_LENGTH=1000, MAX_FORM_MEMORY_SIZE=1000)

    @app.get("/test-only/boom")
    def boom():
        raise RuntimeError("a bug")

    factories.use(app)
    client = app.test_client()
    csrf = csrf_from(client.get("/login").get_data(as_text=True))
    responses = {
        404: client.get("/no/such/page"),
        405: client.put("/login"),
        400: client.post("/login", data={"identifier": "x"}),
        413: client.post("/login", data={"csrf_token": csrf, "identifier": "x" * 5000, "password": "p"}),
        500: client.get("/test-only/boom"),
    }
    for _ in range(11):
        last = client.post("/login", data={"csrf_token": csrf, "identifier": "nobody@example.org", "password": "wrong"})
    responses[429] = last
    for status, response in responses.items():
        TALLY["header checks"] += 1
        assert response.status_code == status
        assert_strict_headers(response)
        assert "a bug" not in response.get_data(as_text=True) and "Traceback" not in response.get_data(as_text=True)


def test_behind_a_tls_proxy_in_production_cookies_are_host_only_and_secure_and_hsts_is_sent(app_factory):
    app = app_factory(
        APP_ENV="production",
        PUBLIC_BASE_URL="https://plan.example.org",
        SESSION_COOKIE_NAME="__Host-session",
        SESSION_COOKIE_SECURE=True,
        WTF_CSRF_SSL_STRICT=True,
        PROXY_FIX_HOPS=1,
    )
    factories.use(app)
    advocate = factories.advocate()
    client = app.test_client()
    forwarded = {
        "X-Forwarded-Proto": "https",
        "X-Forwarded-For": "198.51.100.7",
        "X-Forwarded-Host": "plan.example.org",
    }
    page = client.get("/login", headers=forwarded)
    assert page.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    response = client.post(
        "/login",
        data={"csrf_token": csrf_from(page.get_data(as_text=True)), "identifier": advocate.email, "password": "x"},
        headers={**forwarded, "Referer": "https://plan.example.org/login"},
    )
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("__Host-session=")
    assert "; Secure" in cookie and "; HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/" in cookie
    assert "Domain=" not in cookie


def test_without_a_trusted_proxy_forwarded_addresses_are_ignored_by_the_throttle(app_factory):
    app = app_factory(RATELIMIT_ENABLED=True)
    factories.use(app)
    client = app.test_client()
    statuses = []
    for n in range(11):
        statuses.append(
            sign_in(client, f"nobody{n}@example.org", "wrong passphrase", second_factor=False).status_code
            if n == 0
            else client.post(
                "/login",
                data={
                    "csrf_token": csrf_from(client.get("/login").get_data(as_text=True)),
                    "identifier": f"nobody{n}@example.org",
                    "password": "wrong",
                },
                headers={"X-Forwarded-For": f"203.0.113.{n}"},
            ).status_code
        )
    assert statuses[-1] == 429  # the 11th from one address, whatever it claims to be


def test_signing_out_and_exit_this_page_tell_the_browser_to_forget(client, login):
    login(client, factories.advocate())
    logout = form_post(client, "/logout", {}, token_from="/account")
    assert '"cache"' in logout.headers["Clear-Site-Data"] and '"storage"' in logout.headers["Clear-Site-Data"]
    exit_page = client.get("/exit")
    assert '"cookies"' in exit_page.headers["Clear-Site-Data"]
