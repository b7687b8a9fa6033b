"""Fixtures: one app for the run on in-memory SQLite (or PostgreSQL with --postgres), each test in a transaction
rolled back after it; clients, sign-in helpers."""

from __future__ import annotations

import os
import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from flask import session
from hypothesis import settings
from jinja2 import BytecodeCache
from sqlalchemy import String, create_engine, event, exists, literal, select, text, union_all
from werkzeug.routing.rules import Rule

from advocate_app import config as app_config
from advocate_app import create_app, db
from advocate_app.accounts import auth
from advocate_app.accounts.models import User
from advocate_app.db import make_engine, track_writes
from advocate_app.extensions import limiter
from advocate_app.models import Base

# Browser journeys and text-message tests fail on personal data in any log line (tests/log_audit.py).
pytest_plugins = ("tests.log_audit",)

DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
CSRF_PATTERN = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


# Hypothesis outside the attack fuzzing (which has its own profiles in tests/attack_surface.py): in CI the
# examples are derandomised, so a failure there replays on any machine; everywhere a failure prints the blob
# that replays it (@reproduce_failure).
settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
settings.register_profile("dev", print_blob=True)
settings.load_profile("ci" if os.environ.get("CI") == "true" else "dev")


def pytest_addoption(parser):
    parser.addoption("--postgres", action="store_true", help="run against PostgreSQL (TEST_DATABASE_URL)")


def _pg_url() -> str:
    url = os.environ.get("TEST_DATABASE_URL") or DEFAULT_PG_URL
    return url.replace("postgresql://", "postgresql+psycopg://", 1) if url.startswith("postgresql://") else url


def _reachable(url: str) -> str | None:
    try:
        engine = create_engine(url, connect_args={"connect_timeout": 3})
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as error:  # any failure to connect means the same thing here
        return str(error).splitlines()[0]
    return None


def _database_of_its_own(url: str, worker: str) -> str:
    """The URL of a database for one of a pass's worker processes (``test_gw1`` beside ``test``), made when
    missing: each worker builds its schema and empties its tables in its own database, never in another's."""
    maintenance = create_engine(url, isolation_level="AUTOCOMMIT")
    name = f"{maintenance.url.database}_{worker}"
    with maintenance.connect() as connection:
        if not connection.scalar(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}):
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    own = maintenance.url.set(database=name).render_as_string(hide_password=False)
    maintenance.dispose()
    return own


def pytest_configure(config):
    config.postgres_problem = None
    if not config.getoption("--postgres"):
        return
    insist = os.environ.get("CI") == "true" or bool(os.environ.get("TEST_DATABASE_URL"))
    problem = _reachable(_pg_url())
    if problem is None:
        # A worker of pytest-xdist (tests/run_passes.py runs each pass in two) takes a database of its own.
        worker = os.environ.get("PYTEST_XDIST_WORKER")
        if worker:
            os.environ["TEST_DATABASE_URL"] = _database_of_its_own(_pg_url(), worker)
        return
    if insist:
        pytest.exit(f"PostgreSQL is required here but cannot be reached at {_pg_url()}: {problem}", returncode=1)
    config.postgres_problem = problem


# Files whose tests must run in the same worker process, in this order, when a pass is split across two
# (tests/run_passes.py): the page weight test judges the first visits the accessibility test recorded.
RUN_TOGETHER = {"tests/browser/test_page_weight.py": "tests/browser/test_accessibility.py"}


