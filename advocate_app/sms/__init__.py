"""Discreet text messages: the outbox, its dispatcher, the provider's webhooks and the reminders."""

from flask import Flask

from advocate_app.sms import reminders


def init_app(app: Flask) -> None:
    """Reminders follow the record: they are queued and cancelled as the events of ``advocate_app.events`` say."""
    reminders.follow_the_record()
