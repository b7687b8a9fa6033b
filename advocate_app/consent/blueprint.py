"""The consent blueprint: every URL of the feature, each with the view that answers it (the factory registers
``bp``). Covers consent and sharing, what organisations see, break glass and information walls."""

from __future__ import annotations

from flask import Blueprint

from advocate_app.consent import break_glass_routes, routes, shared_routes

bp = Blueprint("consent", __name__)

bp.add_url_rule("/people/<int:person_id>/consents", view_func=routes.consents)
bp.add_url_rule("/people/<int:person_id>/consents/sharing", view_func=routes.new_sharing, methods=["GET", "POST"])
bp.add_url_rule("/people/<int:person_id>/consents/confirm", view_func=routes.confirm, methods=["GET", "POST"])
bp.add_url_rule("/people/<int:person_id>/consents/<int:consent_id>", view_func=routes.receipt)
bp.add_url_rule(
    "/people/<int:person_id>/consents/<int:consent_id>/withdraw", view_func=routes.withdraw, methods=["GET", "POST"]
)
bp.add_url_rule("/people/<int:person_id>/overrides/new", view_func=routes.new_override, methods=["GET", "POST"])
bp.add_url_rule("/admin/overrides", view_func=routes.overrides)
bp.add_url_rule("/admin/overrides/<int:override_id>", view_func=routes.decide_override, methods=["GET", "POST"])
bp.add_url_rule("/admin/overrides/<int:override_id>/told", view_func=routes.record_person_told, methods=["POST"])
bp.add_url_rule("/shared", view_func=shared_routes.shared_people)
bp.add_url_rule("/shared/<int:person_id>", view_func=shared_routes.shared_person)
bp.add_url_rule(
    "/admin/people/<int:person_id>/break-glass", view_func=break_glass_routes.break_glass, methods=["GET", "POST"]
)
bp.add_url_rule("/admin/people/<int:person_id>/links", view_func=break_glass_routes.links, methods=["GET", "POST"])
