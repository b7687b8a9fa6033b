"""The same offline change delivered twice at the same moment (a retry racing the first send) is applied once, on
PostgreSQL over real HTTP, and both deliveries are told the same result."""

from __future__ import annotations

import json
import uuid

import pyotp
import pytest
import requests
from sqlalchemy import func, select

from advocate_app import db
from advocate_app.offline.models import OfflineChange
from advocate_app.plans import services as plans
from advocate_app.plans.models import ItemKind, PlanItem
from tests import factories
from tests.conftest import csrf_from
from tests.test_concurrency import REQUEST_TIMEOUT, served, together  # noqa: F401  (``served`` is a fixture)

pytestmark = [pytest.mark.postgres, pytest.mark.real_database]


def _advocates_phone(base: str, email: str) -> requests.Session:
    """An advocate signed in with passphrase and code, as on their phone."""
    http = requests.Session()
    page = http.get(base + "/login", timeout=REQUEST_TIMEOUT).text
    response = http.post(
        base + "/login",
        timeout=REQUEST_TIMEOUT,
        allow_redirects=False,
        data={"csrf_token": csrf_from(page), "identifier": email, "password": factories.PASSWORD},
    )
    assert response.headers["Location"].startswith("/login/code")
    page = http.get(base + "/login/code", timeout=REQUEST_TIMEOUT).text
    response = http.post(
        base + "/login/code",
        timeout=REQUEST_TIMEOUT,
        allow_redirects=False,
        data={"csrf_token": csrf_from(page), "code": pyotp.TOTP(factories.TOTP_SECRET).now()},
    )
    assert response.status_code == 302, response.text[:300]
    return http


def test_one_change_sent_twice_at_once_is_applied_once_and_both_hear_the_same(served):  # noqa: F811
    app, base = served
    with app.app_context():
        alex = factories.advocate()
        sam = factories.person(alex, name="Sam")
        plan = plans.plan_for(sam.id, by=alex)
        need = plans.add_item(
            plan, ItemKind.NEED, plans.ItemFields("A safe home", domain="housing", priority=1), by=alex
        )
        db.session.commit()
        need_id, person_id, email = need.id, sam.id, alex.email
    phone = _advocates_phone(base, email)
    token = phone.get(base + "/offline/keys", timeout=REQUEST_TIMEOUT).json()["csrf_token"]

    for attempt in range(5):
        change = {
            "key": str(uuid.uuid4()),
            "kind": "goal.add",
            "person": person_id,
            "need": need_id,
            "text": f"Get a bus pass {attempt}",
        }
        body = {"csrf_token": token, "changes": json.dumps([change])}

        def deliver(body=body):
            return phone.post(
                base + "/offline/sync", data=body, timeout=REQUEST_TIMEOUT, headers={"Accept": "application/json"}
            )

        replies = together([deliver, deliver])

        assert [reply.status_code for reply in replies] == [200, 200]
        results = [reply.json()["results"][0] for reply in replies]
        assert {r["outcome"] for r in results} == {"sent"}
        assert results[0]["item"] == results[1]["item"]
        assert sorted(bool(r.get("repeat")) for r in results) == [False, True]
        with app.app_context():
            made = db.session.scalar(
                select(func.count()).select_from(PlanItem).where(PlanItem.text == f"Get a bus pass {attempt}")
            )
            kept = db.session.scalar(
                select(func.count()).select_from(OfflineChange).where(OfflineChange.key == change["key"])
            )
        assert (made, kept) == (1, 1)
