"""Discreet text messages: the outbox, its dispatcher, the provider's webhooks and the reminders."""