def pytest_xdist_make_scheduler(config, log):
    """pytest-xdist's file-by-file scheduling, with the files of ``RUN_TOGETHER`` given to one worker."""
    from xdist.scheduler import LoadFileScheduling  # start-up order: only a pass split by pytest-xdist needs it

    class FileByFile(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            scope = super()._split_scope(nodeid)
            return RUN_TOGETHER.get(scope, scope)

    return FileByFile(config, log)


def pytest_collection_modifyitems(config, items):
    if config.postgres_problem:
        reason = f"PostgreSQL not reachable at {_pg_url()} ({config.postgres_problem}); PostgreSQL pass skipped"
        for item in items:
            item.add_marker(pytest.mark.skip(reason=reason))
    elif not config.getoption("--postgres"):
        for item in items:
            if "postgres" in item.keywords:
                item.add_marker(pytest.mark.skip(reason="needs PostgreSQL: run with --postgres (make test-postgres)"))


def pytest_report_header(config):
    return f"database: {'PostgreSQL ' + _pg_url() if config.getoption('--postgres') else 'SQLite in memory'}"


@pytest.fixture(scope="session", autouse=True)
def _fast_password_hashing():
    """Argon2 with its production cost would make the suite slow; the same code runs with cheap settings."""
    from argon2 import PasswordHasher

    from advocate_app.accounts import passwords
    from advocate_app.people import services as people_services

    cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    saved = passwords._hasher, passwords._DUMMY_HASH, people_services._code_word_hasher
    passwords._hasher = people_services._code_word_hasher = cheap
    passwords._DUMMY_HASH = cheap.hash("dummy")
    yield
    passwords._hasher, passwords._DUMMY_HASH, people_services._code_word_hasher = saved


@pytest.fixture(scope="session", autouse=True)
def _url_builders_compiled_once():
    """Every app the suite makes has the same hundred URL rules, and werkzeug turns each rule into two URL
    builder functions with ``ast`` and ``compile()``: nearly all of the time ``create_app`` takes. A builder
    depends only on the rule's parts and defaults (it is given the rule as its first argument), so each is
    compiled once for the run and reused by every app after."""
    compile_builder = Rule._compile_builder
    builders: dict = {}

    def compiled_once(self, append_unknown: bool = True):
        defaults = self.defaults or {}
        parts = tuple(
            (dynamic, data, self._converters[data].to_url(defaults[data]) if dynamic and data in defaults else None)
            for dynamic, data in self._trace
        )
        key = (append_unknown, self.rule, parts, tuple(defaults))
        if key not in builders:
            builders[key] = compile_builder(self, append_unknown)
        return builders[key]

    Rule._compile_builder = compiled_once
    yield
    Rule._compile_builder = compile_builder


@pytest.fixture(scope="session")
def on_postgres(request) -> bool:
    return bool(request.config.getoption("--postgres"))


@pytest.fixture(scope="session")
def _pg_schema(on_postgres):
    """On PostgreSQL, build the schema once for the run with the real migrations."""
    if not on_postgres:
        yield None
        return
    from alembic import command
    from alembic.config import Config

    from advocate_app import resource_dir

    engine = create_engine(_pg_url())
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    alembic = Config()
    alembic.set_main_option("script_location", str(resource_dir("migrations")))
    alembic.attributes["database_url"] = _pg_url()
    command.upgrade(alembic, "head")
    yield engine
    engine.dispose()


class _MemoryBytecodeCache(BytecodeCache):
    """Compiled templates shared by every app the suite makes."""

    def __init__(self):
        self.store: dict[str, bytes] = {}

    def load_bytecode(self, bucket):
        if bucket.key in self.store:
            bucket.bytecode_from_string(self.store[bucket.key])

    def dump_bytecode(self, bucket):
        self.store[bucket.key] = bucket.bytecode_to_string()


TEMPLATE_CACHE = _MemoryBytecodeCache()


def make_test_app(tmp_path, database_url: str, **overrides):
    """An app for tests; ``overrides`` replace config values."""
    overrides.setdefault("JINJA_BYTECODE_CACHE", TEMPLATE_CACHE)
    return create_app(app_config.for_tests(tmp_path, DATABASE_URL=database_url, **overrides))


@pytest.fixture(scope="session")
def _sqlite_template():
    """An in-memory SQLite database with the empty schema, built once; each test's database is a copy of it."""
    engine = make_engine("sqlite+pysqlite:///:memory:")
    Base.metadata.create_all(engine)
    connection = engine.raw_connection()
    yield connection.driver_connection
    connection.close()
    engine.dispose()


def copy_empty_schema(template, engine) -> None:
    """Give the in-memory SQLite database behind ``engine`` the template's empty schema (the backup API copies
    pages, far quicker than running the DDL again)."""
    connection = engine.raw_connection()
    try:
        template.backup(connection.driver_connection)
    finally:
        connection.close()


# Tables that hold rows, in one round trip; then only those are emptied, children first.
_WRITTEN_TABLES = union_all(
    *(select(literal(t.name, String).label("name")).where(exists().select_from(t)) for t in Base.metadata.sorted_tables)
)
# Sequences that have handed out a number start again at 1 (what TRUNCATE ... RESTART IDENTITY did).
_RESTART_USED_SEQUENCES = text(
    "SELECT setval(format('%I.%I', schemaname, sequencename)::regclass, 1, false) "
    "FROM pg_sequences WHERE schemaname = current_schema() AND last_value IS NOT NULL"
)


def empty_postgres(engine) -> None:
    """Leave every table empty and every sequence at its start, as TRUNCATE of all tables with RESTART IDENTITY
    would, but cheaply: a test writes to a few tables, and DELETE of a few rows costs far less than TRUNCATE,
    which makes new files for each of the 34 tables and their indexes.

    People and accounts refer to each other, so no order of DELETEs satisfies every foreign key on the way;
    with ``session_replication_role = replica`` (a superuser's setting, local to this transaction) the keys are
    not checked, and every table that holds rows is emptied, so none is left pointing at nothing. A server
    user who may not set it gets the TRUNCATE of every table.
    """
    with engine.begin() as connection:
        written = set(connection.scalars(_WRITTEN_TABLES))
        if not written:
            connection.execute(_RESTART_USED_SEQUENCES)
            return
        superuser = connection.scalar(text("SELECT rolsuper FROM pg_roles WHERE rolname = current_user"))
        if superuser:
            connection.execute(text("SET LOCAL session_replication_role = replica"))
            for table in Base.metadata.sorted_tables:
                if table.name in written:
                    connection.execute(table.delete())
            connection.execute(_RESTART_USED_SEQUENCES)
        else:
            tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
            connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


class Snapshot:
    """The rows of a database as they are now, put back in milliseconds however much was written since: on
    SQLite in memory a copy of the database (the backup API), on PostgreSQL a copy of each table that holds
    rows in a schema of its own, and where each sequence had got to. For a world that is costly to build and
    that tests change (the authorisation matrix, the attack tests): built once, put back after each change.

    ``take`` gives None where putting back is not possible (a PostgreSQL user who may not set
    ``session_replication_role``): the world is then built again each time, as before.
    """

    SCHEMA = "snapshot_of_test_world"

    def __init__(self, engine, tables: list[str], sequences: dict[str, int | None], copy=None):
        self.engine, self.tables, self.sequences, self.copy = engine, tables, sequences, copy

    @classmethod
    def take(cls, engine) -> Snapshot | None:
        if engine.dialect.name == "sqlite":
            copy = sqlite3.connect(":memory:", check_same_thread=False)
            connection = engine.raw_connection()
            try:
                connection.driver_connection.backup(copy)
            finally:
                connection.close()
            return cls(engine, [], {}, copy)
        with engine.begin() as connection:
            if not connection.scalar(text("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")):
                return None
            written = set(connection.scalars(_WRITTEN_TABLES))
            tables = [t.name for t in Base.metadata.sorted_tables if t.name in written]
            connection.execute(text(f"DROP SCHEMA IF EXISTS {cls.SCHEMA} CASCADE"))
            connection.execute(text(f"CREATE SCHEMA {cls.SCHEMA}"))
            for name in tables:
                connection.execute(text(f'CREATE TABLE {cls.SCHEMA}."{name}" AS TABLE "{name}"'))
            sequences = dict(
                connection.execute(
                    text("SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = current_schema()")
                ).all()
            )
        return cls(engine, tables, sequences)

    def put_back(self) -> None:
        if self.copy is not None:
            connection = self.engine.raw_connection()
            try:
                self.copy.backup(connection.driver_connection)
            finally:
                connection.close()
            return
        with self.engine.begin() as connection:
            written = set(connection.scalars(_WRITTEN_TABLES))
            connection.execute(text("SET LOCAL session_replication_role = replica"))  # keys unchecked, as above
            for table in Base.metadata.sorted_tables:
                if table.name in written:
                    connection.execute(table.delete())
            for name in self.tables:  # names from the models' metadata
                copy = f'INSERT INTO "{name}" SELECT * FROM {self.SCHEMA}."{name}"'  # noqa: S608
                connection.execute(text(copy))
            for name, last in self.sequences.items():
                connection.execute(
                    text("SELECT setval(format('%I', CAST(:name AS text))::regclass, CAST(:value AS bigint), :called)"),
                    {"name": name, "value": last or 1, "called": last is not None},
                )

    def drop(self) -> None:
        if self.copy is not None:
            self.copy.close()
            return
        with self.engine.begin() as connection:
            connection.execute(text(f"DROP SCHEMA IF EXISTS {self.SCHEMA} CASCADE"))


# --- One app and one database connection for the run; every test in a transaction rolled back after it ---------
#
# A test gets the run's app (the ``app`` fixture) on the run's one connection, inside a transaction begun for
# it and rolled back after it: the app's sessions each work in a SAVEPOINT there (their COMMIT releases it), so
# a test sees exactly what it wrote and leaves nothing behind, without a new app or schema per test.
#
# A test whose work must really be committed -- other threads or processes, other connections, a live server,
# the connection itself failing -- is marked ``@pytest.mark.real_database`` and gets an app (and, on SQLite, a
# database) of its own, as every test once did.


def _driver_leaves_transactions_to_sqlalchemy(engine) -> None:
    """pysqlite begins and ends transactions its own way, which a SAVEPOINT does not survive; SQLAlchemy's
    recipe for SQLite savepoints: the driver begins nothing, SQLAlchemy says BEGIN."""

    @event.listens_for(engine, "connect")
    def _no_driver_transactions(dbapi_connection, _record):
        dbapi_connection.isolation_level = None

    @event.listens_for(engine, "begin")
    def _begin(connection):
        connection.exec_driver_sql("BEGIN")


@pytest.fixture(scope="session")
def _run_connection(on_postgres, _pg_schema):
    """The run's one connection, on the schema every test starts from (empty)."""
    url = _pg_url() if on_postgres else "sqlite+pysqlite:///:memory:"
    engine = make_engine(url)
    track_writes(engine)
    if not on_postgres:
        _driver_leaves_transactions_to_sqlalchemy(engine)
        Base.metadata.create_all(engine)
    else:
        empty_postgres(engine)
    connection = engine.connect()
    yield connection
    connection.close()
    engine.dispose()


@pytest.fixture(scope="session")
def _run_app(tmp_path_factory, _run_connection, on_postgres):
    """The app every test shares (its config is put back after each test)."""
    url = _pg_url() if on_postgres else "sqlite+pysqlite:///:memory:"
    shared = make_test_app(tmp_path_factory.mktemp("app"), url, DATABASE_CONNECTION=_run_connection)
    _RUN_LIMITER_ENABLED[0] = limiter.enabled
    return shared


_RUN_LIMITER_ENABLED = [False]


# On PostgreSQL, a test that wrote for real (a ``real_database`` test, or one that made its own app) may have
# left rows behind; the next rolled-back test empties the tables first.
_POSTGRES = {"maybe_written": False}


class RolledBackTransaction:
    """The transaction a test runs in; ``restart()`` rolls it back and begins again (an empty database)."""

    def __init__(self, connection):
        self.connection = connection
        self.outer = connection.begin()

    def restart(self) -> None:
        self.end()
        self.outer = self.connection.begin()

    def end(self) -> None:
        if self.outer.is_active:
            self.outer.rollback()


@pytest.fixture(autouse=True)
def _note_real_writes(request, on_postgres):
    yield
    if on_postgres and "_test_transaction" not in request.fixturenames:
        _POSTGRES["maybe_written"] = True


@pytest.fixture
def _test_transaction(request, _run_connection, on_postgres):
    if request.node.get_closest_marker("real_database"):
        raise RuntimeError("a real_database test has no rolled-back transaction")
    if on_postgres and _POSTGRES["maybe_written"]:
        empty_postgres(_run_connection.engine)
        _POSTGRES["maybe_written"] = False
    transaction = RolledBackTransaction(_run_connection)
    yield transaction
    transaction.end()


def _real_database(request) -> bool:
    return request.node.get_closest_marker("real_database") is not None


@pytest.fixture
def app_factory(request, tmp_path, on_postgres, _pg_schema, _sqlite_template):
    """Make an app (with config overrides) on a fresh, empty database.

    In a rolled-back test the new app joins the test's transaction, which begins again empty (as a new database
    would be: what the test wrote before, through any app, is gone). In a ``real_database`` test, or given its
    own ``DATABASE_URL``, the app has a database of its own: a new in-memory one on SQLite, the emptied test
    database on PostgreSQL.
    """
    apps = []
    transaction = None if _real_database(request) else request.getfixturevalue("_test_transaction")

    def factory(**overrides):
        if transaction is not None and "DATABASE_URL" not in overrides:
            transaction.restart()
            url = _pg_url() if on_postgres else "sqlite+pysqlite:///:memory:"
            return make_test_app(tmp_path, url, DATABASE_CONNECTION=transaction.connection, **overrides)
        url = overrides.pop("DATABASE_URL", None) or (_pg_url() if on_postgres else "sqlite+pysqlite:///:memory:")
        flask_app = make_test_app(tmp_path, url, **overrides)
        with flask_app.app_context():
            if on_postgres:
                empty_postgres(db.engine())
            else:
                copy_empty_schema(_sqlite_template, db.engine())
        apps.append(flask_app)
        return flask_app

    yield factory
    for flask_app in apps:
        flask_app.extensions["advocate_app.engine"].dispose()


@pytest.fixture
def app(request, app_factory):
    """The app a test works in: the run's app in the test's transaction, or its own for a ``real_database`` test."""
    if _real_database(request):
        yield app_factory()
        return
    request.getfixturevalue("_test_transaction")
    shared = request.getfixturevalue("_run_app")
    # The rate limiter is one object for every app, set up by the last app made (another test's app may have
    # turned it on): back to this app's setting, every count forgotten.
    limiter.enabled = _RUN_LIMITER_ENABLED[0]
    if limiter.enabled:
        limiter.reset()
    config = dict(shared.config)
    yield shared
    shared.config.clear()
    shared.config.update(config)


@pytest.fixture(autouse=True)
def _factories_use(request):
    """Factories build data in the test's app (each call in its own app context)."""
    if "app" in request.fixturenames:
        from tests import factories

        factories.use(request.getfixturevalue("app"))
    yield


@pytest.fixture
def in_app(app):
    """``with in_app():`` gives an app context for reading the database between requests.

    A test must not hold an app context while it makes requests: Flask would share it (and ``g``,
    with its database session and CSRF token) across every request of the test.
    """
    return app.app_context


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def new_client(app):
    """Another browser: a separate cookie jar on the same app."""
    return lambda: app.test_client()


def csrf_from(html: str) -> str:
    match = CSRF_PATTERN.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def as_read(html: str) -> str:
    """A page's HTML without the isolation around typed text (``<bdi>``, FSI…PDI): the words as read."""
    for mark in ("<bdi>", "</bdi>", "\u2068", "\u2069"):
        html = html.replace(mark, "")
    return html


def form_post(client, path: str, data: dict, *, token_from: str | None = None, **kwargs):
    """POST a form the way a browser would: fetch the page first for its CSRF token."""
    page = client.get(token_from or path)
    return client.post(path, data={"csrf_token": csrf_from(page.get_data(as_text=True)), **data}, **kwargs)


def sign_in(client, identifier: str, password: str, *, second_factor: bool = True):
    """Sign in through the login form; returns the response (302 on success).

    Staff (and anyone who turned codes on) are then asked for a code from their authenticator app: unless
    ``second_factor`` is false, the code is typed for them, and a member of staff without an app yet
    enrols one with the key the page shows, as a person would.
    """
    response = form_post(client, "/login", {"identifier": identifier, "password": password})
    location = response.headers.get("Location", "") if response.status_code == 302 else ""
    if not second_factor or not location.startswith(("/login/code", "/login/enrol")):
        return response
    return complete_second_factor(client, identifier, location)


ENROL_KEY_PATTERN = re.compile(r'class="govuk-body app-secret"[^>]*><strong>([A-Z2-7 ]+)</strong>')


def complete_second_factor(client, identifier: str, location: str):
    """Type the authenticator app's code on the page the sign-in was sent to."""
    import pyotp

    from advocate_app.accounts.services import find_by_identifier

    if location.startswith("/login/enrol"):
        page = client.get("/login/enrol").get_data(as_text=True)
        key = ENROL_KEY_PATTERN.search(page).group(1).replace(" ", "")
        response = client.post("/login/enrol", data={"csrf_token": csrf_from(page), "code": pyotp.TOTP(key).now()})
        assert response.status_code == 200, response.get_data(as_text=True)[:500]
        return client.get("/")  # past the recovery codes: the way home
    with client.application.app_context():
        user = find_by_identifier(identifier)
        # A code works once; signing the same person in twice within 30 seconds stands for waiting for the next.
        user.totp_last_counter = None
        db.session.commit()
        secret = user.totp_secret
    return form_post(client, "/login/code", {"code": pyotp.TOTP(secret).now()})


def signed_in_already(client, user) -> None:
    """Give the client the session the sign-in pages give once the passphrase (and, for staff, the code) is
    right -- ``accounts.auth.sign_in``, a new server-side session in the cookie -- without the four requests of
    the pages themselves. For tests about what a signed-in user does; signing in is tested through its pages
    (``sign_in``)."""
    with client.application.test_request_context():
        auth.sign_in(db.session.get(User, user.id))
        db.session.commit()
        values = dict(session)
    with client.session_transaction() as cookie:
        cookie.clear()
        cookie.update(values)


@pytest.fixture
def login():
    """``login(client, user)`` signs the client in as a user made by the factories; with a ``password`` it
    signs in through the pages, as the user would."""

    def do_login(client, user, password: str | None = None):
        if password is None:
            signed_in_already(client, user)
            return None
        response = sign_in(client, user.email or user.username, password)
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return response

    return do_login


@pytest.fixture
def sam_and_alex(app):
    """Alex, an advocate, works with Sam, who has a login of their own."""
    from tests import factories

    alex = factories.advocate(name="Alex Morgan")
    sam = factories.person(alex, name="Sam")
    sam_login = factories.individual(sam, username="sam")
    return alex, sam, sam_login


def entry_id_from(response) -> int:
    """The id of the plan entry a save redirected to (``…#item-<id>``)."""
    return int(response.headers["Location"].split("#item-")[1])


@contextmanager
def statements_run(app) -> Iterator[list[str]]:
    """The SQL statements run inside the block, each written on one line."""
    statements = []
    with app.app_context():
        engine = db.engine()

    def note(_connection, _cursor, statement, *_rest):
        statements.append(" ".join(statement.split()))

    event.listen(engine, "before_cursor_execute", note)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", note)


def count_queries(app, client, path: str) -> int:
    """How many SQL statements the page at ``path`` costs (it must answer 200)."""
    with statements_run(app) as statements:
        assert client.get(path).status_code == 200
    return len(statements)


def pytest_terminal_summary(terminalreporter):
    """How many attack cases the attack tests tried (tests/attack_surface.py keeps the tally)."""
    import sys

    surface = sys.modules.get("tests.attack_surface")
    if surface is not None and surface.TALLY:
        terminalreporter.write_sep("-", "attack cases tried")
        for kind, count in sorted(surface.TALLY.items()):
            terminalreporter.write_line(f"{kind}: {count}")
