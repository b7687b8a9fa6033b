"""One word for "advocate" in each language, and the person as the one who stops, withdraws and changes their mind.

Both lists live in translations/glossary.toml, reviewed like any other wording; this file holds the
catalogues and the consent statements to them.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from flask_babel import force_locale
from flask_babel import gettext as _

from advocate_app.consent import statements
from advocate_app.consent.models import Category, ConsentKind, Purpose

TRANSLATIONS = Path(__file__).resolve().parent.parent / "translations"
GLOSSARY = tomllib.loads((TRANSLATIONS / "glossary.toml").read_text(encoding="utf-8"))
LANGUAGES = ("cy", "pl", "ur")
ADVOCATE_IN_ENGLISH = re.compile(r"\badvocate(?:s|'s)?\b", re.IGNORECASE)


def _messages(language: str):
    with (TRANSLATIONS / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalogue = read_po(handle, locale=language)
    for message in catalogue:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        yield ids[0], " ".join(strings)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_about_the_advocate_uses_the_one_word_for_it(language):
    term = re.compile(GLOSSARY["advocate"]["forms"][language], re.IGNORECASE)
    exempt = set(GLOSSARY["advocate"]["not_the_term"]["messages"])
    wrong = [
        (english, translated)
        for english, translated in _messages(language)
        if english not in exempt and ADVOCATE_IN_ENGLISH.search(english) and not term.search(translated)
    ]
    assert wrong == [], f"{language}: say {GLOSSARY['advocate'][language]!r} for advocate"


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_message_uses_a_word_that_means_something_else(language):
    never = GLOSSARY["advocate"]["never"][language]
    wrong = [(english, word) for english, translated in _messages(language) for word in never
             if word.lower() in translated.lower()]
    assert wrong == []


def _current_statements(language: str) -> dict[str, list[str]]:
    """Every current statement in ``language``: text messages, and sharing with each purpose."""
    values = {"organisation": "Harbour Housing Advice", "categories": set(Category), "expiry": "14 March 2027"}
    return {
        "sms": [statements.render(ConsentKind.SMS, statements.CURRENT_VERSION[ConsentKind.SMS], language, **values)],
        "sharing": [
            statements.render(
                ConsentKind.SHARING,
                statements.CURRENT_VERSION[ConsentKind.SHARING],
                language,
                **values,
                purpose_code=purpose,
                purpose="a reason typed in",
            )
            for purpose in Purpose
        ],
    }


# The sentences on the person's own consent pages that say they can change their mind.
PERSON_PAGE_SENTENCES = (
    "Nothing is shared with an organisation unless you agree, except to keep someone safe from serious harm. "
    "You can change your mind at any time.",
    "Tick only what they need. You can withdraw this yourself at any time.",
)


@pytest.mark.parametrize("language", ("en", *LANGUAGES))
def test_every_statement_names_the_person_as_the_one_who_stops_and_withdraws(app, language):
    phrases = GLOSSARY["person_acts"][language]
    with app.test_request_context():
        texts = _current_statements(language)
        with force_locale(language):
            texts["pages"] = [_(sentence) for sentence in PERSON_PAGE_SENTENCES]
    for kind in ("sms", "sharing"):
        for text in texts[kind]:
            for phrase in phrases[kind]:
                assert phrase in text, (kind, phrase, text)
    pages = " ".join(texts["pages"])
    for phrase in phrases["pages"]:
        assert phrase in pages, (phrase, pages)
    everything = " ".join(text for kind in texts.values() for text in kind)
    for passive in phrases["never"]:
        assert passive not in everything, passive
