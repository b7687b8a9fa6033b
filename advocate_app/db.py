"""Database engine per app, one SQLAlchemy session per app context, and the declarative Base."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Flask, current_app, g
from sqlalchemy import MetaData, create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session
from sqlalchemy.pool import StaticPool
from sqlalchemy.types import DateTime, TypeDecorator
from werkzeug.local import LocalProxy

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
    """Attach an engine to ``app`` and close the context's session when the context ends."""
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
        g.db_session = Session(bind=engine(), expire_on_commit=False)
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
        if exc is None and _only_read(db_session):
            # A transaction that only read ends the same either way; COMMIT keeps the connection's prepared
            # statements, which psycopg forgets on every ROLLBACK, so a page's queries are not planned again
            # on every request. Anything written and not committed is still rolled back below.
            db_session.commit()
    finally:
        db_session.close()


session: Session = LocalProxy(get_session)  # type: ignore[assignment]
