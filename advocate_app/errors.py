"""Error pages: plain words, translated, and never a stack trace.

Every error page is made from the request alone, without the database: the error may be that the
database is gone, and an error page that fails again leaves the server to answer with its own bare page,
without the app's security headers or "Exit this page". The language comes from the session cookie or
the browser, "Exit this page" from the role the session cookie records.
"""

from __future__ import annotations

import logging

from flask import Flask, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from advocate_app import db
from advocate_app.accounts import auth

log = logging.getLogger(__name__)

# How long to ask browsers and monitors to wait before trying again while the database is unreachable.
RETRY_AFTER_SECONDS = 30
UNAVAILABLE = 503

MESSAGES = {
    400: (_l("Something was wrong with that request"), _l("Go back and try again.")),
    403: (_l("You cannot see this page"), _l("Your account does not give you access to this page.")),
    404: (_l("Page not found"), _l("Check the address, or go back to your home page.")),
    405: (_l("Page not found"), _l("Check the address, or go back to your home page.")),
    413: (_l("That was too much to send"), _l("Send less text, or a smaller file.")),
    429: (_l("Too many attempts"), _l("For your security, wait a few minutes before trying again.")),
    UNAVAILABLE: (_l("Sorry, the service is unavailable"), _l("Try again in a few minutes.")),
}
PROBLEM = (_l("Sorry, there is a problem with the service"), _l("Try again later."))
FORM_EXPIRED = (
    _l("This form has expired"),
    _l(
        "For your security, forms stop working when you sign out or are away for a long time. "
        "Go back, reload the page and try again."
    ),
)


def _render(status: int, words: tuple, headers: dict | None = None):
    """The error page for ``status``, made without the database (nor the user it would load)."""
    db.stop_using()
    auth.forget_user_for_this_request()
    headers = headers or {}
    title, message = (str(text) for text in words)
    if request.path.startswith("/sms/") or request.accept_mimetypes.best == "application/json":
        return {"error": title}, status, headers
    try:
        return render_template("errors/error.html", title=title, message=message, status=status), status, headers
    except Exception:  # an error page that fails must still answer, plainly
        log.exception("error page failed to render")
        return f"{title}. {message}", status, {**headers, "Content-Type": "text/plain; charset=utf-8"}


def init_app(app: Flask) -> None:
    """Register handlers for HTTP errors, expired forms, an unreachable database and anything unexpected."""

    @app.errorhandler(CSRFError)
    def _csrf(error):
        return _render(400, FORM_EXPIRED)

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException):
        if error.code is None or error.code < 400:
            return error
        return _render(error.code, MESSAGES.get(error.code, PROBLEM))

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        try:
            db.session.rollback()
        except Exception:  # the session may be unusable; the page must still render
            log.warning("rollback failed", exc_info=True)
        if db.unreachable(error):
            log.error("database unreachable on %s %s: %s", request.method, request.path, error)
            return _render(UNAVAILABLE, MESSAGES[UNAVAILABLE], {"Retry-After": str(RETRY_AFTER_SECONDS)})
        log.exception("unhandled error on %s %s", request.method, request.path)
        return _render(InternalServerError.code, PROBLEM)
