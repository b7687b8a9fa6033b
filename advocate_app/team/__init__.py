"""The team around the person: who leads each need, one organisation at a time, and whether work was done with
the person or about them."""

from flask import Blueprint

bp = Blueprint("team", __name__)
