"""The evidence blueprint: every URL of the feature, each with the view that answers it (the factory registers
``bp``). Covers evidence of what works, progress, and evaluation plans."""

from __future__ import annotations

from flask import Blueprint

from advocate_app.evidence import plan_routes, routes

bp = Blueprint("evidence", __name__)

bp.add_url_rule("/evidence", view_func=routes.dashboard)
bp.add_url_rule("/evidence/export", view_func=routes.export_download, methods=["GET", "POST"])
bp.add_url_rule("/people/<int:person_id>/progress", view_func=routes.progress)
bp.add_url_rule("/me/progress", view_func=routes.my_progress)
bp.add_url_rule("/evidence/plans", view_func=plan_routes.evaluation_plans)
bp.add_url_rule("/evidence/plans/new", view_func=plan_routes.new_evaluation_plan, methods=["GET", "POST"])
bp.add_url_rule(
    "/evidence/plans/<int:plan_id>/edit", view_func=plan_routes.edit_evaluation_plan, methods=["GET", "POST"]
)
bp.add_url_rule("/evidence/plans/<int:plan_id>/lock", view_func=plan_routes.lock_evaluation_plan, methods=["POST"])
bp.add_url_rule(
    "/evidence/plans/<int:plan_id>/amend", view_func=plan_routes.amend_evaluation_plan, methods=["GET", "POST"]
)
bp.add_url_rule("/evidence/plans/<int:plan_id>", view_func=plan_routes.evaluation_plan)
bp.add_url_rule("/evidence/plans/<int:plan_id>/export", view_func=plan_routes.export_evaluation_plan, methods=["POST"])

bp.context_processor(routes.formatting_helpers)
