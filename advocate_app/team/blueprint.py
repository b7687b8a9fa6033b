"""The team blueprint: every URL of the feature, each with the view that answers it (the factory registers ``bp``).
Covers the order of needs, who leads a need, waiting for the leading organisation, and the no-contact list."""

from __future__ import annotations

from flask import Blueprint

from advocate_app.team import routes

bp = Blueprint("team", __name__)

bp.add_url_rule("/people/<int:person_id>/plan/order", view_func=routes.order_needs, methods=["GET", "POST"])
bp.add_url_rule("/people/<int:person_id>/plan/needs/<int:need_id>/lead", view_func=routes.set_lead, methods=["POST"])
bp.add_url_rule("/people/<int:person_id>/referrals/wait", view_func=routes.wait_for_lead, methods=["POST"])
bp.add_url_rule("/people/no-contact", view_func=routes.no_contact)
bp.app_context_processor(routes.contact_choice_helpers)
