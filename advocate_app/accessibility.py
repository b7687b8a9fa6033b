"""The accessibility statement: how well the service works for everyone and how to tell us when it does not."""

from __future__ import annotations

from flask import Blueprint, render_template

bp = Blueprint("accessibility", __name__)


@bp.get("/accessibility")
def statement():
    """Open to everyone, signed in or not."""
    return render_template("accessibility.html")
