"""The migrations build exactly the schema the models describe, and can be undone and redone."""

from __future__ import annotations

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

from advocate_app import resource_dir
from advocate_app.db import make_engine
from advocate_app.models import Base
from tests.conftest import _pg_url


@pytest.fixture
def fresh_database(request, tmp_path):
    """The URL of an empty database: a SQLite file, or a scratch PostgreSQL database made and dropped here."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrations.db'}"
        return
    maintenance = create_engine(_pg_url(), isolation_level="AUTOCOMMIT")
    # Named after the test database, so two runs against different test databases never share it.
    scratch = f"{maintenance.url.database}_migrations"
    with maintenance.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {scratch} WITH (FORCE)"))
        connection.execute(text(f"CREATE DATABASE {scratch}"))
    try:
        yield maintenance.url.set(database=scratch).render_as_string(hide_password=False)
    finally:
        with maintenance.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {scratch} WITH (FORCE)"))
        maintenance.dispose()


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(resource_dir("migrations")))
    config.attributes["database_url"] = url
    return config


def differences(url: str) -> list:
    """What autogenerate would still write: differences between the database and the models."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            return compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()


def tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


DATABASES = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
]


@pytest.mark.parametrize("fresh_database", DATABASES, indirect=True)
def test_upgrade_head_on_an_empty_database_matches_the_models(fresh_database):
    command.upgrade(alembic_config(fresh_database), "head")
    assert differences(fresh_database) == []


@pytest.mark.parametrize("fresh_database", DATABASES, indirect=True)
def test_downgrade_to_base_removes_everything_and_upgrade_rebuilds_it(fresh_database):
    config = alembic_config(fresh_database)
    command.upgrade(config, "head")

    command.downgrade(config, "base")
    assert tables(fresh_database) <= {"alembic_version"}

    command.upgrade(config, "head")
    assert differences(fresh_database) == []
