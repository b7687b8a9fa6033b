"""When the database goes away, every page answers with the app's own 503 page, safely, and recovers alone.

The database here really goes away: the SQLite file the app uses is replaced by a directory (the engine's
connections are dropped, as a restarted database server drops them), so every new connection fails with
the driver's own error; then it comes back. On PostgreSQL, gunicorn serves the app (as ``make serve``
does) through a TCP relay to the database that is cut and joined again.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests
from sqlalchemy import event
from sqlalchemy.engine import make_url

from advocate_app import db
from advocate_app.models import Base
from tests import factories
from tests.conftest import _pg_url, csrf_from, make_test_app

# The database goes away under the app, and gunicorn serves from another process: a real database throughout.
pytestmark = pytest.mark.real_database

SECURITY_HEADERS = (
    "Content-Security-Policy",
    "X-Frame-Options",
    "X-Content-Type-Options",
    "Referrer-Policy",
    "Permissions-Policy",
    "Cross-Origin-Opener-Policy",
)


class Database:
    """The app's SQLite file, which a test can take away and give back."""

    def __init__(self, app, path):
        self.app = app
        self.path = str(path)
        self.connection_attempts = 0
        with app.app_context():
            self.engine = db.engine()
        event.listen(self.engine, "do_connect", self._count)

    def _count(self, *_args):
        self.connection_attempts += 1

    def go_away(self):
        self.engine.dispose()  # the server dropped every connection
        os.rename(self.path, self.path + ".away")
        os.mkdir(self.path)  # nothing can open it now, not even root
        self.connection_attempts = 0

    def come_back(self):
        os.rmdir(self.path)
        os.rename(self.path + ".away", self.path)


@pytest.fixture
def outage(tmp_path):
    path = tmp_path / "app.db"
    app = make_test_app(tmp_path, f"sqlite+pysqlite:///{path}")
    with app.app_context():
        Base.metadata.create_all(db.engine())
    factories.use(app)
    database = Database(app, path)
    yield database
    database.engine.dispose()


def _assert_the_apps_own_outage_page(response):
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"
    assert response.headers["Cache-Control"] == "no-store"
    for header in SECURITY_HEADERS:
        assert header in response.headers, header
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"
    html = response.get_data(as_text=True)
    nonce = response.headers["Content-Security-Policy"].split("'nonce-")[1].split("'")[0]
    assert f'<script nonce="{nonce}">' in html
    return html


def test_signed_in_person_gets_the_outage_page_in_their_language_with_exit_this_page(outage, login):
    advocate = factories.advocate()
    sam = factories.individual(factories.person(advocate, "Sam Okafor"))
    with outage.app.app_context():
        db.session.get(type(sam), sam.id).locale = "ur"
        db.session.commit()
    client = outage.app.test_client()
    login(client, sam)
    assert client.get("/me").status_code == 200

    outage.go_away()
    response = client.get("/me")

    html = _assert_the_apps_own_outage_page(response)
    assert 'lang="ur" dir="rtl"' in html  # their own language, from the session cookie
    assert "اس صفحے سے نکلیں" in html  # "Exit this page", in Urdu
    assert 'href="/exit"' in html
    # One attempt to reach the database (checking the session); the error page made none of its own.
    assert outage.connection_attempts == 1

    outage.come_back()
    assert client.get("/me").status_code == 200  # no restart needed


def test_signed_in_staff_get_the_outage_page_without_exit_this_page(outage, login):
    advocate = factories.advocate()
    client = outage.app.test_client()
    login(client, advocate)
    client.post("/language", data={"locale": "cy", "csrf_token": _token(client)})
    assert client.get("/people").status_code == 200

    outage.go_away()
    for path in ("/people", "/people/new", "/directory", "/account"):
        response = client.get(path)
        html = _assert_the_apps_own_outage_page(response)
        assert 'lang="cy"' in html
        assert "govuk-exit-this-page" not in html
    assert outage.connection_attempts == 4

    outage.come_back()
    assert client.get("/people").status_code == 200


