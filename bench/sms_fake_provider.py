"""A local fake of the provider's Messages API for ``make bench-sms``, on loopback only.

It answers what the twilio library sends: ``POST …/Messages.json`` (accept a message, or fail a share
of calls with a transient 503 before accepting anything) and ``GET …/Messages.json?To=…`` (list what
was accepted for a number, which the dispatcher uses to reconcile a message in doubt). It records
every message it accepted with the idempotency key carried in the status callback address, so lost
and duplicated messages are counted from the provider's side. ``GET /stats`` reports them.

Run: ``python bench/sms_fake_provider.py PORT FAILURE_RATE``; it stops on SIGTERM.
"""

from __future__ import annotations

import itertools
import json
import random
import sys
import threading
from collections import Counter
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, parse_qsl, urlsplit


class Store:
    """Accepted messages, by recipient and by idempotency key."""

    def __init__(self, failure_rate: float):
        self.lock = threading.Lock()
        self.failure_rate = failure_rate
        self.by_number: dict[str, list[dict]] = {}
        self.keys: Counter = Counter()
        self.calls = Counter()
        self.first_at: float | None = None
        self.last_at: float | None = None
        self.sids = itertools.count(1)
        self.random = random.Random(20)  # noqa: S311 - which calls fail, not a secret


STORE: Store


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes: with Nagle's algorithm on, each answer would wait for the
    # client's delayed acknowledgement (about 40 ms) and the fake, not the dispatcher, would be measured.
    disable_nagle_algorithm = True

    def log_message(self, *_args) -> None:  # quiet: the benchmark reports the figures
        pass

    def _answer(self, status: int, payload: dict) -> None:
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
        parts = urlsplit(self.path)
        if parts.path == "/stats":
            with STORE.lock:
                payload = {
                    "accepted": sum(STORE.keys.values()),
                    "keys": dict(STORE.keys),
                    "calls": dict(STORE.calls),
                    "first_at": STORE.first_at,
                    "last_at": STORE.last_at,
                }
            self._answer(200, payload)
            return
        if parts.path.endswith("/Messages.json"):
            to = parse_qs(parts.query).get("To", [""])[0]
            with STORE.lock:
                STORE.calls["list"] += 1
                found = list(STORE.by_number.get(to, []))
            self._answer(200, {"messages": found, "next_page_uri": None, "page": 0, "page_size": 100,
                               "start": 0, "end": len(found), "uri": parts.path})
            return
        self._answer(404, {"code": 20404, "message": "not found", "status": 404})

    def do_POST(self) -> None:  # noqa: N802
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        if len(raw) < length:
            # The sender died in the middle of its request: like the real provider, accept nothing.
            self.close_connection = True
            return
        form = dict(parse_qsl(raw.decode()))
        if not urlsplit(self.path).path.endswith("/Messages.json"):
            self._answer(404, {"code": 20404, "message": "not found", "status": 404})
            return
        with STORE.lock:
            STORE.calls["create"] += 1
            fail = STORE.random.random() < STORE.failure_rate
            if fail:
                STORE.calls["failed"] += 1
        if fail:
            self._answer(503, {"code": 20500, "message": "Service unavailable, try again", "status": 503})
            return
        key = dict(parse_qsl(urlsplit(form.get("StatusCallback", "")).query)).get("k", "")
        now = datetime.now(UTC)
        with STORE.lock:
            message = {
                "sid": f"SM{next(STORE.sids):032x}",
                "to": form.get("To"),
                "from": form.get("From"),
                "body": form.get("Body"),
                "status": "queued",
                "date_created": format_datetime(now, usegmt=True),
            }
            STORE.by_number.setdefault(message["to"], []).append(message)
            STORE.keys[key] += 1
            STORE.first_at = STORE.first_at or now.timestamp()
            STORE.last_at = now.timestamp()
        self._answer(201, message)


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        # A dispatcher killed mid-request leaves a broken connection: expected here, not worth a traceback.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


def main() -> None:
    global STORE
    port, failure_rate = int(sys.argv[1]), float(sys.argv[2])
    STORE = Store(failure_rate)
    server = Server(("127.0.0.1", port), Handler)
    import signal

    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    print(f"fake provider on 127.0.0.1:{port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
