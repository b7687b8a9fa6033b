"""Response headers that protect people on shared or watched phones (CSP with a nonce, no caching of pages),
refusal of characters no form needs, and the throttle every view that sends a text message wears."""

from __future__ import annotations

import secrets

from flask import Flask, Response, abort, current_app, g, request
from flask_login import current_user

from advocate_app.extensions import limiter

PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), "
    "payment=(), usb=(), interest-cohort=()"
)


def csp_nonce() -> str:
    """The nonce for this response's inline script, made on first use."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def content_security_policy(nonce: str) -> str:
    """A strict policy: our own files only, the one inline script by nonce, no framing, no plugins."""
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src 'self' 'nonce-{nonce}'",
            "style-src 'self'",
            "img-src 'self' data:",
            "font-src 'self'",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


def _set_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", content_security_policy(csp_nonce()))
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "no-referrer")
    headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if request.is_secure or current_app.config.get("SESSION_COOKIE_SECURE"):
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    if request.endpoint in ("static", "assets.built", "offline.words") and response.status_code < 400:
        pass  # files, not pages: their views set their own long caching (an error about one is a page)
    else:
        # Pages may carry personal data; nothing may be kept on a shared or watched phone.
        headers["Cache-Control"] = "no-store"
        headers["Pragma"] = "no-cache"
    return response


def _refuse_nul_characters() -> None:
    # Nobody types a NUL character, and PostgreSQL can neither store nor compare one: a NUL reaching a
    # query is a server error (on SQLite it would be stored). Refuse it before any view reads the request.
    values = request.args.listvalues()
    if request.method == "POST":
        values = [*values, *request.form.listvalues()]
    if any("\x00" in value for group in values for value in group):
        abort(400)


# A view that makes the app send a text message costs money and can be used to pester someone: limit it
# per address and per signed-in account.
SMS_LIMIT_PER_ADDRESS = "20 per hour; 100 per day"
SMS_LIMIT_PER_ACCOUNT = "30 per hour; 200 per day"


def _account_key() -> str:
    return f"user:{current_user.get_id()}" if current_user.is_authenticated else f"address:{request.remote_addr}"


def throttle_sms_sending(view):
    """Decorate a view that sends (or queues) a text message: rate limited per address and per account.

    Only POSTs count; the limits are ``SMS_LIMIT_PER_ADDRESS`` and ``SMS_LIMIT_PER_ACCOUNT``.
    """
    limited = limiter.limit(SMS_LIMIT_PER_ACCOUNT, key_func=_account_key, methods=["POST"])(
        limiter.limit(SMS_LIMIT_PER_ADDRESS, methods=["POST"])(view)
    )
    limited.sends_sms = True
    return limited


def init_app(app: Flask) -> None:
    """Refuse NUL characters in the request; add the headers to every response."""
    app.before_request(_refuse_nul_characters)
    app.after_request(_set_headers)
