"""Organisations and the services they offer."""

from flask import Blueprint

bp = Blueprint("directory", __name__)
