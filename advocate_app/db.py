"""Database engine per app, one SQLAlchemy session per app context, and the declarative Base."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from flask import Flask, current_app, g
from sqlalchemy import MetaData, create_engine, event, select, update
from sqlalchemy import exc as sa_exc
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session
from sqlalchemy.pool import StaticPool
from sqlalchemy.types import DateTime, TypeDecorator
from werkzeug.local import LocalProxy

log = logging.getLogger(__name__)

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """The current time in UTC, timezone-aware; pass it uncalled as a column default."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """A timestamp stored in UTC and always read back timezone-aware, on SQLite as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given for a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    """Declarative base for every model; constraint names are stable for Alembic."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def make_engine(url: str, echo: bool = False) -> Engine:
    """Create the engine for ``url`` with the settings each backend needs."""
    if url.startswith("sqlite"):
        options: dict = {"connect_args": {"check_same_thread": False}}
        if ":memory:" in url or url.rstrip("/").endswith("sqlite:"):
            options["poolclass"] = StaticPool
        # hide_parameters: a database error in the logs says which statement failed, never the values in it.
        engine = create_engine(url, echo=echo, hide_parameters=True, **options)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):  # pragma: no cover - trivial
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            if ":memory:" not in url:
                cursor.execute("PRAGMA journal_mode=WAL")
                cursor.execute("PRAGMA busy_timeout=5000")
            cursor.close()

        return engine
    return create_engine(url, echo=echo, hide_parameters=True, pool_pre_ping=True, pool_size=10, max_overflow=10)


# Set on a connection once a statement that may write has run in its transaction; cleared when it ends.
_WROTE = "advocate_app.wrote"


def _note_writes(conn, _cursor, statement: str, _parameters, _context, _executemany) -> None:
    if statement.lstrip()[:6].upper() != "SELECT":
        conn.info[_WROTE] = True


def _forget_writes(conn, *_args) -> None:
    conn.info.pop(_WROTE, None)


def track_writes(engine: Engine) -> None:
    """Remember, per connection, whether the open transaction has run anything but SELECTs."""
    event.listen(engine, "before_cursor_execute", _note_writes)
    event.listen(engine, "commit", _forget_writes)
    event.listen(engine, "rollback", _forget_writes)
    event.listen(engine.pool, "checkout", lambda _dbapi, record, _proxy: record.info.pop(_WROTE, None))


def init_app(app: Flask) -> None:
    """Attach an engine to ``app`` and close the context's session when the context ends.

    Given an open connection in ``DATABASE_CONNECTION`` instead (the test suite does), the app uses that
    connection's engine, and every session joins the transaction its holder keeps open there: a session's
    COMMIT releases a SAVEPOINT, and the holder's ROLLBACK undoes all of it.
    """
    connection = app.config.get("DATABASE_CONNECTION")
    if connection is not None:
        app.extensions["advocate_app.engine"] = connection.engine
        app.extensions["advocate_app.connection"] = connection
    else:
        app.extensions["advocate_app.engine"] = make_engine(
            app.config["DATABASE_URL"], echo=app.config.get("SQLALCHEMY_ECHO", False)
        )
        track_writes(app.extensions["advocate_app.engine"])
    app.teardown_appcontext(_close_session)


def engine() -> Engine:
    """The current app's engine."""
    return current_app.extensions["advocate_app.engine"]


def get_session() -> Session:
    """The session of the current app context, created on first use."""
    if "db_session" not in g:
        connection = current_app.extensions.get("advocate_app.connection")
        if connection is None:
            g.db_session = Session(bind=engine(), expire_on_commit=False)
        else:
            g.db_session = Session(bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint")
    return g.db_session


def _only_read(db_session: Session) -> bool:
    transaction = db_session.get_transaction()
    if transaction is None or not transaction.is_active:
        return False  # nothing begun, or a failed flush left it to be rolled back
    if db_session.new or db_session.dirty or db_session.deleted:
        return False
    return not db_session.connection().info.get(_WROTE)


def _close_session(exc: BaseException | None) -> None:
    db_session = g.pop("db_session", None)
    if db_session is None:
        return
    try:
        if exc is None and usable() and _only_read(db_session):
            # A transaction that only read ends the same either way; COMMIT keeps the connection's prepared
            # statements, which psycopg forgets on every ROLLBACK, so a page's queries are not planned again
            # on every request. Anything written and not committed is still rolled back below.
            db_session.commit()
    except sa_exc.SQLAlchemyError:
        # The answer is already made; a database gone away meanwhile must not turn it into the server's own
        # bare error page.
        log.warning("could not end the request's transaction", exc_info=True)
    finally:
        try:
            db_session.close()
        except sa_exc.SQLAlchemyError:
            log.warning("could not close the request's database session", exc_info=True)


# Set in ``g`` once the database must not be touched again in this request (its error page is being made).
_NOT_USABLE = "db_not_usable"


def stop_using() -> None:
    """Nothing more in this request may use the database: an error page is made from the request alone."""
    g.setdefault(_NOT_USABLE, True)


def usable() -> bool:
    """False once ``stop_using`` was called in this request."""
    return not (g and g.get(_NOT_USABLE))


# The database cannot be reached or gave up on us (refused, dropped, timed out, pool exhausted): the
# request may succeed when tried again, so it is answered 503 with Retry-After, not 500.
UNREACHABLE_ERRORS = (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.TimeoutError, sa_exc.DisconnectionError)


def unreachable(error: BaseException | None) -> bool:
    """Whether ``error`` (or what caused it) says the database could not be reached or used."""
    seen = 0
    while error is not None and seen < 10:
        if isinstance(error, UNREACHABLE_ERRORS):
            return True
        if isinstance(error, sa_exc.DBAPIError) and error.connection_invalidated:
            return True
        error = error.__cause__ or error.__context__
        seen += 1
    return False


session: Session = LocalProxy(get_session)  # type: ignore[assignment]


def insert_new(model, values: dict, *, conflict: list, where=None, returning=None):
    """INSERT a row unless one with the same key is already there (or being written by another request).

    Two requests that both find "not there yet" both get here; the database lets one insert and the other
    do nothing, on SQLite and PostgreSQL alike, so nobody meets a unique violation.

    :param conflict: the columns of the unique key (or partial unique index) that decides "already there".
    :param where: the condition of a partial unique index.
    :param returning: a column to return from the new row.
    :returns: ``returning`` of the new row, or ``None`` when the row was already there.
    """
    dialect = session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    statement = insert(model).values(**values).on_conflict_do_nothing(index_elements=conflict, index_where=where)
    if returning is None:
        session.execute(statement)
        return None
    return session.execute(statement.returning(returning)).scalar_one_or_none()


def lock(model, ident) -> None:
    """Hold the row of ``model`` with primary key ``ident`` until the transaction ends, so a read-decide-write
    that follows cannot interleave with another request's.

    PostgreSQL takes a row lock (``SELECT … FOR UPDATE``); SQLite ignores ``FOR UPDATE``, so there an update
    that changes nothing starts the write transaction, which SQLite holds for one writer at a time.
    """
    key = model.__mapper__.primary_key[0]
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(key).where(key == ident).with_for_update())
    else:
        session.execute(
            update(model).where(key == ident).values({key.key: key}), execution_options={"synchronize_session": False}
        )
