"""Prometheus metrics at ``/metrics``, for operators only: refused without ``METRICS_TOKEN``, and with no personal
data — labels are route templates, methods, status codes and message statuses, never a name, number or id.

Two kinds of figure:

* counted as things happen (requests and their latency, throttled requests, dispatcher rounds and outcomes), in
  each process. Under gunicorn, and with the dispatcher beside it, set ``PROMETHEUS_MULTIPROC_DIR`` to one folder
  for all of them (``deploy/serve.py`` and the systemd units do): each process writes its figures there and any
  worker's ``/metrics`` adds them up. A dispatcher on another machine can serve its own (``sms worker
  --metrics-port``).
* read from the database when scraped (the outbox by status, the oldest message due, failed sends in the last
  hour, overdue referrals and reviews, failed sign-ins in the last hour), so every app server reports the same.
"""

from __future__ import annotations

import hmac
import os
import time
from datetime import timedelta

# prometheus_client takes a PROMETHEUS_MULTIPROC_DIR that is set but empty as the working folder, and writes
# its files there; empty means "not set" here, as for every other setting. Done before it is first imported.
if os.environ.get("PROMETHEUS_MULTIPROC_DIR") == "":
    del os.environ["PROMETHEUS_MULTIPROC_DIR"]

from flask import Blueprint, Flask, Response, abort, current_app, g, request  # noqa: E402
from prometheus_client import (  # noqa: E402
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
    start_http_server,
)
from prometheus_client.core import GaugeMetricFamily  # noqa: E402
from sqlalchemy import func, select  # noqa: E402
from sqlalchemy.exc import SQLAlchemyError  # noqa: E402

from advocate_app import db  # noqa: E402
from advocate_app.audit.models import AuditEvent  # noqa: E402
from advocate_app.clock import local_today  # noqa: E402
from advocate_app.db import utcnow  # noqa: E402
from advocate_app.people.models import Person, PersonStatus  # noqa: E402
from advocate_app.plans.models import Plan, PlanStatus  # noqa: E402
from advocate_app.referrals.models import Referral, ReferralStatus  # noqa: E402
from advocate_app.sms.models import WAITING, MessageStatus, SmsMessage  # noqa: E402

bp = Blueprint("metrics", __name__)

