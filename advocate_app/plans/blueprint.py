"""The plans blueprint: every URL of the feature, each with the view that answers it (the factory registers
``bp``). Covers the plan, its entries, and how things are going."""

from __future__ import annotations

from flask import Blueprint

from advocate_app.plans import entry_routes, outcome_routes, routes

bp = Blueprint("plans", __name__)

bp.add_url_rule("/people/<int:person_id>/plan/goals/<int:item_id>", view_func=routes.goal)
bp.add_url_rule("/people/<int:person_id>/plan", view_func=routes.plan)
bp.add_url_rule("/people/<int:person_id>/plan/agree", view_func=routes.agree, methods=["POST"])
bp.add_url_rule(
    "/people/<int:person_id>/plan/agreement/withdraw", view_func=routes.withdraw_agreement, methods=["GET", "POST"]
)
bp.add_url_rule("/people/<int:person_id>/plan/new", view_func=routes.start_new_plan, methods=["POST"])
bp.add_url_rule("/people/<int:person_id>/plans", view_func=routes.earlier_plans)
bp.add_url_rule("/people/<int:person_id>/plans/<int:plan_id>", view_func=routes.earlier_plan)
bp.add_url_rule("/people/<int:person_id>/plan/summary", view_func=routes.summary)
bp.add_url_rule("/people/<int:person_id>/plan/about/<topic>", view_func=entry_routes.about, methods=["GET", "POST"])
bp.add_url_rule("/people/<int:person_id>/plan/needs/new", view_func=entry_routes.new_need, methods=["GET", "POST"])
bp.add_url_rule(
    "/people/<int:person_id>/plan/items/<int:item_id>/goals/new",
    view_func=entry_routes.new_goal,
    methods=["GET", "POST"],
)
bp.add_url_rule(
    "/people/<int:person_id>/plan/items/<int:item_id>/steps/new",
    view_func=entry_routes.new_step,
    methods=["GET", "POST"],
)
bp.add_url_rule(
    "/people/<int:person_id>/plan/items/<int:item_id>/edit", view_func=entry_routes.edit_item, methods=["GET", "POST"]
)
bp.add_url_rule("/people/<int:person_id>/plan/items/<int:item_id>", view_func=entry_routes.item)
bp.add_url_rule(
    "/people/<int:person_id>/plan/items/<int:item_id>/comments", view_func=entry_routes.comment, methods=["POST"]
)
bp.add_url_rule(
    "/people/<int:person_id>/plan/items/<int:item_id>/decision", view_func=entry_routes.decide, methods=["POST"]
)
bp.add_url_rule(
    "/people/<int:person_id>/plan/items/<int:item_id>/done", view_func=entry_routes.step_done, methods=["POST"]
)
bp.add_url_rule("/people/<int:person_id>/check-ins/new", view_func=outcome_routes.new_check_in, methods=["GET", "POST"])
bp.add_url_rule("/people/<int:person_id>/journey", view_func=outcome_routes.journey)
bp.add_url_rule("/people/<int:person_id>/plan/review", view_func=outcome_routes.review, methods=["GET", "POST"])
bp.add_url_rule("/people/<int:person_id>/plan/next-review", view_func=outcome_routes.set_next_review, methods=["POST"])
