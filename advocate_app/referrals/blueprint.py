"""The referrals blueprint: every URL of the feature, each with the view that answers it (the factory registers
``bp``). Covers making and following referrals, and the organisation's inbox."""

from __future__ import annotations

from flask import Blueprint

from advocate_app.referrals import making_routes, routes

bp = Blueprint("referrals", __name__)

bp.add_url_rule("/referrals", view_func=routes.inbox)
bp.add_url_rule("/referrals/<int:referral_id>", view_func=routes.referral)
bp.add_url_rule("/referrals/<int:referral_id>/accept", view_func=routes.accept, methods=["POST"])
bp.add_url_rule("/referrals/<int:referral_id>/decline", view_func=routes.decline, methods=["GET", "POST"])
bp.add_url_rule("/referrals/<int:referral_id>/status", view_func=routes.update_status, methods=["GET", "POST"])
bp.add_url_rule("/people/<int:person_id>/referrals/find", view_func=making_routes.find_service)
bp.add_url_rule("/people/<int:person_id>/referrals/new", view_func=making_routes.new_referral, methods=["GET", "POST"])
bp.add_url_rule("/people/<int:person_id>/referrals", view_func=making_routes.person_referrals)
bp.add_url_rule(
    "/people/<int:person_id>/referrals/<int:referral_id>/withdraw",
    view_func=making_routes.withdraw_referral,
    methods=["POST"],
)
