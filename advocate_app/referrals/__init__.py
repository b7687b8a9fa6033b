"""Referrals from advocates to services, and the organisation worker's inbox."""

from flask import Blueprint

bp = Blueprint("referrals", __name__)
