"""``/healthz`` for load balancers and monitoring: is the app up, can it reach its database?"""

from __future__ import annotations

from flask import Blueprint, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from advocate_app import db

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    try:
        # Through the request's session, as every page reaches the database (the session is closed, and its
        # connection given back, when the request ends).
        db.session.execute(text("SELECT 1"))
    except (SQLAlchemyError, OSError):
        return jsonify(status="unavailable", database="unreachable"), 503
    return jsonify(status="ok", database="ok")
