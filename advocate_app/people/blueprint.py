"""The people blueprint: every URL of the feature, each with the view that answers it (the factory registers
``bp``). Covers people's records, the caseload and who advocates for whom."""

from __future__ import annotations

from flask import Blueprint

from advocate_app.people import routes

bp = Blueprint("people", __name__)

bp.add_url_rule("/people", view_func=routes.caseload)
bp.add_url_rule("/people/new", view_func=routes.new_person, methods=["GET", "POST"])
bp.add_url_rule("/people/<int:person_id>", view_func=routes.person)
bp.add_url_rule("/people/<int:person_id>/edit", view_func=routes.edit_person, methods=["GET", "POST"])
bp.add_url_rule("/people/<int:person_id>/close", view_func=routes.close_case, methods=["POST"])
bp.add_url_rule("/people/<int:person_id>/reopen", view_func=routes.reopen_case, methods=["POST"])
bp.add_url_rule("/people/<int:person_id>/login", view_func=routes.person_setup_code, methods=["POST"])
bp.add_url_rule("/me", view_func=routes.my_plan)
bp.add_url_rule("/me/details", view_func=routes.my_details)
bp.add_url_rule("/admin/people", view_func=routes.assignments)
bp.add_url_rule("/admin/people/<int:person_id>/advocates", view_func=routes.assign, methods=["GET", "POST"])
