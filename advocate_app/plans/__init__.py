"""Co-produced plans: about me, needs, goals, steps, comments, agreement, check-ins and reviews."""

from flask import Blueprint

bp = Blueprint("plans", __name__)
