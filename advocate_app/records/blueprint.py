"""The records blueprint: every URL of the feature, each with the view that answers it (the factory registers
``bp``). Covers a person's own view of their record."""

from __future__ import annotations

from flask import Blueprint

from advocate_app.records import routes

bp = Blueprint("records", __name__)

bp.add_url_rule("/people/<int:person_id>/access", view_func=routes.access)
bp.add_url_rule("/people/<int:person_id>/export.json", view_func=routes.export_json)
bp.add_url_rule("/people/<int:person_id>/export", view_func=routes.export_page)
