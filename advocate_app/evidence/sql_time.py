"""Dates and times the evidence queries ask the database to work out: the UK day of a stored moment, the time
between two moments, and a day as a whole number.

The evidence figures ask of tens of thousands of stored UTC moments which UK day they fell in; asked
in Python, each answer costs a conversion and the rows have to come back one by one. These expressions let the
database answer while it counts. PostgreSQL converts with its own time zone rules
(``timezone('Europe/London', …)``); SQLite has none, so ``register`` gives each connection the same functions
written in Python (``advocate_app.evidence.period``'s rules), and the figures come out the same on both.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import BigInteger, Date, Integer
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from advocate_app.clock import LOCAL_ZONE

ZONE_NAME = "Europe/London"


class uk_date(FunctionElement):  # noqa: N801 - used like a SQL function
    """The UK calendar day of a stored moment (as ``period.uk_day``)."""

    type = Date()
    name = "uk_date"
    inherit_cache = True


class microseconds_between(FunctionElement):  # noqa: N801
    """Whole microseconds from the first stored moment to the second (``(end - start) // timedelta(microseconds=1)``,
    so ``/ 10**6`` gives exactly ``timedelta.total_seconds()``)."""

    type = BigInteger()
    name = "microseconds_between"
    inherit_cache = True


class day_number(FunctionElement):  # noqa: N801
    """A date as a whole number of days since 1 January 1900 (later days, larger numbers)."""

    type = Integer()
    name = "day_number"
    inherit_cache = True


def _arguments(element, compiler, **kw) -> list[str]:
    return [compiler.process(clause, **kw) for clause in element.clauses]


@compiles(uk_date, "postgresql")
def _uk_date_postgresql(element, compiler, **kw):
    (moment,) = _arguments(element, compiler, **kw)
    return f"CAST(timezone('{ZONE_NAME}', {moment}) AS DATE)"


@compiles(microseconds_between, "postgresql")
def _microseconds_between_postgresql(element, compiler, **kw):
    start, end = _arguments(element, compiler, **kw)
    # EXTRACT gives the exact number of seconds (a numeric to the microsecond), so the product is whole.
    return f"CAST(EXTRACT(EPOCH FROM ({end} - {start})) * 1000000 AS BIGINT)"


@compiles(day_number, "postgresql")
def _day_number_postgresql(element, compiler, **kw):
    (day,) = _arguments(element, compiler, **kw)
    return f"({day} - DATE '1900-01-01')"


@compiles(day_number, "sqlite")
def _day_number_sqlite(element, compiler, **kw):
    (day,) = _arguments(element, compiler, **kw)
    return f"CAST(julianday({day}) - julianday('1900-01-01') AS INTEGER)"


# Elsewhere (SQLite) each is a function of the same name that ``register`` adds to the connection.
@compiles(uk_date)
@compiles(microseconds_between)
def _registered(element, compiler, **kw):
    return f"{element.name}({', '.join(_arguments(element, compiler, **kw))})"


def _moment(stored: str) -> datetime:
    """A moment as SQLite stores it (UTC, without saying so)."""
    return datetime.fromisoformat(stored).replace(tzinfo=UTC)


def _uk_date(stored: str | None) -> str | None:
    return None if stored is None else _moment(stored).astimezone(LOCAL_ZONE).date().isoformat()


def _microseconds_between(start: str | None, end: str | None) -> int | None:
    if start is None or end is None:
        return None
    return (_moment(end) - _moment(start)) // timedelta(microseconds=1)


def register(connection) -> None:
    """Give a connection the functions above when its database has none of its own (SQLite)."""
    if connection.dialect.name != "sqlite":
        return
    driver = connection.connection.driver_connection
    driver.create_function("uk_date", 1, _uk_date, deterministic=True)
    driver.create_function("microseconds_between", 2, _microseconds_between, deterministic=True)
