"""Error pages: plain words, translated, and never a stack trace."""

from __future__ import annotations

import logging

from flask import Flask, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from advocate_app import db

log = logging.getLogger(__name__)


def _render(status: int, title: str, message: str):
    if request.path.startswith("/sms/") or request.accept_mimetypes.best == "application/json":
        return {"error": title}, status
    try:
        return render_template("errors/error.html", title=title, message=message, status=status), status
    except Exception:  # an error page that fails must still answer, plainly
        log.exception("error page failed to render")
        return f"{title}. {message}", status, {"Content-Type": "text/plain; charset=utf-8"}


def _messages(status: int) -> tuple[str, str]:
    return {
        400: (_("Something was wrong with that request"), _("Go back and try again.")),
        403: (_("You cannot see this page"), _("Your account does not give you access to this page.")),
        404: (_("Page not found"), _("Check the address, or go back to your home page.")),
        405: (_("Page not found"), _("Check the address, or go back to your home page.")),
        413: (_("That was too much to send"), _("Send less text, or a smaller file.")),
        429: (
            _("Too many attempts"),
            _("For your security, wait a few minutes before trying again."),
        ),
    }.get(status, (_("Sorry, there is a problem with the service"), _("Try again later.")))


def init_app(app: Flask) -> None:
    """Register handlers for HTTP errors, expired forms and anything unexpected."""

    @app.errorhandler(CSRFError)
    def _csrf(error):
        return _render(
            400,
            _("This form has expired"),
            _(
                "For your security, forms stop working when you sign out or are away for a long time. "
                "Go back, reload the page and try again."
            ),
        )

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException):
        if error.code is None or error.code < 400:
            return error
        title, message = _messages(error.code)
        return _render(error.code, title, message)

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        log.exception("unhandled error on %s %s", request.method, request.path)
        try:
            db.session.rollback()
        except Exception:  # the session may be unusable; the page must still render
            log.exception("rollback failed")
        title, message = _messages(InternalServerError.code)
        return _render(500, title, message)