REQUESTS = Counter(
    "advocate_http_requests", "Requests answered, by route template, method and status.", ["route", "method", "status"]
)
LATENCY = Histogram(
    "advocate_http_request_duration_seconds",
    "Time to answer a request, by route template.",
    ["route", "method"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
THROTTLED = Counter(
    "advocate_http_throttled_requests", "Requests refused by throttling (429), by route template.", ["route"]
)
DISPATCHER_HEARTBEAT = Gauge(
    "advocate_sms_dispatcher_last_round_timestamp_seconds",
    "When a text-message dispatcher last finished a round (Unix time).",
    multiprocess_mode="max",
)
DISPATCHER_ROUNDS = Counter("advocate_sms_dispatcher_rounds", "Rounds the text-message dispatchers have finished.")
DISPATCHED = Counter(
    "advocate_sms_dispatched_messages", "Messages the dispatchers dealt with, by outcome.", ["outcome"]
)
OUTCOMES = ("sent", "held", "cancelled", "retrying", "failed", "in_doubt")


def dispatcher_round(counts, now: float | None = None) -> None:
    """Record a finished dispatcher round: the heartbeat, and what happened to the messages it claimed."""
    DISPATCHER_HEARTBEAT.set(time.time() if now is None else now)
    DISPATCHER_ROUNDS.inc()
    for outcome in OUTCOMES:
        amount = getattr(counts, outcome, 0)
        if amount:
            DISPATCHED.labels(outcome).inc(amount)


def serve_process_metrics(port: int) -> None:
    """Serve this process's counted figures on 127.0.0.1:``port`` (a dispatcher on a machine of its own)."""
    registry = REGISTRY
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    start_http_server(port, addr="127.0.0.1", registry=registry)


class DatabaseCollector:
    """Figures read from the database at scrape time, each one aggregate query."""

    def __init__(self, app: Flask):
        self.app = app

    def collect(self):
        with self.app.app_context():
            try:
                yield from self._figures()
                ok = 1
            except SQLAlchemyError:
                db.session.rollback()
                ok = 0
            finally:
                db.session.close()
        yield GaugeMetricFamily("advocate_metrics_database_up", "1 when the figures below could be read.", value=ok)

    def _figures(self):
        now = utcnow()
        today = local_today()
        session = db.session
        outbox = GaugeMetricFamily(
            "advocate_sms_outbox_messages", "Text messages in the outbox, by status.", labels=["status"]
        )
        counted = dict(session.execute(select(SmsMessage.status, func.count()).group_by(SmsMessage.status)).all())
        for status in MessageStatus:
            outbox.add_metric([status.value], counted.get(status, 0))
        oldest = session.scalar(
            select(func.min(SmsMessage.next_attempt_at)).where(
                SmsMessage.status.in_(WAITING), SmsMessage.next_attempt_at <= now, SmsMessage.earliest_at <= now
            )
        )
        failed = session.scalar(
            select(func.count()).where(
                SmsMessage.status.in_((MessageStatus.FAILED, MessageStatus.UNDELIVERED)),
                SmsMessage.updated_at >= now - timedelta(hours=1),
            )
        )
        referrals = session.scalar(
            select(func.count()).where(Referral.status == ReferralStatus.SENT, Referral.respond_by < today)
        )
        reviews = session.scalar(
            select(func.count())
            .select_from(Plan)
            .join(Person, Person.id == Plan.person_id)
            .where(
                Plan.status == PlanStatus.ACTIVE, Person.status != PersonStatus.CLOSED, Plan.next_review_date < today
            )
        )
        sign_ins = session.scalar(
            select(func.count()).where(
                AuditEvent.action == "login_failed", AuditEvent.occurred_at >= now - timedelta(hours=1)
            )
        )
        yield outbox
        yield GaugeMetricFamily(
            "advocate_sms_oldest_due_message_age_seconds",
            "How long the oldest message that is due to go now has been waiting (0 if none).",
            value=(now - oldest).total_seconds() if oldest else 0,
        )
        yield GaugeMetricFamily(
            "advocate_sms_failed_last_hour", "Messages that failed or were undelivered in the last hour.", value=failed
        )
        yield GaugeMetricFamily(
            "advocate_referrals_overdue", "Referrals still unanswered after their reply-by date.", value=referrals
        )
        yield GaugeMetricFamily(
            "advocate_reviews_overdue", "Active plans of open cases past their review date.", value=reviews
        )
        yield GaugeMetricFamily(
            "advocate_sign_in_failures_last_hour", "Failed sign-ins in the last hour.", value=sign_ins
        )


def exposition(app: Flask) -> bytes:
    """The text Prometheus scrapes: every process's counted figures, then the database's."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        counted = CollectorRegistry()
        multiprocess.MultiProcessCollector(counted)
    else:
        counted = REGISTRY
    from_database = CollectorRegistry(auto_describe=False)
    from_database.register(DatabaseCollector(app))
    return generate_latest(counted) + generate_latest(from_database)


def _authorised() -> bool:
    token = current_app.config.get("METRICS_TOKEN", "")
    offered = request.headers.get("Authorization", "")
    return bool(token) and hmac.compare_digest(offered.encode(), f"Bearer {token}".encode())


@bp.get("/metrics")
def metrics():
    """Prometheus' scrape; 404 when no token is configured, 403 without the right one."""
    if not current_app.config.get("METRICS_TOKEN"):
        abort(404)
    if not _authorised():
        abort(403)
    return Response(exposition(current_app._get_current_object()), mimetype=CONTENT_TYPE_LATEST)


def init_app(app: Flask) -> None:
    """Count every request by its route template."""

    @app.after_request
    def _count(response):
        rule = request.url_rule
        route = rule.rule if rule is not None else "unmatched"
        if route == "/metrics":
            return response
        REQUESTS.labels(route, request.method, str(response.status_code)).inc()
        started = g.get("request_started")
        if started is not None:
            LATENCY.labels(route, request.method).observe(time.perf_counter() - started)
        if response.status_code == 429:
            THROTTLED.labels(route).inc()
        return response
