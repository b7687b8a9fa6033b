"""The words shown when someone gives consent. Each wording has a version; a change gets a new one.

The consent record keeps the version, the language and the exact text shown, so what a person agreed
to can always be shown back to them word for word. A wording once used is never edited: its
messages stay in the catalogues as they were, and new words get new messages and a new version.

Version 2 (both kinds):
- sharing: each kind of information says exactly what the organisation's pages then show (check-in
  ratings and the notes written with them are separate choices); the purpose is a sentence from a
  translated list, or the words typed, quoted and marked as typed; the person is the one who withdraws;
  the list of kinds uses the language's own list pattern; every inserted value is isolated
  (U+2068 … U+2069) so a right-to-left sentence cannot reorder it.
- text messages: the person is the one who stops them.
"""

from __future__ import annotations

from babel.lists import format_list
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from advocate_app.consent.models import Category, ConsentKind, Purpose
from advocate_app.i18n import isolated

# Version 1's words, kept so a version 1 statement renders as it was shown.
_V1_CATEGORY_LABELS = {
    Category.CONTACT: _l("your contact details"),
    Category.NEEDS: _l("your needs"),
    Category.PLAN: _l("the goals and steps in your plan"),
    Category.NOTES: _l("notes and comments"),
    Category.CHECK_INS: _l("how you rated things at check-ins"),
}

# In the statement the person speaks ("I agree that … may see my …").
STATEMENT_CATEGORY_LABELS = {
    Category.CONTACT: _l("my mobile number and how and when it is safe to contact me"),
    Category.NEEDS: _l("the needs written in my plan"),
    Category.PLAN: _l("the goals and steps written in my plan"),
    Category.NOTES: _l("the comments on my plan and who wrote each one"),
    Category.CHECK_INS: _l(
        "the ratings from 1 to 10 at my check-ins (my own, my advocate's and the ones we agreed together)"
    ),
    Category.CHECK_IN_NOTES: _l("the notes written at my check-ins"),
}

# On the person's own pages ("… may see your …").
CATEGORY_LABELS = {
    Category.CONTACT: _l("your mobile number and how and when it is safe to contact you"),
    Category.NEEDS: _l("the needs written in your plan"),
    Category.PLAN: _l("the goals and steps written in your plan"),
    Category.NOTES: _l("the comments on your plan and who wrote each one"),
    Category.CHECK_INS: _l(
        "the ratings from 1 to 10 at your check-ins (your own, your advocate's and the ones you agreed together)"
    ),
    Category.CHECK_IN_NOTES: _l("the notes written at your check-ins"),
}

# On staff pages, about the person by name ("… may see Sam's …").
STAFF_CATEGORY_LABELS = {
    Category.CONTACT: _l("%(name)s's mobile number and how and when it is safe to contact them"),
    Category.NEEDS: _l("the needs written in %(name)s's plan"),
    Category.PLAN: _l("the goals and steps written in %(name)s's plan"),
    Category.NOTES: _l("the comments on %(name)s's plan and who wrote each one"),
    Category.CHECK_INS: _l(
        "the ratings from 1 to 10 at %(name)s's check-ins (their own, their advocate's and the ones agreed together)"
    ),
    Category.CHECK_IN_NOTES: _l("the notes written at %(name)s's check-ins"),
}

# What the organisation's pages show for each kind of information (the ``data-shared`` marks in
# templates/consent/_shared_sections.html). The words above must name each of these, and nothing more.
CATEGORY_SHOWS = {
    Category.CONTACT: frozenset(
        {"mobile-number", "texts-allowed", "shared-phone", "may-name-organisation", "safe-times"}
    ),
    Category.NEEDS: frozenset({"need"}),
    Category.PLAN: frozenset({"goal", "step"}),
    Category.NOTES: frozenset({"comment", "comment-author"}),
    Category.CHECK_INS: frozenset({"rating-own", "rating-advocate", "rating-together"}),
    Category.CHECK_IN_NOTES: frozenset({"check-in-note"}),
}

# The purpose as a choice on the form and in summaries.
PURPOSE_LABELS = {
    Purpose.SAFETY: _l("Keeping safe"),
    Purpose.HOUSING: _l("Finding or keeping a safe place to live"),
    Purpose.MONEY: _l("Money and debt"),
    Purpose.HEALTH: _l("Health and wellbeing"),
    Purpose.FAMILY: _l("Family and relationships"),
    Purpose.WORK: _l("Education, training or work"),
    Purpose.DRUGS_ALCOHOL: _l("Drugs or alcohol"),
    Purpose.OTHER: _l("Something else"),
}

# The purpose in the statement: a whole sentence each, so every language can word it correctly.
_PURPOSE_SENTENCES = {
    Purpose.SAFETY: _l("They may use it only to help keep me safe."),
    Purpose.HOUSING: _l("They may use it only to help me find or keep a safe place to live."),
    Purpose.MONEY: _l("They may use it only to help me with money and debt."),
    Purpose.HEALTH: _l("They may use it only to help me with my health and wellbeing."),
    Purpose.FAMILY: _l("They may use it only to help me with my family and relationships."),
    Purpose.WORK: _l("They may use it only to help me with education, training or work."),
    Purpose.DRUGS_ALCOHOL: _l("They may use it only to help me with drugs or alcohol."),
}

