"""Organisations and the services they offer."""
