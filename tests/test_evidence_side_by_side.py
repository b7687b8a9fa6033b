"""A coordinator's figures counted side by side: each heavy query on a connection of its own, all reading the
data as it was when the coordinator asked. On PostgreSQL, with the rows really committed, since other
connections see only what is committed (elsewhere the queries run one after another on the request's session)."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import create_engine, event, func, insert, select, text
from sqlalchemy.exc import DBAPIError

from advocate_app import db
from advocate_app.evidence import side_by_side, tables
from advocate_app.plans.models import CheckIn, RatedBy
from tests.test_evidence import TODAY, _scope, world  # noqa: F401 - world is a fixture

pytestmark = [pytest.mark.postgres, pytest.mark.real_database]


def test_the_figures_counted_side_by_side_are_those_counted_one_after_another(world, in_app, monkeypatch):  # noqa: F811
    with in_app():
        checked_out = []
        event.listen(db.engine(), "checkout", lambda *_args: checked_out.append(threading.current_thread().name))
        at_once = tables.figures_for(_scope(world.coordinator))
        db.session.rollback()
        # Five queries, each in a thread with a connection of its own.
        assert len([name for name in checked_out if name.startswith("evidence")]) == 5

        monkeypatch.setattr(side_by_side, "_side_by_side_possible", lambda: False)
        one_after_another = tables.figures_for(_scope(world.coordinator))

    assert at_once == one_after_another
    assert at_once.engagement.check_ins > 0 and at_once.loop.services  # the world's figures, not empty ones


def test_a_check_in_committed_while_the_figures_are_counted_is_in_none_of_them(world, in_app):  # noqa: F811
    person = world.people["pat"]
    written = []

    def someone_else_writes(*_args):
        # Another advocate's check-in, committed on a connection of another engine just as the first of the
        # figures' connections is taken from the pool: after the coordinator asked, before that query begins.
        if threading.current_thread().name.startswith("evidence") and not written:
            written.append(True)
            other = create_engine(db.engine().url)
            with other.begin() as connection:
                connection.execute(
                    insert(CheckIn).values(
                        person_id=person.id, domain="housing", rated_by=RatedBy.PERSON, score=4, taken_on=TODAY
                    )
                )
            other.dispose()

    def count_check_ins():
        return side_by_side.connection().scalar(select(func.count(CheckIn.id)))

    with in_app():
        before = db.session.scalar(select(func.count(CheckIn.id)))
        event.listen(db.engine(), "checkout", someone_else_writes)
        counted = side_by_side.run(count_check_ins, count_check_ins)
        db.session.rollback()
        after = db.session.scalar(select(func.count(CheckIn.id)))

    assert written and counted == [before, before]
    assert after == before + 1


def test_a_query_that_fails_side_by_side_fails_the_figures_and_every_connection_goes_back(world, in_app):  # noqa: F811
    with in_app():
        db.session.connection()  # the request's own
        pool = db.engine().pool
        held = pool.checkedout()

        def fails():
            return side_by_side.connection().scalar(text("SELECT 1 / 0"))

        with pytest.raises(DBAPIError, match="division by zero"):
            side_by_side.run(fails, lambda: side_by_side.connection().scalar(text("SELECT 1")))
        assert pool.checkedout() == held
