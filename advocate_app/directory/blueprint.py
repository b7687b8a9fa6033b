"""The directory blueprint: every URL of the feature, each with the view that answers it (the factory registers
``bp``). Covers the directory of organisations and services."""

from __future__ import annotations

from flask import Blueprint

from advocate_app.directory import routes

bp = Blueprint("directory", __name__)

bp.add_url_rule("/admin/organisations", view_func=routes.organisations)
bp.add_url_rule("/admin/organisations/new", view_func=routes.new_organisation, methods=["GET", "POST"])
bp.add_url_rule("/admin/organisations/<int:organisation_id>", view_func=routes.organisation)
bp.add_url_rule("/directory", view_func=routes.browse)
bp.add_url_rule("/directory/services/<int:service_id>", view_func=routes.service)
bp.add_url_rule("/directory/services/<int:service_id>/edit", view_func=routes.edit_service, methods=["GET", "POST"])
bp.add_url_rule("/directory/services/<int:service_id>/confirm", view_func=routes.confirm_service, methods=["POST"])
bp.add_url_rule(
    "/admin/organisations/<int:organisation_id>/services/new", view_func=routes.new_service, methods=["GET", "POST"]
)
