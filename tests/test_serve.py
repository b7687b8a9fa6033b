"""The production way of serving (`make serve`: nginx → gunicorn, with the text-message worker) on loopback ports.

Marked ``serve``: ``pytest -m serve`` runs these alone. They start real processes (deploy/serve.py) on free
loopback ports, each step bounded in time, and stop them all at the end. Without nginx they are skipped,
except in CI (CI=true), where `make test` installs it and its absence is a failure.
"""

from __future__ import annotations

import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

import pytest

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PASSPHRASE = "serve-test-demo-passphrase"
METRICS_TOKEN = "serve-test-metrics-token"
CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)

pytestmark = pytest.mark.serve


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """The demo data served by nginx + gunicorn + the worker, as `make serve` does; stopped afterwards."""
    if NGINX is None:
        if os.environ.get("CI") == "true":
            pytest.fail("nginx is not installed (make test installs it)")
        pytest.skip("nginx is not installed (make serve installs it: apt-get install nginx)")
    folder = tmp_path_factory.mktemp("serve")
    # Without PROMETHEUS_MULTIPROC_DIR (the serve script sets its own): an empty one would mean the working folder.
    env = {
        **{name: value for name, value in os.environ.items() if name != "PROMETHEUS_MULTIPROC_DIR"},
        "APP_ENV": "development",
        "INSTANCE_PATH": str(folder),
        "DATABASE_URL": f"sqlite:///{folder / 'app.db'}",
        "DEMO_PASSWORD": PASSPHRASE,
        "METRICS_TOKEN": METRICS_TOKEN,
    }
    app = str(BIN / "advocate-app")
    subprocess.run([app, "db", "upgrade"], env=env, check=True, capture_output=True, timeout=120)
    subprocess.run([app, "demo", "seed"], env=env, check=True, capture_output=True, timeout=120)
    port = _free_port()
    log = (folder / "serve.log").open("w")
    command = [sys.executable, str(ROOT / "deploy" / "serve.py"), "run", "--port", str(port)]
    command += ["--app-port", str(_free_port()), "--run-dir", str(folder / "run"), "--workers", "2"]
    process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
    try:
        deadline = time.monotonic() + 90
        while not _answers(port):
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"make serve's processes did not start:\n{(folder / 'serve.log').read_text()[-3000:]}")
            time.sleep(0.3)
        for _ in range(4):  # each gunicorn worker compiles the sign-in page's templates once, before the clock runs
            _get(port, "/login", timeout=30)
        yield port
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def _answers(port: int) -> bool:
    try:
        return _get(port, "/healthz", timeout=2).status == 200
    except OSError:
        return False


class _Response:
    def __init__(self, status: int, headers: http.client.HTTPMessage, body: str):
        self.status, self.headers, self.body = status, headers, body


def _get(port: int, path: str, headers: dict | None = None, timeout: float = 5) -> _Response:
    return _request(port, "GET", path, None, headers or {}, timeout)


def _request(port: int, method: str, path: str, body: str | None, headers: dict, timeout: float) -> _Response:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return _Response(response.status, response.headers, response.read().decode("utf-8", "replace"))
    finally:
        connection.close()


class SlowClients:
    """Connections that open and say nothing, and connections that send a request one byte at a time."""

    def __init__(self, port: int, idle: int, trickling: int):
        self.sockets = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(idle + trickling)]
        self.trickling = self.sockets[idle:]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._trickle, daemon=True)
        self._thread.start()

    def _trickle(self) -> None:
        request = b"POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100000\r\n\r\n" + b"x" * 100000
        position = 0
        while not self._stop.wait(0.5) and position < len(request):
            for sock in self.trickling:
                try:
                    sock.send(request[position : position + 1])
                except OSError:
                    pass
            position += 1

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        for sock in self.sockets:
            sock.close()


def test_a_normal_request_is_answered_within_two_seconds_while_fifty_slow_clients_hold_connections(served, capsys):
    slow = SlowClients(served, idle=25, trickling=25)
    times = []
    try:
        time.sleep(1.5)  # every slow connection is open and has sent something (or nothing) by now
        for path in ("/healthz", "/login"):
            started = time.monotonic()
            response = _get(served, path, timeout=2)
            took = time.monotonic() - started
            times.append(f"{path} {took * 1000:.0f} ms")
            assert response.status == 200, path
            assert took < 2, f"{path} took {took:.2f} s with 50 slow clients connected"
    finally:
        slow.close()
    with capsys.disabled():
        print(f"\nwith 25 idle and 25 trickling connections open: {', '.join(times)}")


def test_a_person_signs_in_through_the_proxy_and_sees_their_plan(served):
    cookies = SimpleCookie()

    def cookie_header() -> dict:
        return {"Cookie": "; ".join(f"{key}={morsel.value}" for key, morsel in cookies.items())}

    page = _get(served, "/login")
    cookies.load(page.headers["Set-Cookie"])
    token = CSRF.search(page.body).group(1)
    form = urlencode({"csrf_token": token, "identifier": "sam", "password": PASSPHRASE})
    headers = {**cookie_header(), "Content-Type": "application/x-www-form-urlencoded"}
    signed_in = _request(served, "POST", "/login", form, headers, timeout=10)
    assert signed_in.status == 302, signed_in.body[:500]
    for header in signed_in.headers.get_all("Set-Cookie") or []:
        cookies.load(header)
    home = signed_in.headers["Location"]
    assert home.startswith("/"), "the app redirects to its own path, whatever Host the proxy passed"

    plan = _get(served, home, headers=cookie_header(), timeout=5)
    assert plan.status == 200
    assert "Sam" in plan.body
    assert plan.headers["Server"] == "nginx", "answered through the proxy"
    assert "no-store" in plan.headers["Cache-Control"]


def test_client_sent_forwarding_headers_are_replaced_by_the_proxy(served):
    """A client cannot claim to be on https (or another host) through X-Forwarded-*: nginx sets them itself."""
    page = _get(served, "/login", headers={"X-Forwarded-Proto": "https", "X-Forwarded-Host": "evil.example"})
    assert page.status == 200
    assert "Strict-Transport-Security" not in page.headers
    assert "evil.example" not in page.body


def test_metrics_through_the_proxy_need_the_token_and_carry_the_separate_dispatchers_heartbeat(served):
    assert _get(served, "/metrics").status == 403
    heartbeat = re.compile(r"^advocate_sms_dispatcher_last_round_timestamp_seconds ([0-9.e+]+)$", re.MULTILINE)
    deadline = time.monotonic() + 15
    while True:
        text = _get(served, "/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}).body
        found = heartbeat.search(text)
        if found and float(found.group(1)) > 0 or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert found, "the text-message worker's heartbeat reaches gunicorn's /metrics through the shared folder"
    assert time.time() - float(found.group(1)) < 30
    assert 'advocate_http_requests_total{method="GET",route="/healthz",status="200"}' in text or (
        'advocate_http_requests_total{route="/healthz",method="GET",status="200"}' in text
    )