CURRENT_VERSION = {ConsentKind.SMS: 2, ConsentKind.SHARING: 2}


def in_list(items) -> str:
    """``items`` joined with the current language's own list pattern ("a, b and c"; Urdu "a، b اور c")."""
    items = [str(item) for item in items]
    if not items:
        return ""
    locale = str(get_locale() or "en")
    text = format_list(items, locale=locale)
    if locale == "cy" and len(items) > 1:
        # CLDR writes Welsh "and" as "a(c)": "a'r" before the article, "ac" before a vowel, "a" otherwise.
        last = items[-1]
        head, _space, rest = last.partition(" ")
        if head in ("y", "yr") and rest:
            joined = "a'r " + rest
        else:
            joined = ("ac " if last[:1].lower() in "aeiouâêîôû" else "a ") + last
        text = text.replace("a(c) " + last, joined)
    return text


def _sms_v1(**_values) -> str:
    return _(
        "I agree to get text messages from this service on my mobile. Messages will not say what they are "
        "about, and only arrive at the times I chose. I can stop them at any time by replying STOP or by "
        "telling my advocate. This lasts until %(expiry)s unless I stop it sooner.",
        expiry=_values["expiry"],
    )


def _sms_v2(**values) -> str:
    return _(
        "I agree to get text messages from this service on my mobile. Messages will not say what they are "
        "about, and only arrive at the times I chose. I can stop them myself at any time, by replying STOP or "
        "by telling my advocate. My agreement lasts until %(expiry)s, unless I stop it sooner.",
        expiry=isolated(values["expiry"]),
    )


def _sharing_v1(**values) -> str:
    return _(
        "I agree that %(organisation)s may see %(categories)s, so that they can %(purpose)s. They will only "
        "see this while my agreement lasts: until %(expiry)s, or until I withdraw it, which I can do at any "
        "time.",
        organisation=values["organisation"],
        categories=", ".join(str(_V1_CATEGORY_LABELS[c]) for c in Category if c in values["categories"]),
        purpose=values["purpose"],
        expiry=values["expiry"],
    )


def _purpose_sentence(code: str, typed: str) -> str:
    if code in _PURPOSE_SENTENCES:
        return str(_PURPOSE_SENTENCES[Purpose(code)])
    return _(
        "They may use it only for this purpose, shown exactly as it was typed: “%(purpose)s”.", purpose=isolated(typed)
    )


def _sharing_v2(**values) -> str:
    categories = in_list(STATEMENT_CATEGORY_LABELS[c] for c in Category if c in values["categories"])
    return " ".join(
        (
            _(
                "I agree that %(organisation)s may see %(categories)s.",
                organisation=isolated(values["organisation"]),
                categories=categories,
            ),
            _purpose_sentence(values.get("purpose_code", ""), values.get("purpose", "")),
            _(
                "They may see it only while my agreement lasts: until %(expiry)s, or until I withdraw it. "
                "I can withdraw it myself at any time.",
                expiry=isolated(values["expiry"]),
            ),
        )
    )


_RENDERERS = {
    (ConsentKind.SMS, 1): _sms_v1,
    (ConsentKind.SHARING, 1): _sharing_v1,
    (ConsentKind.SMS, 2): _sms_v2,
    (ConsentKind.SHARING, 2): _sharing_v2,
}


def labels_for(name: str | None = None) -> dict:
    """The kinds of information in words for the reader: the person's own (``name`` None) or staff's."""
    if name is None:
        return CATEGORY_LABELS
    return {category: label % {"name": isolated(name)} for category, label in STAFF_CATEGORY_LABELS.items()}


def categories_in_words(categories, name: str | None = None) -> str:
    """What is shared, as a list in the reader's language, in the order people think of it.

    :param name: the person's name when staff read it ("Sam's needs"); ``None`` for the person ("your needs").
    """
    labels = labels_for(name)
    return in_list(labels[c] for c in Category if c in categories)


def purpose_in_words(purpose_code: str, purpose: str) -> str:
    """The purpose for a summary: the listed purpose in the reader's language, or the typed words marked as typed."""
    if purpose_code in PURPOSE_LABELS and purpose_code != Purpose.OTHER:
        return str(PURPOSE_LABELS[Purpose(purpose_code)])
    return _("“%(purpose)s” (as typed)", purpose=isolated(purpose))


def render(kind: ConsentKind, version: int, language: str, **values) -> str:
    """The statement of ``kind`` and ``version`` in ``language``, with the details filled in.

    :param values: ``organisation`` (a name), ``categories`` (Category values), ``purpose_code`` (a Purpose),
        ``purpose`` (the words typed, for "other"), ``expiry`` (the date in words).
    """
    with force_locale(language):
        values["categories"] = frozenset(Category(c) for c in values.get("categories", ()))
        return _RENDERERS[(kind, version)](**values)
