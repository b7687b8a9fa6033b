"""``/healthz``: up and able to reach the database, or 503 when the database cannot be reached."""

from __future__ import annotations

import pytest

from tests.conftest import make_test_app


def test_health_check_reports_the_app_and_database_are_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


@pytest.mark.parametrize(
    "database_url",
    [
        "sqlite:///{tmp_path}/no-such-folder/advocate.db",
        "postgresql+psycopg://postgres@127.0.0.1:1/x",  # a closed port on loopback: refused at once
    ],
    ids=["sqlite file that cannot be opened", "postgresql server not listening"],
)
def test_health_check_answers_503_when_the_database_is_unreachable(database_url, tmp_path):
    app = make_test_app(tmp_path, database_url.format(tmp_path=tmp_path))
    try:
        response = app.test_client().get("/healthz")
    finally:
        app.extensions["advocate_app.engine"].dispose()
    assert response.status_code == 503
    assert response.get_json() == {"status": "unavailable", "database": "unreachable"}
    assert "no-store" in response.headers["Cache-Control"]
