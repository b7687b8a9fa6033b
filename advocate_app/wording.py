"""One way to word a sentence for each reader: the person reads about themselves ("your needs", "Me"),
their advocate reads about the person by name ("Sam's needs", "Sam / You"), an organisation's worker
reads about the person and "their advocate".

Templates, views and text messages ask these helpers rather than choosing wordings of their own, so a
page never shows one reader the words written for the other. ``tests/test_wording.py`` renders the pages
of each side in every language and fails on the other side's wordings.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from flask_babel import LazyString, get_locale
from flask_babel import lazy_gettext as _l

from advocate_app.accounts.models import Role
from advocate_app.consent import statements
from advocate_app.consent.models import Category
from advocate_app.plans.models import AboutTopic, StepOwner
from advocate_app.templating import made_once


class Reader(enum.StrEnum):
    """Who a sentence is addressed to."""

    PERSON = "person"  # the person the record is about, reading about themselves
    ADVOCATE = "advocate"  # their advocate (or a coordinator reading over their shoulder)
    ORGANISATION = "organisation"  # a worker at an organisation the person was referred to


def reader_of(user) -> Reader:
    """The reader a signed-in user is, for the words about a person's record."""
    if user.role is Role.INDIVIDUAL:
        return Reader.PERSON
    if user.role is Role.ORG_WORKER:
        return Reader.ORGANISATION
    return Reader.ADVOCATE


def is_the_person(user) -> bool:
    """Whether ``user`` reads about themselves (for wording only: what they may do is policy's question)."""
    return reader_of(user) is Reader.PERSON


@dataclass(frozen=True)
class Worded:
    """A sentence with one wording per reader; ``%(name)s`` in a wording is the person's preferred name.

    An organisation's worker reads the advocate's wording unless one of their own is given.
    """

    person: LazyString
    # None: staff read the person's name alone ("Sam" where the person reads "Me").
    advocate: LazyString | None
    organisation: LazyString | None = None

    def wording(self, reader: Reader) -> LazyString | None:
        """The untranslated-until-used wording meant for ``reader``."""
        if reader is Reader.PERSON:
            return self.person
        if reader is Reader.ORGANISATION and self.organisation is not None:
            return self.organisation
        return self.advocate

    def say(self, reader: Reader, name: str = "") -> str:
        """The sentence for ``reader`` in the language in force, with the person's name put in."""
        wording = self.wording(reader)
        return _with_name(None if wording is None else str(wording), name)


def _with_name(text: str | None, name: str) -> str:
    """A wording (``None``: the name alone) with the person's name put in."""
    if text is None:
        return name
    # A wording without the name has no placeholder; "%" alone never occurs in these sentences.
    return text % {"name": name} if "%(name)s" in text else text


# What may be shared, in the consent statements' own words (one source: what a consent says is what is shown).
CATEGORIES = {
    category: Worded(statements.CATEGORY_LABELS[category], statements.STAFF_CATEGORY_LABELS[category])
    for category in Category
}

STEP_OWNERS = {
    StepOwner.ME: Worded(_l("Me"), None),
    StepOwner.ADVOCATE: Worded(_l("My advocate"), _l("You"), _l("Their advocate")),
    StepOwner.ORGANISATION: Worded(_l("An organisation"), _l("An organisation")),
}

ABOUT_TOPICS = {
    AboutTopic.MATTERS: Worded(_l("What matters to me"), _l("What matters to %(name)s")),
    AboutTopic.STRENGTHS: Worded(_l("My strengths"), _l("%(name)s's strengths")),
    AboutTopic.HELPED: Worded(_l("What has helped before"), _l("What has helped %(name)s before")),
    AboutTopic.SUPPORTS: Worded(_l("Who supports me"), _l("Who supports %(name)s")),
}

ABOUT = Worded(_l("About me"), _l("About %(name)s"))

# The questions of the plan's forms whose wording depends on who fills them in.
FORM_LABELS = {
    "about_text": Worded(_l("In your own words"), _l("What to write in this section")),
    "need_text": Worded(_l("What do you need?"), _l("What does %(name)s need?")),
    "goal_target_date": Worded(_l("When would you like to reach it?"), _l("When would %(name)s like to reach it?")),
}


# Text messages worded for whoever's phone they go to: the template of ``advocate_app.sms.messages`` to use.
SMS_TEMPLATES = {
    "review_due": {Reader.PERSON: "review_due", Reader.ADVOCATE: "review_due_staff"},
}


def sms_template(message: str, reader: Reader) -> str:
    """The template of text ``message`` worded for ``reader`` (the person, or their advocate)."""
    return SMS_TEMPLATES[message][reader]


def labels(table: dict, reader: Reader, name: str) -> dict:
    """Every wording of ``table`` (one of this module's tables, known by its id) for ``reader`` with ``name`` put
    in, worded once now (a list reads the same few many times). The wordings themselves are translated once per
    language for the app's life: a table of four had cost a plan page 0.1 ms through the lazy strings."""

    def translated() -> dict:
        wordings = {key: worded.wording(reader) for key, worded in table.items()}
        return {key: None if wording is None else str(wording) for key, wording in wordings.items()}

    wordings = made_once("wordings", (id(table), reader, str(get_locale())), translated)
    return {key: _with_name(text, name) for key, text in wordings.items()}


def categories_in_words(categories, reader: Reader, name: str) -> str:
    """What is shared, as a plain list in the order people think of it, for ``reader``."""
    return statements.categories_in_words(categories, None if reader is Reader.PERSON else name)
