"""The team blueprint: every URL of the feature, each with the view that answers it (the factory registers ``bp``).
Covers who leads each need, the order of needs, waiting for the organisation that leads, the no-contact list, the
person's verdict on the help and partnership reviews."""

from __future__ import annotations

from flask import Blueprint
from flask_login import current_user

from advocate_app.team import contact, review_routes, routes, verdict_routes
from advocate_app.team.models import WITH_PERSON

bp = Blueprint("team", __name__)

bp.add_url_rule("/people/<int:person_id>/plan/order", view_func=routes.order_needs, methods=["GET", "POST"])
bp.add_url_rule("/people/<int:person_id>/plan/needs/<int:need_id>/lead", view_func=routes.set_lead, methods=["POST"])
bp.add_url_rule("/people/<int:person_id>/referrals/wait", view_func=routes.wait_for_lead, methods=["POST"])
bp.add_url_rule("/people/no-contact", view_func=routes.no_contact)
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


@bp.app_context_processor
def _contact_choice() -> dict:
    """For the "How was this done?" choice on staff forms: called only by the templates that show it."""
    remembered: dict = {}

    def default() -> str:
        # Asked once a page, however many steps show the choice.
        if "mode" not in remembered:
            remembered["mode"] = contact.default_mode(current_user).value
        return remembered["mode"]

    return {
        "contact_choice_shown": lambda: current_user.is_authenticated and contact.records_contact(current_user),
        "contact_default": default,
        "contact_modes": lambda: [(mode.value, label) for mode, label in contact.MODE_LABELS.items()],
        "contact_with_person": {mode.value for mode in WITH_PERSON},
    }
