"""The words shown when someone gives consent. Each wording has a version; a change gets a new one.

The consent record keeps the version, the language and the exact text shown, so what a person agreed
to can always be shown back to them word for word.
"""

from __future__ import annotations

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from advocate_app.consent.models import Category, ConsentKind

CATEGORY_LABELS = {
    Category.CONTACT: _l("your contact details"),
    Category.NEEDS: _l("your needs"),
    Category.PLAN: _l("the goals and steps in your plan"),
    Category.NOTES: _l("notes and comments"),
    Category.CHECK_INS: _l("how you rated things at check-ins"),
}

CURRENT_VERSION = {ConsentKind.SMS: 1, ConsentKind.SHARING: 1}


def _sms_v1(**_values) -> str:
    return _(
        "I agree to get text messages from this service on my mobile. Messages will not say what they are "
        "about, and only arrive at the times I chose. I can stop them at any time by replying STOP or by "
        "telling my advocate. This lasts until %(expiry)s unless I stop it sooner.",
        expiry=_values["expiry"],
    )


def _sharing_v1(**values) -> str:
    return _(
        "I agree that %(organisation)s may see %(categories)s, so that they can %(purpose)s. They will only "
        "see this while my agreement lasts: until %(expiry)s, or until I withdraw it, which I can do at any "
        "time.",
        organisation=values["organisation"],
        categories=values["categories"],
        purpose=values["purpose"],
        expiry=values["expiry"],
    )


_RENDERERS = {(ConsentKind.SMS, 1): _sms_v1, (ConsentKind.SHARING, 1): _sharing_v1}


def categories_in_words(categories) -> str:
    """A plain list of what is shared, in the order people think of it."""
    ordered = [CATEGORY_LABELS[c] for c in Category if c in categories]
    return ", ".join(str(label) for label in ordered)


def render(kind: ConsentKind, version: int, language: str, **values) -> str:
    """The statement of ``kind`` and ``version`` in ``language``, with the details filled in."""
    with force_locale(language):
        if "categories" in values and not isinstance(values["categories"], str):
            values["categories"] = categories_in_words(values["categories"])
        return _RENDERERS[(kind, version)](**values)
