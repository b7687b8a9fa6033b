"""Evidence of what works: outcome figures across need domains, the referral loop, and an anonymised export."""

from flask import Blueprint

bp = Blueprint("evidence", __name__)
