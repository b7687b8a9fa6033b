"""Views for organisation workers (what is shared with them), break glass and information walls."""

from advocate_app.consent import bp  # noqa: F401
