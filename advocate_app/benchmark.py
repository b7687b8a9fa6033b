"""What ``make bench`` needs from the app, present only when ``BENCH_ROUTES`` is on (never in production).

``/bench/floor`` is the cheapest signed-in page there is: it checks the server-side session and
answers a few bytes, so each real page's cost can be read as a ratio to it. Every response also
says in an ``X-Query-Count`` header how many SQL statements it ran, so the benchmark can check that
the count does not grow with the rows a page shows.
"""

from __future__ import annotations

from flask import Blueprint, Flask, Response, g
from flask_login import login_required
from sqlalchemy import event

bp = Blueprint("bench", __name__)


@bp.get("/bench/floor")
@login_required
def floor() -> Response:
    """The framework's floor: session checked, nothing else done."""
    return Response("ok", mimetype="text/plain")


def _count_statement(*_args) -> None:
    if g:
        g.query_count = g.get("query_count", 0) + 1


def _report_count(response: Response) -> Response:
    response.headers["X-Query-Count"] = str(g.get("query_count", 0))
    return response


def init_app(app: Flask) -> None:
    """Register the floor route and the query counter when ``BENCH_ROUTES`` is on."""
    if not app.config.get("BENCH_ROUTES"):
        return
    if app.config.get("APP_ENV") == "production":
        raise RuntimeError("BENCH_ROUTES must not be turned on in production")
    event.listen(app.extensions["advocate_app.engine"], "before_cursor_execute", _count_statement)
    app.register_blueprint(bp)
    app.after_request(_report_count)
