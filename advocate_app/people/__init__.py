"""People being supported: their records, safe-contact profiles and advocates."""

from flask import Blueprint

bp = Blueprint("people", __name__)
