"""What keeps pages cheap to serve must not change what they do: a request keeps what its view committed
and nothing else, translated text still escapes what is put into it, and dates are worded as before."""

from datetime import UTC, date, datetime

import pytest
from flask import render_template_string, session
from sqlalchemy import func, select, text

from advocate_app import db
from advocate_app.audit.models import AuditEvent
from advocate_app.audit.services import record as audit


def _events(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(AuditEvent.id)))


@pytest.fixture
def app(app_factory):
    """An app of the test's own: views are added to it, which Flask allows only before its first request."""
    return app_factory()


def _add_view(app, rule: str, view) -> None:
    app.add_url_rule(rule, rule.strip("/"), view)


def test_what_a_view_wrote_without_committing_is_rolled_back_when_the_request_ends(app, client):
    def half_done():
        audit("view", object_type="test")
        db.session.flush()
        return "shown, but nothing was meant to be kept"

    _add_view(app, "/half-done", half_done)
    assert client.get("/half-done").status_code == 200
    assert _events(app) == 0


def test_what_a_view_committed_is_kept(app, client):
    def done():
        audit("view", object_type="test")
        db.session.commit()
        return "kept"

    _add_view(app, "/done", done)
    assert client.get("/done").status_code == 200
    assert _events(app) == 1


def test_a_change_left_pending_by_a_view_that_only_read_is_not_saved(app, client):
    def pending():
        db.session.scalar(select(func.count(AuditEvent.id)))
        db.session.add(AuditEvent(action="view", object_type="test"))
        return "read, and left something unsaved"

    _add_view(app, "/pending", pending)
    assert client.get("/pending").status_code == 200
    assert _events(app) == 0


def test_a_failed_view_keeps_nothing(app, client):
    def fails():
        audit("view", object_type="test")
        db.session.flush()
        raise RuntimeError("the view broke half-way")

    _add_view(app, "/fails", fails)
    assert client.get("/fails").status_code == 500
    assert _events(app) == 0


@pytest.mark.postgres
@pytest.mark.real_database  # what the connection keeps from one request's transaction to the next
def test_a_page_read_again_runs_its_queries_without_planning_them_again(app, client):
    # psycopg forgets prepared statements on ROLLBACK; a request that only read ends with COMMIT instead.
    def count():
        return str(db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.object_type == "test")))

    def prepared():
        rows = db.session.execute(text("SELECT statement FROM pg_prepared_statements")).scalars()
        return "\n".join(rows)

    _add_view(app, "/count", count)
    _add_view(app, "/prepared", prepared)
    for _ in range(6):
        assert client.get("/count").status_code == 200
    assert "FROM audit_event" in client.get("/prepared").get_data(as_text=True)


def test_translated_text_escapes_the_values_put_into_it(app):
    with app.test_request_context("/"):
        html = render_template_string(
            "{{ _('In %(name)s\\'s words', name=name) }}|{{ ngettext('%(num)d step', '%(num)d steps', 2) }}",
            name="<script>alert(1)</script>",
        )
    # The value is escaped, and isolated so a name typed in another direction cannot reorder the sentence.
    assert html == "In <bdi>&lt;script&gt;alert(1)&lt;/script&gt;</bdi>'s words|2 steps"


def test_words_without_values_read_as_before_and_a_doubled_percent_is_still_one(app):
    with app.test_request_context("/"):
        html = render_template_string(
            "{{ _('Sign out') }}|{{ _('zoom text to 400%% without text going off the screen') }}|{{ _('<b>') }}"
        )
    # Our own words are trusted markup, as Jinja's gettext makes them; "%%" is a percent sign.
    assert html == "Sign out|zoom text to 400% without text going off the screen|<b>"


@pytest.mark.parametrize(
    "value, locale, worded",
    [
        (date(2026, 3, 4), "en", "4 March 2026"),
        (date(2026, 3, 4), "cy", "4 Mawrth 2026"),
        # 23:30 UTC on 31 May is already 1 June in London (summer time).
        (datetime(2026, 5, 31, 23, 30, tzinfo=UTC), "en", "1 June 2026"),
        (datetime(2026, 12, 31, 23, 30, tzinfo=UTC), "pl", "31 grudnia 2026"),
        (None, "en", ""),
    ],
)
def test_dates_are_worded_in_the_pages_language_and_the_services_time_zone(app, value, locale, worded):
    with app.test_request_context("/"):
        session["locale"] = locale
        assert render_template_string("{{ value | short_date }}", value=value) == worded
