"""The evidence figures' queries run at once, each on a connection of its own, all reading one moment of the data.

A coordinator's dashboard over the whole partnership runs five figure queries (distance travelled, entries, the
referral loop, unmet need, engagement), each scanning tables of tens of thousands of rows; one after another they
were most of the page's time, while the second core waited. On PostgreSQL each now runs on a connection from the
pool in a transaction of its own, ``REPEATABLE READ`` and read only, that first takes the snapshot the request's
own transaction exported (``pg_export_snapshot``; the way ``pg_dump --jobs`` reads one database with several
connections). So every figure is counted from the same rows, as if one transaction had run them all, and the
counts that add up to each other on the page still do. No query there is given PostgreSQL's parallel workers:
with two each, four queries fought over two cores (the coordinator's dashboard took 222 ms instead of 190).

Elsewhere the queries run one after another on the request's session, as before: on SQLite, and where the app
works inside a transaction it was handed (the test suite), whose rows other connections cannot see.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextvars import ContextVar, copy_context
from typing import Any

from flask import current_app
from sqlalchemy import text
from sqlalchemy.engine import Connection

from advocate_app import db

# The connection the evidence queries run on in a thread of ``run``; unset, they use the request's session.
_own_connection: ContextVar[Connection | None] = ContextVar("evidence_connection", default=None)
# What pg_export_snapshot returns: hexadecimal parts joined by hyphens. Checked before it is written into SQL,
# since SET TRANSACTION SNAPSHOT takes no bound parameter.
_SNAPSHOT_ID = re.compile(r"[0-9A-F]+(?:-[0-9A-F]+)+")
# The settings every evidence query runs with (see ``queries.prepare``), for the rest of a transaction.
EVIDENCE_SETTINGS = "SELECT set_config('jit', 'off', true), set_config('plan_cache_mode', 'force_custom_plan', true)"


def connection() -> Connection:
    """The connection an evidence query runs on: its thread's own in ``run``, else the request's session's."""
    return _own_connection.get() or db.session.connection()


def _side_by_side_possible() -> bool:
    if _own_connection.get() is not None:
        return False  # already in one of run's threads: its calls run there, one after another
    return (
        db.session.get_bind().dialect.name == "postgresql"
        and current_app.extensions.get("advocate_app.connection") is None
    )


def run(*calls: Callable[[], Any]) -> list[Any]:
    """What each call returns, in order. On PostgreSQL the calls run at once, each in a thread with a connection of
    its own reading the snapshot of the request's transaction; their queries must go through ``connection()``.
    An error in any call is raised here once every call has ended, and every connection goes back to the pool."""
    if len(calls) < 2 or not _side_by_side_possible():
        return [call() for call in calls]
    snapshot = db.session.execute(text("SELECT pg_export_snapshot()")).scalar_one()
    if not _SNAPSHOT_ID.fullmatch(snapshot):
        raise ValueError(f"unexpected snapshot id {snapshot!r}")
    engine = db.engine()

    def in_snapshot(call: Callable[[], Any]) -> Any:
        with engine.connect().execution_options(isolation_level="REPEATABLE READ") as own:
            own.exec_driver_sql(
                f"SET TRANSACTION SNAPSHOT '{snapshot}'; SET TRANSACTION READ ONLY; {EVIDENCE_SETTINGS}; "
                "SET LOCAL max_parallel_workers_per_gather = 0"
            )
            _own_connection.set(own)
            try:
                return call()
            finally:
                own.rollback()

    # Each thread runs in a copy of this context (the app and request as here), so that setting its connection
    # is seen by its own call only. The request's transaction, which exported the snapshot, stays open meanwhile.
    with ThreadPoolExecutor(max_workers=len(calls), thread_name_prefix="evidence") as pool:
        futures = [pool.submit(copy_context().run, in_snapshot, call) for call in calls]
        return [future.result() for future in futures]
