"""Agreeing to a statement: the words shown are the words recorded.

The confirm page shows a statement and carries its digest; agreeing records a consent only while the statement
would still read the same (the wording, a name or the expiry date may change while someone reads it).
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

from flask_babel import force_locale, format_date

from advocate_app.accounts.models import User
from advocate_app.consent import services, statements
from advocate_app.consent.models import Category, Consent, ConsentKind, GivenHow
from advocate_app.db import utcnow
from advocate_app.directory.models import Organisation
from advocate_app.people.models import Person


class WordingChanged(ValueError):
    """The statement reads differently from the one the person agreed to on screen."""


def preview(
    kind: ConsentKind, organisation: Organisation | None, categories, purpose_code: str, purpose: str, language: str
) -> str:
    """The statement exactly as it would be recorded now, in ``language``."""
    with force_locale(language):
        expiry = format_date(utcnow() + timedelta(days=services.DEFAULT_CONSENT_DAYS), "d MMMM yyyy")
    return statements.render(
        kind,
        statements.CURRENT_VERSION[kind],
        language,
        organisation=organisation.name if organisation else "",
        categories=frozenset(Category(c) for c in categories),
        purpose_code=purpose_code,
        purpose=purpose,
        expiry=expiry,
    )


def digest(text: str) -> str:
    """What the confirm page carries to show which words were on screen."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def agree_as_shown(
    person: Person,
    kind: ConsentKind,
    *,
    shown_digest: str,
    given_how: GivenHow,
    by: User,
    language: str,
    organisation: Organisation | None,
    categories,
    purpose_code: str,
    purpose: str,
) -> Consent:
    """Record the consent whose statement was on screen.

    :raises WordingChanged: when the statement would now read differently; nothing is recorded.
    """
    text = preview(kind, organisation, categories, purpose_code, purpose, language)
    if shown_digest != digest(text):
        raise WordingChanged
    return services.give(
        person,
        kind,
        given_how=given_how,
        by=by,
        language=language,
        organisation=organisation,
        purpose_code=purpose_code,
        purpose=purpose,
        categories=categories,
    )
