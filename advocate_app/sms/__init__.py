"""Discreet text messages: the outbox, its dispatcher, the provider's webhooks and the reminders."""

from flask import Blueprint, Flask

bp = Blueprint("sms", __name__)


def init_app(app: Flask) -> None:
    """Reminders follow the record: they are queued and cancelled as the events of ``advocate_app.events`` say."""
    # start-up order: this package runs first whenever its models are imported (the model registry does, as
    # the database is set up); the reminders need every feature's services, so they load once an app is built.
    from advocate_app.sms import reminders

    reminders.follow_the_record()
