"""Every route against every role and relationship, from one table: tests/authorisation_matrix.csv.

Each row is a route and method; each column a person or member of staff in a particular relationship
to Sam, whose record the routes are about. A cell says what must happen: ``ok`` (the page or action
is allowed), ``deny`` (403, or 404 so as not to reveal that the record exists) or ``login`` (sent to
sign in). A route the app has but the table lacks fails the suite.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import parse_qsl

import pytest

from advocate_app import db
from advocate_app.clock import local_today
from advocate_app.consent import services as consent
from advocate_app.consent.models import Category, GivenHow
from advocate_app.db import make_engine, utcnow
from advocate_app.directory.models import Service, ServiceNeedDomain
from advocate_app.evidence import evaluation
from advocate_app.models import Base
from advocate_app.plans import services as plans
from advocate_app.plans.models import ItemKind
from advocate_app.referrals import services as referrals
from advocate_app.sms import services as sms_services
from advocate_app.sms.models import TaskKind
from tests import factories
from tests.conftest import CSRF_PATTERN, Snapshot, _pg_url, empty_postgres, make_test_app, signed_in_already

MATRIX = Path(__file__).with_name("authorisation_matrix.csv")
with MATRIX.open(newline="") as handle:
    ROWS = list(csv.DictReader(handle))
COLUMNS = [name for name in ROWS[0] if name not in ("endpoint", "method", "path", "data")]
# Files, not pages: the same for everyone.
NOT_IN_MATRIX = {"static", "assets.built"}
# Rows whose success changes the world the next column would see: the world is built again after one.
CHANGES_THE_WORLD = {
    ("people.close_case", "POST"),
    ("consent.withdraw", "POST"),
    ("plans.start_new_plan", "POST"),
    ("referrals.withdraw_referral", "POST"),
    ("accounts.reset_two_factor", "POST"),
}
# Rows that end the session they run in: each column signs in afresh.
ENDS_THE_SESSION = {("accounts.logout", "POST"), ("accounts.exit_page", "GET")}


@dataclass
class World:
    """Sam's record and everyone around it."""

    users: dict = field(default_factory=dict)
    ids: dict = field(default_factory=dict)


def _build_world() -> World:
    world = World()
    orgs = {key: factories.organisation(f"Organisation {key}") for key in "ABCD"}
    alex = factories.advocate(name="Alex")
    bea = factories.advocate(name="Bea")
    sam = factories.person(alex, name="Sam")
    jo = factories.person(bea, name="Jo")
    wally = factories.person(bea, name="Wally")
    world.users = {
        "individual_own": factories.individual(sam, username="sam"),
        "individual_other": factories.individual(jo, username="jo"),
        "walled_person": factories.individual(wally, username="wally"),
        "advocate_caseload": alex,
        "advocate_other": bea,
        "org_consented": factories.org_worker(organisation_id=orgs["A"].id),
        "org_unconsented": factories.org_worker(organisation_id=orgs["B"].id),
        "org_withdrawn": factories.org_worker(organisation_id=orgs["C"].id),
        "org_expired": factories.org_worker(organisation_id=orgs["D"].id),
        "coordinator": factories.coordinator(),
        "coordinator_break_glass": factories.coordinator(),
    }
    everything = list(Category)
    old = plans.start_plan(sam.id, by=alex)
    plans.add_item(old, ItemKind.NEED, plans.ItemFields("Earlier need", domain="money", priority=2), by=alex)
    plan = plans.start_plan(sam.id, by=alex)
    need = plans.add_item(plan, ItemKind.NEED, plans.ItemFields("Safe home", domain="housing", priority=1), by=alex)
    goal = plans.add_item(plan, ItemKind.GOAL, plans.ItemFields("Move"), by=alex, parent=need)
    step = plans.add_item(plan, ItemKind.STEP, plans.ItemFields("Call"), by=alex, parent=goal)
    shared = factories.sharing(sam, orgs["A"], everything, by=alex, purpose="help with housing")
    withdrawn = factories.sharing(sam, orgs["C"], everything, by=alex)
    consent.withdraw(withdrawn, how=GivenHow.VERBAL, by=alex)
    factories.sharing(sam, orgs["D"], everything, by=alex, now=utcnow() - timedelta(days=30), days=1)
    override = consent.request_override(
        sam, organisation=orgs["B"], categories=[Category.CONTACT], lawful_basis="vital_interests",
        dpa_condition="para_18", reasons="A risk to life was disclosed at the visit today.", what_shared="",
        person_told=True, not_told_reason="", by=alex,
    )
    service = Service(organisation_id=orgs["A"].id, name="Housing advice", response_target_days=3,
                      need_domains=[ServiceNeedDomain(domain="housing")])
    db.session.add(service)
    db.session.flush()
    referral = referrals.make_referral(sam, service, categories=[Category.NEEDS], by=alex, today=local_today(),
                                       step=step, note="Sam would like a call in the evening.")
    consent.record_link(sam, wally, description="harm relationship", by=world.users["coordinator"])
    consent.open_break_glass(world.users["coordinator_break_glass"], sam, "Advocate off sick; urgent safety check.")
    sms_task = sms_services.add_task(sam.id, TaskKind.REPLY)
    evaluation_plan = evaluation.write_draft(None, evaluation.PlanFields(
        title="Safer at home", question="Do people feel safer?", measures=["goals_achieved"], organisation_id=None,
        cohort_from=date(2026, 1, 1), cohort_to=date(2026, 3, 1), follow_up_months=[3], window_days=30, min_cell=5,
    ), by=world.users["coordinator"])
    evaluation.lock(evaluation_plan, by=world.users["coordinator"])
    world.ids = {
        "person_id": sam.id, "item_id": need.id, "goal_id": goal.id, "step_id": step.id, "plan_id": old.id,
        "consent_id": shared.id, "override_id": override.id, "user_id": bea.id, "organisation_id": orgs["A"].id,
        "service_id": service.id, "referral_id": referral.id, "reference": referral.reference,
        "sms_task_id": sms_task.id, "evaluation_id": evaluation_plan.id,
    }
    db.session.commit()
    return world