def test_someone_signing_in_during_an_outage_gets_the_outage_page_in_their_browsers_language(outage):
    client = outage.app.test_client()
    page = client.get("/login", headers={"Accept-Language": "pl"})
    token = csrf_from(page.get_data(as_text=True))

    outage.go_away()
    response = client.post(
        "/login",
        data={"identifier": "sam", "password": "whatever it is", "csrf_token": token},
        headers={"Accept-Language": "pl"},
    )

    html = _assert_the_apps_own_outage_page(response)
    assert 'lang="pl"' in html
    assert "govuk-exit-this-page" in html  # not signed in as staff: it might be the person


def _token(client) -> str:
    return csrf_from(client.get("/account").get_data(as_text=True))


class DatabaseLink:
    """A TCP relay between the app and PostgreSQL that can be cut (every connection dropped, new ones
    refused, as when the database server stops) and joined again on the same port."""

    def __init__(self, target_port: int):
        self.target_port = target_port
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self._listener: socket.socket | None = None
        self._sockets: list[socket.socket] = []

    def join(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(16)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def cut(self) -> None:
        # Shut down, not only closed: closing does not wake a thread blocked in accept(), which would
        # go on taking connections.
        with contextlib.suppress(OSError):
            self._listener.shutdown(socket.SHUT_RDWR)
        self._listener.close()
        for connection in self._sockets:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
            connection.close()
        self._sockets.clear()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _address = listener.accept()
            except OSError:
                return  # cut
            server = socket.create_connection(("127.0.0.1", self.target_port))
            self._sockets += [client, server]
            for source, sink in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while chunk := source.recv(65536):
                sink.sendall(chunk)
        with contextlib.suppress(OSError):
            sink.shutdown(socket.SHUT_WR)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def gunicorn_behind_a_link(app, tmp_path):
    """The app served by gunicorn (as ``make serve`` does) on PostgreSQL reached through a ``DatabaseLink``."""
    database = make_url(_pg_url())
    link = DatabaseLink(database.port or 5432)
    link.join()
    port = _free_port()
    environment = {
        **os.environ,
        "APP_ENV": "development",
        "SECRET_KEY": "a secret key for this test only, long enough",
        "DATABASE_URL": database.set(host="127.0.0.1", port=link.port).render_as_string(hide_password=False),
        "RATELIMIT_ENABLED": "false",
        "INSTANCE_PATH": str(tmp_path),
    }
    server = subprocess.Popen(  # noqa: S603 - our own virtualenv's gunicorn, fixed arguments
        [str(Path(sys.executable).with_name("gunicorn")), "--bind", f"127.0.0.1:{port}", "--workers", "1",
         "--threads", "2", "advocate_app:create_app()"],
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            requests.get(f"{base}/healthz", timeout=10)
            break
        except (requests.ConnectionError, requests.Timeout):
            assert server.poll() is None, server.stderr.read().decode()[-2000:]
            assert time.monotonic() < deadline, "gunicorn did not start"
            time.sleep(0.2)
    yield base, link
    server.terminate()
    server.wait(timeout=10)
    with contextlib.suppress(OSError):
        link.cut()


@pytest.mark.postgres
def test_through_gunicorn_a_signed_in_person_gets_the_apps_own_outage_page_and_then_their_plan(
    gunicorn_behind_a_link,
):
    base, link = gunicorn_behind_a_link
    sam = factories.individual(factories.person(factories.advocate(), "Sam Okafor"), username="sam")
    phone = requests.Session()
    login_page = phone.get(f"{base}/login", timeout=10).text
    signed_in = phone.post(
        f"{base}/login",
        data={"identifier": sam.username, "password": factories.PASSWORD, "csrf_token": csrf_from(login_page)},
        allow_redirects=False,
        timeout=10,
    )
    assert signed_in.status_code == 302, signed_in.text[:500]
    assert phone.get(f"{base}/me", timeout=10).status_code == 200

    link.cut()
    response = phone.get(f"{base}/me", timeout=10)

    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"
    assert response.headers["Cache-Control"] == "no-store"
    for header in SECURITY_HEADERS:
        assert header in response.headers, header
    assert "govuk-exit-this-page" in response.text
    assert "Sorry, the service is unavailable" in response.text

    link.join()
    assert phone.get(f"{base}/me", timeout=10).status_code == 200  # the same server, not restarted
