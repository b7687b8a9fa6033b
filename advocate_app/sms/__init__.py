"""Discreet text messages: the outbox, its dispatcher, the provider's webhooks and the reminders."""

from flask import Flask

from advocate_app import events
from advocate_app.sms import reminders, services


def init_app(app: Flask) -> None:
    """Reminders follow the record: they are queued and cancelled as the events of ``advocate_app.events`` say.
    The caseload counts the text messages to look at with its own figures."""
    reminders.follow_the_record()
    events.caseload_figures.connect(services.open_tasks_figure, weak=False)
