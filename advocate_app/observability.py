"""Logs an operator can search and nobody can read a person out of: one JSON object a line, with a request id.

What goes into a log line is decided here, not at each call: the message, the level, the logger, the request id
and a few named fields (route template, method, status, duration). Never a path (it holds record ids), a query
string (search words are names), a form, a message body or a phone number. SQL parameters are left out of
database errors (``hide_parameters`` in ``db.make_engine``). The console text-message backend, which prints
the texts it would send, is the one exception and exists for development only.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from datetime import UTC, datetime

from flask import Flask, g, has_request_context, request

REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
# Fields a log call may add with ``extra=``; anything else is dropped from the line.
FIELDS = ("route", "method", "status", "duration_ms", "outcome", "count")
# Loggers of libraries that log what they send or receive (the twilio client logs query strings holding
# phone numbers at INFO): only their warnings and errors are kept. (Werkzeug's development server logs
# whole addresses too, but only `advocate-app run` uses it; production logs requests through nginx.)
QUIET = ("twilio.http_client", "urllib3")
requests_log = logging.getLogger("advocate_app.requests")


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time (UTC), level, logger, message, request id and the allowed fields."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or current_request_id(),
        }
        line.update({name: getattr(record, name) for name in FIELDS if hasattr(record, name)})
        if record.exc_info:
            line["error"] = record.exc_info[0].__name__ if record.exc_info[0] else None
            line["traceback"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


def current_request_id() -> str | None:
    """The id of the request being handled, if any."""
    return g.get("request_id") if has_request_context() else None


def configure_logging(log_format: str, level: int = logging.INFO) -> None:
    """Set the process's logging up once: JSON (production) or plain text, to standard error."""
    root = logging.getLogger()
    if any(getattr(handler, "_advocate_app", False) for handler in root.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler._advocate_app = True  # type: ignore[attr-defined]
    if log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    root.setLevel(level)
    quiet_chatty_libraries()


def quiet_chatty_libraries() -> None:
    """Libraries that would log personal data at INFO are held to warnings."""
    for name in QUIET:
        logging.getLogger(name).setLevel(logging.WARNING)


def init_app(app: Flask) -> None:
    """Give every request an id (nginx's, when it sent one) and log one line when it ends."""
    if not app.testing:
        configure_logging(app.config.get("LOG_FORMAT", "text"))

    @app.before_request
    def _start():
        offered = request.headers.get("X-Request-Id", "")
        g.request_id = offered if REQUEST_ID.match(offered) else uuid.uuid4().hex
        g.request_started = time.perf_counter()

    @app.after_request
    def _finish(response):
        response.headers["X-Request-Id"] = g.get("request_id", "")
        started = g.get("request_started")
        duration = round((time.perf_counter() - started) * 1000, 1) if started else None
        route = route_template()
        requests_log.info(
            "%s %s %s %s ms",
            request.method,
            route,
            response.status_code,
            duration,
            extra={"route": route, "method": request.method, "status": response.status_code, "duration_ms": duration},
        )
        return response


def route_template() -> str:
    """The matched route's template (``/people/<int:person_id>``), never the path with its ids."""
    rule = request.url_rule
    return rule.rule if rule is not None else "unmatched"