def _reset_database(app, on_postgres: bool) -> None:
    """An empty database: on PostgreSQL the tables that hold rows emptied; on SQLite a new in-memory one."""
    if on_postgres:
        empty_postgres(db.engine())
        return
    app.extensions["advocate_app.engine"].dispose()
    app.extensions["advocate_app.engine"] = make_engine(app.config["DATABASE_URL"])
    Base.metadata.create_all(db.engine())


class Stage:
    """The app, the world in it, and a signed-in browser per column.

    The world is built once and its rows kept (``tests.conftest.Snapshot``); after a request that changed it
    (the attack tests post to every form), ``rebuild`` puts those rows back: the same world, the same ids, in
    milliseconds rather than the quarter of a second building it takes.
    """

    def __init__(self, app, on_postgres: bool):
        self.app = app
        self.on_postgres = on_postgres
        self.clients: dict = {}
        self._build()
        with self.app.app_context():
            self.snapshot = Snapshot.take(db.engine())

    def _build(self) -> None:
        with self.app.app_context():
            _reset_database(self.app, self.on_postgres)
            factories.use(self.app)
            self.world = _build_world()

    def rebuild(self) -> None:
        """The world as it was first built, and no one signed in."""
        if self.snapshot is None:
            self._build()
        else:
            with self.app.app_context():
                self.snapshot.put_back()
        self.clients = {}

    def client(self, column: str, fresh: bool = False):
        """The column's signed-in browser; ``fresh`` gives a new one, for requests that end the session.

        Signed in as the sign-in pages would sign them in (``signed_in_already``): signing in itself is
        tested through its pages elsewhere, and every request here is about what comes after."""
        if fresh or column not in self.clients:
            client = self.app.test_client()
            if column != "anonymous":
                signed_in_already(client, self.world.users[column])
            if fresh:
                return client
            self.clients[column] = client
        return self.clients[column]

    def close(self) -> None:
        if self.snapshot is not None:
            with self.app.app_context():
                self.snapshot.drop()
        self.app.extensions["advocate_app.engine"].dispose()


@pytest.fixture(scope="module")
def stage(tmp_path_factory, on_postgres, _pg_schema, _fast_password_hashing):
    url = _pg_url() if on_postgres else "sqlite+pysqlite:///:memory:"
    stage = Stage(make_test_app(tmp_path_factory.mktemp("matrix"), url), on_postgres)
    yield stage
    stage.close()


def _outcome(response) -> str:
    if response.status_code in (403, 404):
        return "deny"
    if response.status_code in (301, 302, 303):
        return "login" if response.headers["Location"].startswith("/login") else "ok"
    if response.status_code < 300:
        return "ok"
    return f"error {response.status_code}"


def _request(stage: Stage, row: dict, column: str):
    fresh = (row["endpoint"], row["method"]) in ENDS_THE_SESSION
    client = stage.client(column, fresh=fresh)
    path = row["path"].format(**stage.world.ids)
    if row["method"] == "GET":
        return client.get(path)
    page = client.get("/login" if column == "anonymous" else "/account").get_data(as_text=True)
    token = CSRF_PATTERN.search(page).group(1)
    return client.post(path, data={"csrf_token": token, **dict(parse_qsl(row["data"]))})


@pytest.mark.parametrize("row", ROWS, ids=[f"{r['method']} {r['endpoint']}" for r in ROWS])
def test_every_role_and_relationship_gets_what_the_matrix_says(stage, row):
    wrong = []
    for column in COLUMNS:
        outcome = _outcome(_request(stage, row, column))
        if outcome != row[column]:
            wrong.append(f"{column}: expected {row[column]}, got {outcome}")
        if outcome == "ok" and (row["endpoint"], row["method"]) in CHANGES_THE_WORLD:
            stage.rebuild()
    assert not wrong, f"{row['method']} {row['path']}:\n  " + "\n  ".join(wrong)


def test_every_route_of_the_app_has_a_row_in_the_matrix(app):
    listed = {(row["endpoint"], row["method"]) for row in ROWS}
    missing = sorted(
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        if rule.endpoint not in NOT_IN_MATRIX
        for method in rule.methods - {"HEAD", "OPTIONS"}
        if (rule.endpoint, method) not in listed
    )
    assert not missing, f"routes without a row in {MATRIX.name}: {missing}"
    assert set(COLUMNS) == {
        "anonymous", "individual_own", "individual_other", "advocate_caseload", "advocate_other", "org_consented",
        "org_unconsented", "org_withdrawn", "org_expired", "walled_person", "coordinator", "coordinator_break_glass",
    }


def test_the_matrix_only_names_routes_that_exist(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert {row["endpoint"] for row in ROWS} <= endpoints
    assert all(re.fullmatch(r"ok|deny|login", row[c]) for row in ROWS for c in COLUMNS)


