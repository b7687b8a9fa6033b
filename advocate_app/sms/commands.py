"""``advocate-app sms …``: the dispatcher (once, for cron, or as a worker loop), the daily reminders, staff numbers."""

from __future__ import annotations

import signal
import time

import click
from flask import current_app
from flask.cli import with_appcontext

from advocate_app import db, metrics


@click.group("sms")
def sms_group():
    """Text messages: dispatch the outbox, queue reminders, staff mobiles."""


@sms_group.command("dispatch")
@click.option("--once", is_flag=True, required=True, help="Send what is due now and stop (run from cron every minute).")
@with_appcontext
def dispatch(once: bool):
    """Send every message that is due, then stop."""
    from advocate_app.sms.dispatcher import Dispatcher

    dispatcher = Dispatcher(current_app.config)
    try:
        counts = dispatcher.drain()
    finally:
        dispatcher.close()
    metrics.dispatcher_round(counts)
    click.echo(
        f"sent {counts.sent}, held {counts.held}, cancelled {counts.cancelled}, retrying {counts.retrying}, "
        f"in doubt {counts.in_doubt}, failed {counts.failed}"
    )


@sms_group.command("worker")
@click.option("--idle-sleep", default=1.0, show_default=True, help="Seconds to wait when nothing is due.")
@click.option(
    "--metrics-port",
    type=int,
    envvar="SMS_WORKER_METRICS_PORT",
    help="Serve this worker's own metrics on 127.0.0.1:PORT (when it does not share PROMETHEUS_MULTIPROC_DIR).",
)
@with_appcontext
def worker(idle_sleep: float, metrics_port: int | None):
    """Send messages as they fall due, until stopped (SIGTERM or SIGINT finish the round in hand first)."""
    from advocate_app.sms.dispatcher import Dispatcher

    if metrics_port:
        metrics.serve_process_metrics(metrics_port)

    stopping = []

    def stop(_signum, _frame):
        stopping.append(True)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    dispatcher = Dispatcher(current_app.config)
    click.echo(f"text message worker started ({current_app.config['SMS_BACKEND']} backend)")
    try:
        while not stopping:
            try:
                counts = dispatcher.run_once()
            except Exception as error:  # noqa: BLE001 - the database went away for a moment: wait and try again
                current_app.logger.warning("dispatcher round failed: %s", error)
                db.session.rollback()
                time.sleep(idle_sleep)
                continue
            metrics.dispatcher_round(counts)
            if counts.touched == 0:
                time.sleep(idle_sleep)
    finally:
        dispatcher.close()
    click.echo("text message worker stopped")


@sms_group.command("reminders")
@with_appcontext
def reminders_command():
    """Queue the reminders and check-in prompts due in the next days (run daily; safe to run again)."""
    from advocate_app.sms import reminders

    reminders.sweep()
    db.session.commit()
    click.echo("Reminders queued.")


@sms_group.command("staff-number")
@click.argument("email")
@click.argument("number", required=False)
@with_appcontext
def staff_number(email: str, number: str | None):
    """Set the mobile NUMBER of the member of staff with EMAIL (leave NUMBER out to remove it)."""
    from sqlalchemy import select

    from advocate_app.accounts.models import User
    from advocate_app.people.phones import NotAMobileNumber, to_e164_mobile
    from advocate_app.sms import services

    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None or not user.is_staff:
        raise click.ClickException(f"no member of staff with the email {email!r}")
    e164 = None
    if number:
        try:
            e164 = to_e164_mobile(number, current_app.config["DEFAULT_PHONE_REGION"])
        except NotAMobileNumber as error:
            raise click.BadParameter("not a mobile number", param_hint="NUMBER") from error
    services.set_staff_number(user, e164)
    db.session.commit()
    click.echo(f"{email}: {e164 or 'no mobile'}")
