"""Discreet text messages: the outbox, its dispatcher, the provider's webhooks and the reminders."""

from flask import Blueprint

bp = Blueprint("sms", __name__)
