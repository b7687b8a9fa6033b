"""CSRF: every state-changing route of the app refuses a POST without a valid token, and changes nothing."""

from __future__ import annotations

import pytest

from tests.attack_surface import TALLY, WEBHOOKS, CommittedWrites, form_for, targets, token
from tests.test_authorisation_matrix import stage  # noqa: F401 - the matrix's world, reused

STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}
EXPIRED = "This form has expired"


def test_every_state_changing_route_is_in_reach_of_these_tests(app):
    """Every POST, PUT, PATCH or DELETE rule of the url_map is attacked below (through the matrix)."""
    from tests.test_authorisation_matrix import ROWS

    listed = {(row["endpoint"], row["method"]) for row in ROWS}
    rules = {(rule.endpoint, method) for rule in app.url_map.iter_rules() for method in rule.methods & STATE_CHANGING}
    assert rules, "no state-changing routes found"
    assert rules <= listed, f"not in the matrix, so not attacked: {sorted(rules - listed)}"
    assert not {m for _e, m in rules} - {"POST"}, "only POST changes state here; a new verb needs its own test"


def _attempts(stage, target):  # noqa: F811
    """A POST with no token, an empty one, a forged one, and one from another person's session."""
    other = stage.app.test_client()
    stolen = token(other)
    return [
        ("no token", {}),
        ("empty token", {"csrf_token": ""}),
        ("forged token", {"csrf_token": "IjEyMzQ1Njc4OTAi.ZZZZZZ.forged-signature-forged"}),
        ("another session's token", {"csrf_token": stolen}),
    ]


@pytest.mark.parametrize("kind", ["form field", "header"])
def test_every_state_changing_route_refuses_a_post_without_a_valid_token(stage, kind):  # noqa: F811
    checked = 0
    for target in targets(stage, "POST"):
        if target.endpoint in WEBHOOKS:
            continue  # signed by the provider instead: test_attacks_fuzz checks unsigned ones get 403
        form = form_for(stage, target)
        data = {**dict(form.defaults()), **target.data}
        client = stage.client(target.column, fresh=target.ends_session)
        for label, extra in _attempts(stage, target):
            with CommittedWrites(stage.app) as writes:
                if kind == "header":
                    headers = {"X-CSRFToken": extra["csrf_token"]} if extra.get("csrf_token") else {}
                    response = client.post(target.path, data=data, headers=headers)
                else:
                    response = client.post(target.path, data={**data, **extra})
            TALLY["csrf attempts"] += 1
            checked += 1
            where = f"{target.method} {target.path} as {target.column} with {label} ({kind})"
            assert response.status_code == 400, f"{where}: {response.status_code}"
            assert EXPIRED in response.get_data(as_text=True), where
            assert not writes.tables, f"{where} wrote to {writes.tables}"
        assert client.get("/healthz").status_code == 200
    assert checked > 100


def test_the_session_cookie_is_not_sent_by_other_sites_posts(app, client):
    response = client.get("/login")
    cookie = response.headers["Set-Cookie"]
    assert "SameSite=Lax" in cookie and "HttpOnly" in cookie
