"""Backups proven by a restore: `advocate-app db backup` of a seeded database, `db restore` into another, every
table's rows compared; encrypted backups open only with their key and only untouched."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text

from advocate_app import backup, create_app
from advocate_app import config as app_config
from tests.conftest import _pg_url


def _app(tmp_path: Path, url: str, key: str = ""):
    return create_app(app_config.for_tests(tmp_path, DATABASE_URL=url, BACKUP_KEY=key))


def _cli(app, *args: str):
    result = app.test_cli_runner().invoke(args=list(args))
    assert result.exit_code == 0, result.output + repr(result.exception)
    return result.output


def every_row(url: str) -> dict[str, list[tuple]]:
    """Every table's rows, each table's in a fixed order, values as text so both sides compare alike."""
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        rows = {}
        with engine.connect() as connection:
            for table in inspect(connection).get_table_names():
                result = connection.execute(text(f'SELECT * FROM "{table}"'))  # noqa: S608 - names from the schema
                rows[table] = sorted(tuple(str(value) for value in row) for row in result)
        return rows
    finally:
        engine.dispose()


@pytest.fixture
def postgres_pair(on_postgres):
    """Two scratch PostgreSQL databases named after the test database: the original and the restored copy."""
    if not on_postgres:
        pytest.skip("needs PostgreSQL: run with --postgres (make test-postgres)")
    maintenance = create_engine(_pg_url(), isolation_level="AUTOCOMMIT")
    names = [f"{maintenance.url.database}_backup", f"{maintenance.url.database}_restored"]
    with maintenance.connect() as connection:
        for name in names:
            connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            connection.execute(text(f"CREATE DATABASE {name}"))
    try:
        yield [maintenance.url.set(database=name).render_as_string(hide_password=False) for name in names]
    finally:
        with maintenance.connect() as connection:
            for name in names:
                connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        maintenance.dispose()


@pytest.mark.postgres
def test_a_seeded_postgresql_database_restores_into_another_with_every_row(postgres_pair, tmp_path, capsys):
    original, copy = postgres_pair
    key = backup.new_key()
    source = _app(tmp_path, original, key)
    _cli(source, "db", "upgrade")
    _cli(source, "demo", "seed")
    target = _app(tmp_path, copy, key)
    _cli(target, "db", "upgrade")  # a copy that already has a schema (and its own rows) is replaced whole

    started = time.monotonic()
    _cli(source, "db", "backup", str(tmp_path / "nightly.backup"))
    backed_up = time.monotonic()
    _cli(target, "db", "restore", "--yes", str(tmp_path / "nightly.backup"))
    restored = time.monotonic()

    before, after = every_row(original), every_row(copy)
    assert before == after
    assert sum(map(len, before.values())) > 50 and len(before["person"]) >= 3
    assert (tmp_path / "nightly.backup").read_bytes().startswith(backup.MAGIC)
    with capsys.disabled():
        print(
            f"\nbackup/restore: {len(before)} tables, {sum(map(len, before.values()))} rows, "
            f"{(tmp_path / 'nightly.backup').stat().st_size} bytes encrypted; backup {backed_up - started:.2f} s, "
            f"restore {restored - backed_up:.2f} s"
        )


@pytest.mark.postgres
def test_pg_dump_is_the_servers_major_version(on_postgres):
    from sqlalchemy.engine import make_url

    assert backup.client_major_version("pg_dump") == backup.server_major_version(make_url(_pg_url()))


def test_a_seeded_sqlite_database_restores_into_another_with_every_row(tmp_path):
    original, copy = f"sqlite:///{tmp_path / 'live.db'}", f"sqlite:///{tmp_path / 'copy.db'}"
    source = _app(tmp_path, original)
    _cli(source, "db", "upgrade")
    _cli(source, "demo", "seed")

    output = _cli(source, "db", "backup", str(tmp_path / "plain.backup"))
    _cli(_app(tmp_path, copy), "db", "restore", "--yes", str(tmp_path / "plain.backup"))

    assert "NOT encrypted" in output
    assert every_row(original) == every_row(copy)


def test_an_encrypted_backup_holds_no_readable_record_and_opens_only_with_its_key(tmp_path):
    original = f"sqlite:///{tmp_path / 'live.db'}"
    key = backup.new_key()
    source = _app(tmp_path, original, key)
    _cli(source, "db", "upgrade")
    _cli(source, "demo", "seed")
    _cli(source, "db", "backup", str(tmp_path / "sealed.backup"))
    sealed = (tmp_path / "sealed.backup").read_bytes()
    assert b"Okafor" not in sealed and b"SQLite format" not in sealed

    no_key = _app(tmp_path, f"sqlite:///{tmp_path / 'a.db'}").test_cli_runner()
    result = no_key.invoke(args=["db", "restore", "--yes", str(tmp_path / "sealed.backup")])
    assert result.exit_code != 0 and "encrypted" in result.output

    wrong_key = _app(tmp_path, f"sqlite:///{tmp_path / 'b.db'}", backup.new_key()).test_cli_runner()
    result = wrong_key.invoke(args=["db", "restore", "--yes", str(tmp_path / "sealed.backup")])
    assert result.exit_code != 0 and "wrong key" in result.output

    (tmp_path / "cut.backup").write_bytes(sealed[:-100])
    right_key = _app(tmp_path, f"sqlite:///{tmp_path / 'c.db'}", key).test_cli_runner()
    result = right_key.invoke(args=["db", "restore", "--yes", str(tmp_path / "cut.backup")])
    assert result.exit_code != 0 and "cut short" in result.output


def test_a_large_file_survives_encryption_across_many_chunks(tmp_path):
    data = bytes(range(256)) * (backup.CHUNK // 256 * 2 + 7)
    (tmp_path / "plain").write_bytes(data)
    key = backup.read_key(backup.new_key(), None)
    backup.encrypt_file(tmp_path / "plain", tmp_path / "sealed", key)
    backup.decrypt_file(tmp_path / "sealed", tmp_path / "opened", key)
    assert (tmp_path / "opened").read_bytes() == data
