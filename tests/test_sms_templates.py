"""Every text message, in every language, says nothing that would give away what it is about (DESIGN §4 rule 3)."""

from __future__ import annotations

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
