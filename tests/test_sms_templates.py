"""Every text message, in every language, says nothing that would give away what it is about (DESIGN §4 rule 3)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from advocate_app import db
from advocate_app.config import LANGUAGES
from advocate_app.demo import ORGANISATIONS
from advocate_app.directory.models import Organisation
from advocate_app.sms import messages
from tests import factories


def forbidden_words(app) -> list[str]:
    """The configured revealing words, the service's own name and the name of every organisation we know."""
    with app.app_context():
        organisations = db.session.scalars(select(Organisation.name)).all()
    return [
        *app.config["SMS_REVEALING_WORDS"],
        app.config["SERVICE_NAME"],
        *organisations,
        *(spec["name"] for spec in ORGANISATIONS),
    ]


def leaks(app, template: str, language: str) -> list[str]:
    with app.test_request_context():
        text = messages.render(template, language, **messages.SAMPLE_VALUES)
    return messages.revealing_words(text, forbidden_words(app))


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("template", sorted(messages.TEMPLATES))
def test_every_template_in_every_language_is_discreet(app, template, language):
    factories.organisation("Harbour Housing Advice")
    assert leaks(app, template, language) == []


@pytest.mark.parametrize("language", [lang for lang in LANGUAGES if lang != "en"])
def test_every_template_is_translated(app, language):
    with app.test_request_context():
        for template in messages.TEMPLATES:
            english = messages.render(template, "en", **messages.SAMPLE_VALUES)
            assert messages.render(template, language, **messages.SAMPLE_VALUES) != english, template


def test_the_check_fails_when_a_revealing_word_is_added_to_a_template(app, monkeypatch):
    leaky = "Your refuge place is ready. Call the Police if needed."
    monkeypatch.setitem(messages.TEMPLATES, "leaky", lambda **v: leaky)
    assert {word.lower() for word in leaks(app, "leaky", "en")} == {"refuge", "police"}


def test_the_check_fails_on_a_link_the_service_name_or_an_organisation(app, monkeypatch):
    factories.organisation("Harbour Housing Advice")
    monkeypatch.setitem(messages.TEMPLATES, "link", lambda **v: "See https://example.org/x or www.example.com")
    monkeypatch.setitem(messages.TEMPLATES, "named", lambda **v: "Plan together and Harbour Housing Advice say hi")
    assert leaks(app, "link", "en")
    assert {w.lower() for w in leaks(app, "named", "en")} >= {"plan together", "harbour housing advice"}


def test_the_list_of_revealing_words_can_be_changed(app_factory, monkeypatch):
    app = app_factory(SMS_REVEALING_WORDS=("catch up",))
    assert leaks(app, "review_due", "en") == ["catch up"]


# Dates inside sentences: each language puts the day in the case its preposition needs ---------------

# Monday 9 to Sunday 15 March 2026, "on" and "by" that day, as a reviewer of each language wrote them.
WEEK = [date(2026, 3, day) for day in range(9, 16)]
ON_AND_BY = {
    "en": (["on Monday 9 March", "on Tuesday 10 March", "on Wednesday 11 March", "on Thursday 12 March",
            "on Friday 13 March", "on Saturday 14 March", "on Sunday 15 March"],
           ["by Monday 9 March", "by Saturday 14 March"]),
    "cy": (["ar ddydd Llun 9 Mawrth", "ar ddydd Mawrth 10 Mawrth", "ar ddydd Mercher 11 Mawrth",
            "ar ddydd Iau 12 Mawrth", "ar ddydd Gwener 13 Mawrth", "ar ddydd Sadwrn 14 Mawrth",
            "ar ddydd Sul 15 Mawrth"],
           ["erbyn dydd Llun 9 Mawrth", "erbyn dydd Sadwrn 14 Mawrth"]),
    "pl": (["w poniedziałek 9 marca", "we wtorek 10 marca", "w środę 11 marca", "w czwartek 12 marca",
            "w piątek 13 marca", "w sobotę 14 marca", "w niedzielę 15 marca"],
           ["do poniedziałku 9 marca", "do soboty 14 marca"]),
    "ur": (["پیر، \u20689 مارچ\u2069 کو", "منگل، \u206810 مارچ\u2069 کو", "بدھ، \u206811 مارچ\u2069 کو",
            "جمعرات، \u206812 مارچ\u2069 کو", "جمعے، \u206813 مارچ\u2069 کو", "ہفتے، \u206814 مارچ\u2069 کو",
            "اتوار، \u206815 مارچ\u2069 کو"],
           ["پیر، \u20689 مارچ\u2069 تک", "ہفتے، \u206814 مارچ\u2069 تک"]),
}
# The mistakes a weekday name in its dictionary form makes after a preposition.
NEVER = {"cy": ["ar dydd", "ar Dydd"], "pl": ["do sobota", "w sobota", "do poniedziałek", "w środa"],
         "ur": ["ہفتہ کو", "ہفتہ تک", "جمعہ کو"]}


@pytest.mark.parametrize("language", LANGUAGES)
def test_dates_in_messages_are_worded_whole_for_each_language(app, language):
    on_phrases, by_phrases = ON_AND_BY[language]
    with app.test_request_context():
        step_due = [messages.render("step_due", language, day=day) for day in WEEK]
        review_due = [messages.render("review_due", language, day=day) for day in WEEK]
        staff = [messages.render("review_due_staff", language, day=day) for day in WEEK]
        respond_by = [messages.render("respond_by", language, day=WEEK[i], code="4KX7Q2") for i in (0, 5)]
    for phrase, *texts in zip(on_phrases, step_due, review_due, staff, strict=True):
        for text in texts:
            assert phrase in text, (phrase, text)
    for phrase, text in zip(by_phrases, respond_by, strict=True):
        assert phrase in text, (phrase, text)
    everything = " ".join(step_due + review_due + staff + respond_by)
    for wrong in NEVER.get(language, []):
        assert wrong not in everything


def test_in_urdu_every_inserted_value_in_a_message_is_isolated_and_elsewhere_nothing_is_added(app):
    with app.test_request_context():
        urdu = messages.render("respond_by", "ur", **messages.SAMPLE_VALUES)
        others = [messages.render(t, lang, **messages.SAMPLE_VALUES) for t in messages.TEMPLATES for lang in
                  ("en", "cy", "pl")]
    assert urdu.count("\u20684KX7Q2\u2069") == 2 and "\u206814 مارچ\u2069" in urdu
    # Isolation marks are outside the GSM alphabet: a left-to-right message would cost twice as many characters.
    assert not any("\u2068" in text or "\u2069" in text for text in others)
