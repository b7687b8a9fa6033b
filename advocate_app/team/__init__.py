"""The team around the person: who leads each need, one organisation at a time, whether work was done with the
person or about them, the person's verdict on the help, and the partnership's reviews of each organisation (the
blueprint is in ``blueprint.py``)."""

from flask import Flask

from advocate_app.team import services


def init_app(app: Flask) -> None:
    """Who leads a need follows its referrals: subscribed to the record's events (``advocate_app.events``)."""
    services.follow_the_record()
