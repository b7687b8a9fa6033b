"""Flask-Login wired to server-side sessions, and the signed-in user for views (``signed_in_user``).

Who may do what is decided in ``advocate_app.policy`` (its ``requires`` decorator gates views)."""

from __future__ import annotations

import time

from flask import Flask, current_app, redirect, request, session, url_for
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager, current_user, login_user, logout_user

from advocate_app import db
from advocate_app.accounts import sessions
from advocate_app.accounts.models import Role, User

SESSION_TOKEN_KEY = "sid"  # noqa: S105 - the name of a session key, not a secret
# Between the passphrase and the second factor: whose passphrase was right, when, and where to go next.
PENDING_KEY = "mfa_pending"
PENDING_LIFETIME_SECONDS = 300
# The signed-in user's role, kept in the signed cookie so a page made without the database (the outage
# page) still knows whether to offer "Exit this page", and so that a person's own record is read with their
# session. It decides nothing else: access is always checked against the user loaded from the database.
ROLE_KEY = "role"


def _load_user(user_id: str) -> User | None:
    """Called by Flask-Login for each request: a user only while their server-side session is live."""
    try:
        user_id = int(user_id)
    except (TypeError, ValueError):
        return None
    user, record = sessions.user_and_session(
        session.get(SESSION_TOKEN_KEY), user_id, with_person=not signed_in_as_staff_by_cookie()
    )
    if user is None or not user.active:
        return None
    if user.is_staff and not user.has_second_factor:
        # Staff sessions exist only after the second factor (e.g. one begun before a coordinator's reset).
        session.clear()
        return None
    config = current_app.config
    idle = config["SESSION_IDLE_TIMEOUT_STAFF"] if user.is_staff else config["SESSION_IDLE_TIMEOUT_INDIVIDUAL"]
    live = sessions.resume(
        session.get(SESSION_TOKEN_KEY),
        user.id,
        idle_timeout=idle,
        absolute_lifetime=config["SESSION_ABSOLUTE_LIFETIME"],
        record=record,
    )
    if live is None:
        session.clear()
        return None
    return user


def _check_session() -> None:
    # Resolve the user up front so an expired session is recorded and the cookie cleared before any view.
    if request.endpoint in (None, "static", "health.healthz"):
        return
    _ = current_user.is_authenticated
    if db.session.dirty:
        db.session.commit()


def sign_in(user: User) -> None:
    """Start a fresh server-side session (a new session id, so a planted one is useless)."""
    locale = session.get("locale")
    session.clear()
    token = sessions.start(user)
    session[SESSION_TOKEN_KEY] = token
    session[ROLE_KEY] = user.role.value
    if locale:
        # A language chosen before signing in is what they want now: keep it as their setting.
        session["locale"] = locale
        user.locale = locale
    elif user.locale:
        # In the cookie too, so a page made without the database (the outage page) is in their language.
        session["locale"] = user.locale
    session.permanent = False
    # Remember-me is never offered: a shared phone must not stay signed in.
    login_user(user, remember=False)


def begin_second_factor(user: User, next_url: str | None) -> None:
    """The passphrase was right: remember that (briefly) while the second factor is asked for."""
    locale = session.get("locale")
    session.clear()
    if locale:
        session["locale"] = locale
    session[PENDING_KEY] = {"user": user.id, "at": int(time.time()), "next": next_url or ""}


def pending_user() -> User | None:
    """The user whose passphrase was right a moment ago and who still owes the second factor."""
    pending = session.get(PENDING_KEY)
    if not isinstance(pending, dict):
        return None
    started = pending.get("at")
    if not isinstance(started, int) or time.time() - started > PENDING_LIFETIME_SECONDS:
        session.pop(PENDING_KEY, None)
        return None
    try:
        user = db.session.get(User, int(pending.get("user")))
    except (TypeError, ValueError):
        return None
    return user if user is not None and user.active else None


def pending_user_id() -> int | None:
    """The id of the user owing the second factor, read without the database (for rate limits)."""
    pending = session.get(PENDING_KEY)
    value = pending.get("user") if isinstance(pending, dict) else None
    return value if isinstance(value, int) else None


def pending_next() -> str:
    """Where the person was going before being asked to sign in."""
    pending = session.get(PENDING_KEY)
    return pending.get("next", "") if isinstance(pending, dict) else ""


def sign_out(reason: str = "logout") -> None:
    """End this session on the server and clear the cookie."""
    sessions.end(session.get(SESSION_TOKEN_KEY), reason)
    logout_user()
    session.clear()


def signed_in_as_staff_by_cookie() -> bool:
    """Whether the session cookie says a member of staff signed in (read without the database)."""
    role = session.get(ROLE_KEY)
    return role in {r.value for r in Role} and Role(role).is_staff


def forget_user_for_this_request() -> None:
    """Treat the rest of this request as signed out, without loading the user (for pages made without
    the database: Flask-Login would otherwise load the user as soon as a template asks)."""
    current_app.login_manager._update_request_context_with_user(None)


def current_token() -> str | None:
    """The session token of this request (so a password change can keep this session)."""
    return session.get(SESSION_TOKEN_KEY)


def signed_in_user() -> User:
    """The signed-in user itself (not Flask-Login's proxy), for services that take ``by=``."""
    return current_user._get_current_object()


def home_url_for(user: User) -> str:
    """Where each role lands after signing in."""
    return {
        Role.ADVOCATE: url_for("people.caseload"),
        Role.INDIVIDUAL: url_for("people.my_plan"),
        Role.ORG_WORKER: url_for("referrals.inbox"),
        Role.COORDINATOR: url_for("accounts.admin_home"),
    }[user.role]


def init_app(app: Flask, login_manager: LoginManager) -> None:
    """Configure Flask-Login and the per-request session check."""
    login_manager.init_app(app)
    login_manager.user_loader(_load_user)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = _l("Sign in to continue.")
    login_manager.login_message_category = "info"
    # "basic": a changed address (normal on mobile networks) does not sign someone out.
    login_manager.session_protection = "basic"
    app.before_request(_check_session)


def redirect_home():
    """Send the signed-in user to their home page."""
    return redirect(home_url_for(current_user))
