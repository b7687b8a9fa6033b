"""Views for the access log and the subject access export."""

from advocate_app.records import bp  # noqa: F401
