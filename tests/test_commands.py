"""The command line: database upgrade, demo data, staff users, retention."""

from __future__ import annotations

import pytest
from sqlalchemy import func, inspect, select

from advocate_app import db
from advocate_app.accounts.models import User
from advocate_app.consent.models import Consent
from advocate_app.directory.models import Organisation, Service
from advocate_app.models import Base
from advocate_app.people.models import Assignment, Person
from advocate_app.team import review_demo
from tests.conftest import make_test_app, sign_in

DEMO_PASSWORD = "a demo passphrase for tests"


def _counts(app) -> dict:
    with app.app_context():
        return {
            model.__name__: db.session.scalar(select(func.count()).select_from(model))
            for model in (User, Person, Organisation, Service, Assignment, Consent)
        }


@pytest.fixture
def demo_app(app_factory):
    return app_factory(DEMO_PASSWORD=DEMO_PASSWORD)


def test_demo_seed_creates_the_people_and_staff_the_readme_lists_and_is_safe_to_run_again(demo_app):
    runner = demo_app.test_cli_runner()
    first = runner.invoke(args=["demo", "seed"])
    assert first.exit_code == 0, first.output
    counts = _counts(demo_app)
    second = runner.invoke(args=["demo", "seed"])
    assert second.exit_code == 0 and "Demo data ready." in second.output
    assert _counts(demo_app) == counts
    # The directory's three, and the advocates' own organisation.
    assert counts["Organisation"] == 4 and counts["Person"] == 3 + len(review_demo.PEOPLE)
    with demo_app.app_context():
        names = set(db.session.scalars(select(Person.preferred_name)))
        leads = dict(
            db.session.execute(
                select(Person.preferred_name, User.email)
                .join(Assignment, Assignment.person_id == Person.id)
                .join(User, User.id == Assignment.advocate_id)
                .where(Assignment.is_lead)
            ).all()
        )
        worker = db.session.scalar(select(User).where(User.email == "worker@example.org"))
        first_org = db.session.scalar(select(Organisation).order_by(Organisation.id))
    helped = {name for name, *_answer in review_demo.PEOPLE}
    assert names == {"Sam Okafor", "Jo Kowalski", "Ali Rahman"} | helped
    assert leads == {"Sam Okafor": "advocate@example.org", "Jo Kowalski": "advocate@example.org",
                     "Ali Rahman": "advocate2@example.org"} | {name: "advocate2@example.org" for name in helped}
    assert worker.organisation_id == first_org.id


@pytest.mark.parametrize(
    "identifier, home",
    [("coordinator@example.org", "/admin"), ("advocate@example.org", "/people"), ("advocate2@example.org", "/people"),
     ("worker@example.org", "/referrals"), ("sam", "/me")],
)
def test_every_demo_account_signs_in_with_the_demo_password_to_its_own_home(demo_app, identifier, home):
    demo_app.test_cli_runner().invoke(args=["demo", "seed"])
    response = sign_in(demo_app.test_client(), identifier, DEMO_PASSWORD)
    assert response.status_code == 302 and response.headers["Location"] == home


def test_demo_seed_refuses_a_production_database(app_factory):
    production = app_factory(APP_ENV="production")
    result = production.test_cli_runner().invoke(args=["demo", "seed"])
    assert result.exit_code != 0
    assert "APP_ENV is production" in result.output
    assert _counts(production)["User"] == 0


def test_users_create_makes_a_staff_account_that_can_sign_in(app):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["users", "create", "--role", "advocate", "--email", "New@Example.org", "--name", "New Advocate"],
        input="a long enough passphrase\na long enough passphrase\n",
    )
    assert result.exit_code == 0, result.output
    assert sign_in(app.test_client(), "new@example.org", "a long enough passphrase").status_code == 302


def test_users_create_refuses_a_short_password_and_a_second_account_with_the_same_email(app):
    runner = app.test_cli_runner()
    short = runner.invoke(args=["users", "create", "--role", "advocate", "--email", "a@example.org",
                                "--password", "too short"])
    assert short.exit_code != 0 and "at least 12" in short.output
    runner.invoke(args=["users", "create", "--role", "advocate", "--email", "a@example.org",
                        "--password", "long enough passphrase"])
    again = runner.invoke(args=["users", "create", "--role", "coordinator", "--email", "A@example.org",
                                "--password", "long enough passphrase"])
    assert again.exit_code != 0
    assert _counts(app)["User"] == 1


def test_db_upgrade_builds_the_whole_schema_on_an_empty_sqlite_file(tmp_path):
    app = make_test_app(tmp_path, f"sqlite:///{tmp_path / 'fresh.db'}")
    result = app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        tables = set(inspect(db.engine()).get_table_names())
    assert set(Base.metadata.tables) <= tables
    assert app.test_cli_runner().invoke(args=["db", "check"]).exit_code == 0
