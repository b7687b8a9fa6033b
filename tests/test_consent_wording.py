"""A person agrees to the exact words shown, in their language: what is shared, for what, and that they may withdraw.

The statement for each kind of information is held against what the organisation's page then shows;
every wording version keeps its words; inserted values are isolated and lists follow the language.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
from datetime import date, time
from pathlib import Path

import pytest
from flask_babel import force_locale

from advocate_app import db
from advocate_app.consent import statements
from advocate_app.consent.models import Category, ConsentKind, Purpose
from advocate_app.directory.models import Organisation
from advocate_app.people.models import Person
from advocate_app.plans import outcomes
from advocate_app.plans import services as plans
from advocate_app.plans.models import ItemKind, RatedBy
from tests import factories
from tests.conftest import form_post

LANGUAGES = ("en", "cy", "pl", "ur")
FSI, PDI = "\u2068", "\u2069"

# The English words of the statement that name each thing the organisation's page shows (reviewed by hand).
WORDS_FOR = {
    "mobile-number": "my mobile number",
    "texts-allowed": "how and when it is safe to contact me",
    "shared-phone": "how and when it is safe to contact me",
    "may-name-organisation": "how and when it is safe to contact me",
    "safe-times": "how and when it is safe to contact me",
    "need": "the needs written in my plan",
    "goal": "the goals",
    "step": "steps written in my plan",
    "comment": "the comments on my plan",
    "comment-author": "who wrote each one",
    "rating-own": "my own",
    "rating-advocate": "my advocate's",
    "rating-together": "the ones we agreed together",
    "check-in-note": "the notes written at my check-ins",
}


@pytest.fixture
def sam_with_everything(app, in_app):
    """Sam, with something of every kind an organisation could be shown, and Wren at Harbour."""
    alex = factories.advocate(name="Alex Morgan")
    sam = factories.person(
        alex, name="Sam", phone_e164="+447700900123", sms_allowed=True, safe_windows={0: (time(9), time(17))}
    )
    harbour = factories.organisation("Harbour Housing Advice")
    wren = factories.org_worker(name="Wren", organisation_id=harbour.id)
    with in_app():
        plan = plans.plan_for(sam.id, by=alex)
        need = plans.add_item(plan, ItemKind.NEED, plans.ItemFields("A safe home", domain="housing"), by=alex)
        goal = plans.add_item(plan, ItemKind.GOAL, plans.ItemFields("Move by winter"), by=alex, parent=need)
        plans.add_item(plan, ItemKind.STEP, plans.ItemFields("Ring the council"), by=alex, parent=goal)
        plans.add_comment(plans.load_item(need.id), "Pat is the officer", by=alex)
        for rater in RatedBy:
            outcomes.record_check_in(sam.id, domain="housing", score=5, rated_by=rater, taken_on=date.today(),
                                     note=f"A note by {rater.value}", by=alex)
        db.session.commit()
    return alex, sam, harbour, wren


def _shown(page: str) -> set[str]:
    return set(re.findall(r'data-shared="([a-z-]+)"', page))


@pytest.mark.parametrize("category", list(Category))
def test_the_words_for_each_kind_of_information_are_exactly_what_the_organisation_sees(
    client, login, in_app, sam_with_everything, category
):
    alex, sam, harbour, wren = sam_with_everything
    with in_app():
        given = factories.sharing(db.session.get(Person, sam.id), db.session.get(Organisation, harbour.id), [category],
                                  by=alex, purpose="", purpose_code=Purpose.HOUSING)
        db.session.commit()
        statement = given.statement_text
    login(client, wren)
    shown = _shown(client.get(f"/shared/{sam.id}").get_data(as_text=True))

    assert shown == statements.CATEGORY_SHOWS[category]
    for item in shown:
        assert WORDS_FOR[item] in statement, (item, statement)
    for item in set(WORDS_FOR) - shown:
        if WORDS_FOR[item] not in {WORDS_FOR[s] for s in shown}:
            assert WORDS_FOR[item] not in statement, (item, statement)


def test_every_kind_of_thing_shown_is_named_by_some_kind_of_information():
    assert set().union(*statements.CATEGORY_SHOWS.values()) == set(WORDS_FOR)
    assert set(statements.CATEGORY_SHOWS) == set(Category)


# Wording versions -------------------------------------------------------------------------------

WORDINGS = Path(__file__).parent / "fixtures" / "statement_wordings.json"
SAMPLE = {"organisation": "Harbour", "categories": ["contact", "needs"], "purpose": "to help", "expiry": "1 May 2027"}


def _wordings(app) -> dict[str, str]:
    """A fingerprint of every version of every statement in every language, filled with the same sample."""
    found = {}
    with app.test_request_context():
        for kind, version in statements._RENDERERS:
            for language in LANGUAGES:
                purposes = [p.value for p in Purpose] if (kind, version) == (ConsentKind.SHARING, 2) else ["other"]
                text = " | ".join(
                    statements.render(kind, version, language, **SAMPLE, purpose_code=code) for code in purposes
                )
                found[f"{kind.value} v{version} {language}"] = hashlib.sha256(text.encode()).hexdigest()
    return found


def test_a_wording_once_used_never_changes_a_change_is_a_new_version(app):
    """If this fails, a statement's words changed: keep the old words and give the new ones a new version.

    Only a new version may be added to tests/fixtures/statement_wordings.json; recorded ones stay as they are.
    """
    recorded = json.loads(WORDINGS.read_text(encoding="utf-8"))
    now = _wordings(app)
    changed = [key for key, digest in recorded.items() if now.get(key) != digest]
    assert changed == []
    assert set(now) == set(recorded), "record the fingerprints of a new version in statement_wordings.json"


def test_a_consent_given_under_version_1_keeps_its_words(app):
    with app.test_request_context():
        text = statements.render(ConsentKind.SHARING, 1, "en", **SAMPLE)
    assert text == (
        "I agree that Harbour may see your contact details, your needs, so that they can to help. They will only "
        "see this while my agreement lasts: until 1 May 2027, or until I withdraw it, which I can do at any time."
    )
    assert statements.CURRENT_VERSION == {ConsentKind.SMS: 2, ConsentKind.SHARING: 2}


# Every language reads whole -------------------------------------------------------------------------

FULL_STATEMENTS = {
    "en": "I agree that ⁨Harbour⁩ may see the needs written in my plan. They may use it only to help me with money "
          "and debt. They may see it only while my agreement lasts: until ⁨1 May 2027⁩, or until I withdraw it. "
          "I can withdraw it myself at any time.",
    "cy": "Rwy'n cytuno y caiff ⁨Harbour⁩ weld yr anghenion a ysgrifennwyd yn fy nghynllun. Dim ond i'm helpu gydag "
          "arian a dyledion y cânt ei ddefnyddio. Dim ond tra bo fy nghytundeb yn para y cânt ei weld: tan "
          "⁨1 May 2027⁩, neu nes i mi ei dynnu'n ôl. Gallaf i ei dynnu'n ôl fy hun unrhyw bryd.",
    "pl": "Zgadzam się, aby organizacja ⁨Harbour⁩ mogła widzieć: potrzeby zapisane w moim planie. Może je wykorzystać "
          "tylko po to, by pomóc mi w sprawach pieniędzy i długów. Może je widzieć tylko, dopóki obowiązuje moja "
          "zgoda: do ⁨1 May 2027⁩ albo do czasu, gdy ją wycofam. W każdej chwili mogę ją wycofać.",
    "ur": "میں راضی ہوں کہ ⁨Harbour⁩ یہ دیکھ سکیں: میرے منصوبے میں لکھی گئی ضروریات۔ وہ اسے صرف پیسوں اور قرض کے "
          "معاملات میں میری مدد کے لیے استعمال کر سکتے ہیں۔ وہ یہ صرف تب تک دیکھ سکیں گے جب تک میری اجازت قائم ہے: "
          "⁨1 May 2027⁩ تک، یا جب تک میں اسے واپس نہ لے لوں۔ مجھے یہ اجازت کسی بھی وقت خود واپس لینے کا حق ہے۔",
}


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_purpose_from_the_list_makes_a_whole_statement_in_the_persons_language(app, language):
    with app.test_request_context():
        text = statements.render(ConsentKind.SHARING, 2, language, **{**SAMPLE, "categories": ["needs"]},
                                 purpose_code=Purpose.MONEY)
    assert text == FULL_STATEMENTS[language]


@pytest.mark.parametrize("language", ("cy", "pl", "ur"))
def test_every_listed_purpose_is_said_in_the_language_not_in_english(app, language):
    with app.test_request_context():
        for purpose in Purpose:
            english = statements.render(ConsentKind.SHARING, 2, "en", **SAMPLE, purpose_code=purpose)
            translated = statements.render(ConsentKind.SHARING, 2, language, **SAMPLE, purpose_code=purpose)
            sentences = set(re.split(r"(?<=[.۔])\s", english))
            assert not sentences & set(re.split(r"(?<=[.۔])\s", translated)), (purpose, translated)


def test_in_urdu_every_inserted_value_is_isolated_and_lists_use_the_urdu_comma(app):
    with app.test_request_context():
        text = statements.render(ConsentKind.SHARING, 2, "ur", organisation="Harbour Housing Advice Ltd.",
                                 categories=list(Category), purpose_code="other", purpose="+44 7700 900 982",
                                 expiry="1 May 2027")
        with force_locale("ur"):
            listed = statements.categories_in_words([Category.NEEDS, Category.PLAN, Category.NOTES])
    assert f"{FSI}Harbour Housing Advice Ltd.{PDI}" in text
    assert f"{FSI}+44 7700 900 982{PDI}" in text and f"{FSI}1 May 2027{PDI}" in text
    assert "، " in listed and ", " not in listed and " اور " in listed


LISTS = {
    "en": "the needs written in your plan, the goals and steps written in your plan, and the comments on your plan "
          "and who wrote each one",
    "cy": "yr anghenion a ysgrifennwyd yn eich cynllun, y nodau a'r camau a ysgrifennwyd yn eich cynllun, a'r "
          "sylwadau ar eich cynllun a phwy ysgrifennodd bob un",
    "pl": "potrzeby zapisane w Twoim planie, cele i kroki zapisane w Twoim planie i komentarze do Twojego planu "
          "wraz z ich autorami",
}


@pytest.mark.parametrize("language", sorted(LISTS))
def test_lists_follow_each_language(app, language):
    with app.test_request_context(), force_locale(language):
        listed = statements.categories_in_words([Category.NEEDS, Category.PLAN, Category.NOTES])
    assert listed == LISTS[language]


# Staff read about the person; the person reads about themselves ------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_staff_consent_pages_name_the_person_and_the_persons_pages_say_your(
    client, new_client, login, in_app, sam_with_everything, language
):
    alex, sam, harbour, _wren = sam_with_everything
    with in_app():
        alex_row = db.session.get(type(alex), alex.id)
        alex_row.locale = language
        given = factories.sharing(db.session.get(Person, sam.id), db.session.get(Organisation, harbour.id),
                                  [Category.CONTACT], by=alex, purpose="", purpose_code=Purpose.HOUSING)
        db.session.commit()
        with force_locale(language):
            yours = str(statements.CATEGORY_LABELS[Category.CONTACT])
            sams = str(statements.STAFF_CATEGORY_LABELS[Category.CONTACT] % {"name": f"{FSI}Sam{PDI}"})
    login(client, alex)
    for path in (f"/people/{sam.id}/consents", f"/people/{sam.id}/consents/{given.id}",
                 f"/people/{sam.id}/consents/{given.id}/withdraw", f"/people/{sam.id}/consents/sharing",
                 f"/people/{sam.id}/overrides/new"):
        page = _text(client.get(path).get_data(as_text=True))
        assert sams in page and yours not in page, path

    with in_app():
        sam_login = factories.individual(db.session.get(Person, sam.id), username="sam")
    phone = new_client()
    login(phone, sam_login)
    page = _text(phone.get(f"/people/{sam.id}/consents").get_data(as_text=True))
    assert "your mobile number and how and when it is safe to contact you" in page and "Sam's" not in page


def _text(page: str) -> str:
    return html.unescape(page)


def test_withdrawing_is_one_confirmation_as_easy_as_giving(client, login, in_app, sam_with_everything):
    alex, sam, harbour, _wren = sam_with_everything
    with in_app():
        given = factories.sharing(db.session.get(Person, sam.id), db.session.get(Organisation, harbour.id),
                                  [Category.NEEDS], by=alex, purpose="", purpose_code=Purpose.SAFETY)
        db.session.commit()
    login(client, alex)
    path = f"/people/{sam.id}/consents/{given.id}/withdraw"
    page = client.get(path).get_data(as_text=True)
    assert page.count("<h1") == 1
    # Each typed name isolated once: in <bdi> on the page, between FSI and PDI in the title (no markup there).
    assert "Are you sure <bdi>Sam</bdi> wants to stop sharing with <bdi>Harbour Housing Advice</bdi>?</h1>" in page
    assert f"<title>Are you sure {FSI}Sam{PDI} wants to stop sharing with {FSI}Harbour Housing Advice{PDI}? " in page
    assert "From the moment you confirm, <bdi>Harbour Housing Advice</bdi> can no longer see" in page
    done = form_post(client, path, {})
    assert done.status_code == 302
    receipt = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "Agreement withdrawn" in receipt and receipt.count("<h1") == 1
    # Once withdrawn, the confirmation is not offered again.
    assert client.get(path).status_code == 302
