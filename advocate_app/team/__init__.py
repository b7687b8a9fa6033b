"""The team around the person: who leads each need, one organisation at a time, whether work was done with the
person or about them, the person's verdict on the help, and the partnership's reviews of each organisation."""

from flask import Blueprint

bp = Blueprint("team", __name__)


@bp.app_context_processor
def _contact_choice() -> dict:
    """For the "How was this done?" choice on staff forms: called only by the templates that show it."""
    from flask_login import current_user

    from advocate_app.team import contact
    from advocate_app.team.models import WITH_PERSON

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
