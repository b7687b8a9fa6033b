"""The team blueprint: every URL of the feature, each with the view that answers it (the factory registers ``bp``).
Covers the order of needs, who leads a need, waiting for the leading organisation, the no-contact list, the
person's verdict on the help, and partnership reviews."""

from __future__ import annotations

from flask import Blueprint

from advocate_app.team import review_routes, routes, verdict_routes

bp = Blueprint("team", __name__)

bp.add_url_rule("/people/<int:person_id>/plan/order", view_func=routes.order_needs, methods=["GET", "POST"])
bp.add_url_rule("/people/<int:person_id>/plan/needs/<int:need_id>/lead", view_func=routes.set_lead, methods=["POST"])
bp.add_url_rule("/people/<int:person_id>/referrals/wait", view_func=routes.wait_for_lead, methods=["POST"])
bp.add_url_rule("/people/no-contact", view_func=routes.no_contact)
bp.add_app_template_global(routes.contact_choice_shown)
bp.add_app_template_global(routes.contact_default)
bp.add_app_template_global(routes.contact_modes)
bp.add_app_template_global(routes.CONTACT_WITH_PERSON, "contact_with_person")
bp.add_url_rule(
    "/people/<int:person_id>/referrals/<int:referral_id>/verdict",
    view_func=verdict_routes.give_verdict,
    methods=["GET", "POST"],
)
bp.add_url_rule("/organisation/verdicts", view_func=verdict_routes.organisation_verdicts)
bp.add_url_rule("/partnership/reviews", view_func=review_routes.reviews_due)
bp.add_url_rule(
    "/partnership/reviews/<int:organisation_id>", view_func=review_routes.partnership_review, methods=["GET", "POST"]
)
