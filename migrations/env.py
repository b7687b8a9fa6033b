"""Alembic environment: compares against every model, on SQLite (batch mode) or PostgreSQL."""

from __future__ import annotations

import os

from alembic import context

from advocate_app.db import make_engine
from advocate_app.models import Base

config = context.config


def _database_url() -> str:
    url = config.attributes.get("database_url")
    if url:
        return url
    # Run as plain `alembic …` from a checkout: use the same settings the app would.
    from advocate_app import CHECKOUT_DIR
    from advocate_app.config import from_environment

    instance = os.environ.get("INSTANCE_PATH") or str(CHECKOUT_DIR / "instance")
    return from_environment(instance)["DATABASE_URL"]


def run_migrations_offline() -> None:
    context.configure(url=_database_url(), target_metadata=Base.metadata, literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(_database_url())
    with engine.connect() as connection:
        _run(connection)
    engine.dispose()


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
