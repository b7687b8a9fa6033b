"""Text that tries to pass for something else: direction overrides, invisible characters, lookalike names.

A name with a right-to-left override showed as another name and mirrored the page's words after it;
zero-width characters made identical-looking rows; an override in an entry showed one phone number as
another. Typed text is now normalised, refused or cleaned once for every form, and isolated on the page.
"""

from __future__ import annotations

import re
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from advocate_app import db, text
from advocate_app.people.models import Person
from advocate_app.plans.models import PlanItem
from advocate_app.text import clean_free_text, hidden_characters, skeleton
from tests import factories
from tests.conftest import form_post

RLO, PDF, ZWSP, ZWNJ = "\u202e", "\u202c", "\u200b", "\u200c"
FSI, PDI = "\u2068", "\u2069"


def _new_person(client, name: str):
    return form_post(
        client,
        "/people/new",
        {
            "preferred_name": name,
            "language": "en",
            "sms_allowed": "no",
            "shared_phone": "no",
            "may_name_organisation": "no",
        },
    )


def _names(in_app) -> list[str]:
    with in_app():
        return list(db.session.scalars(select(Person.preferred_name).order_by(Person.id)))


def _error_beside(html: str, field: str) -> str:
    match = re.search(rf'<p id="{field}-error" class="govuk-error-message">(.*?)</p>', html, re.S)
    assert match, f"no error beside {field}"
    return match.group(1)


def test_a_name_with_a_right_to_left_override_is_refused_with_the_error_beside_the_field(client, login, in_app):
    login(client, factories.advocate())

    response = _new_person(client, f"Alex {RLO}nosliW")

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "hidden characters" in _error_beside(html, "preferred_name")
    assert 'href="#preferred_name"' in html  # and in the error summary
    assert _names(in_app) == []


@pytest.mark.parametrize("invisible", [ZWSP, "\u200d", "\u2060", "\ufeff", "\u200e", "\u2066", "\u00ad"])
def test_zero_width_and_other_invisible_characters_cannot_make_a_second_sam_okafor(client, login, in_app, invisible):
    login(client, factories.advocate())
    assert _new_person(client, "Sam Okafor").status_code == 302

    response = _new_person(client, f"Sam{invisible} Okafor")

    assert "hidden characters" in _error_beside(response.get_data(as_text=True), "preferred_name")
    assert _names(in_app) == ["Sam Okafor"]


def test_a_name_that_looks_like_someone_already_on_the_caseload_is_warned_about(client, login, in_app):
    login(client, factories.advocate())
    assert _new_person(client, "Sam Okafor").status_code == 302

    # A Cyrillic "о" and "а" in place of the Latin letters: nothing hidden, but it looks the same.
    response = _new_person(client, "Sam Okаfоr")

    assert response.status_code == 302  # warned, not refused: two people may share a name
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "looks the same as" in page and "Check it is not the same person" in page
    assert len(_names(in_app)) == 2


def test_urdu_names_keep_the_zero_width_non_joiner_their_spelling_needs():
    assert hidden_characters("فرح\u200cناز") == []
    assert hidden_characters(f"Sam{ZWNJ}Okafor") == [ZWNJ]


def test_a_name_is_stored_in_composed_form_and_found_by_search_typed_either_way(client, login, in_app):
    login(client, factories.advocate())
    decomposed = unicodedata.normalize("NFD", "Zoë Łukasiewicz")
    assert _new_person(client, decomposed).status_code == 302
    assert _names(in_app) == ["Zoë Łukasiewicz"]  # NFC

    for typed in ("Zoë", unicodedata.normalize("NFD", "Zoë"), f"Zo{ZWSP}ë"):
        html = client.get("/people", query_string={"q": typed}).get_data(as_text=True)
        assert "Łukasiewicz" in html, typed


def test_an_entry_with_an_unpaired_override_is_stored_without_it(client, login, in_app):
    alex = factories.advocate()
    sam = factories.person(alex, "Sam Okafor")
    login(client, alex)

    response = form_post(
        client,
        f"/people/{sam.id}/plan/needs/new",
        {"domain": "housing", "text": f"Ring me on {RLO}0987 654 00770 first", "priority": "1", "voice": "advocate"},
    )

    assert response.status_code == 302
    with in_app():
        stored = db.session.scalars(select(PlanItem.text)).one()
    assert stored == "Ring me on 0987 654 00770 first"


def test_free_text_loses_overrides_and_unclosed_controls_but_keeps_what_writing_needs():
    assert clean_free_text(f"call {RLO}0987 654 00770{PDF}") == "call 0987 654 00770"
    assert clean_free_text(f"a {FSI}Ali{PDI} b \u202bq{PDF} \u202a open") == f"a {FSI}Ali{PDI} b \u202bq{PDF}  open"
    assert clean_free_text(f"x{ZWSP}y\ufeff z") == "xy z"
    assert clean_free_text("میں\u200cنے \u200fٹھیک") == "میں\u200cنے \u200fٹھیک"  # joiner and direction mark stay
    wales = "\U0001f3f4\U000e0067\U000e0062\U000e0077\U000e006c\U000e0073\U000e007f"
    assert clean_free_text(f"Cymru {wales}") == f"Cymru {wales}"


# Writing as people paste it: letters of several scripts, spaces of every kind, line breaks, tabs, and now
# and then a direction control, a zero-width character, an invisible letter or a control character.
PASTED = st.text(
    alphabet=st.one_of(
        st.characters(codec="utf-8", categories=["L", "M", "N", "P", "S", "Zs"]),
        st.sampled_from("\n\r\t\x00\x07\u3164\u2800\u200b\ufeff\u200c\u200d\u200e\u061c")
        | st.sampled_from([text.LRE, text.RLE, text.PDF, text.LRO, text.RLO, text.LRI, text.RLI, text.FSI, text.PDI]),
    ),
    max_size=80,
)


@given(PASTED)
def test_a_line_kept_whole_is_what_reading_it_character_by_character_keeps(typed):
    """Lines with nothing hidden skip the character-by-character reading; the result must be the same."""
    normalised = unicodedata.normalize("NFC", typed)
    offsets, lines = 0, []
    for line in normalised.split("\n"):
        lines.append(text._clean_line(line, offsets, set()))
        offsets += len(line) + 1
    assert clean_free_text(typed) == "\n".join(lines)


def test_a_long_paste_loses_only_the_override_on_its_last_line():
    pasted = "ordinary words\tand more\r\n" * 40_000 + f"call {text.RLO}0987 654 00770{text.PDF}"
    assert clean_free_text(pasted) == "ordinary words\tand more\r\n" * 40_000 + "call 0987 654 00770"


def test_skeleton_folds_case_spacing_invisibles_and_lookalike_letters():
    assert skeleton("Sam Okafor") == skeleton("SAM  okafor") == skeleton("Sam Okаfоr") == skeleton("Ｓａｍ Okafor")
    assert skeleton("Sam Okafor") != skeleton("Sam Okafort")


MIXED = "Ali \u0639\u0644\u06cc 3"  # Latin, then Urdu, then a digit: the kind of name that reorders text


def _isolated_everywhere(html: str, name: str) -> None:
    """The name appears only isolated: in <bdi>, between FSI and PDI, or in a form field's value.

    Text only screen readers read (visually hidden) cannot reorder anything on the screen: left out.
    """
    escaped = name
    bare = re.sub(r'<span class="govuk-visually-hidden">.*?</span>', "", html)
    for isolated in (f"<bdi>{escaped}</bdi>", f"{FSI}{escaped}{PDI}", f'value="{escaped}"', f'dir="auto">{escaped}<'):
        bare = bare.replace(isolated, "")
    assert escaped not in bare, bare[max(0, bare.find(escaped) - 200) : bare.find(escaped) + 100]


@pytest.mark.parametrize("locale", ["en", "cy", "pl", "ur"])
def test_every_place_a_name_and_entry_show_on_the_person_and_plan_pages_is_isolated(client, login, locale):
    alex = factories.advocate(name="Morgan \u0645\u0648\u0631\u06af\u0646")
    sam = factories.person(alex, MIXED, contact_notes="Evenings \u0634\u0627\u0645")
    login(client, alex)
    client.post("/language", data={"locale": locale, "csrf_token": _token(client)})
    form_post(
        client,
        f"/people/{sam.id}/plan/needs/new",
        {"domain": "housing", "text": "Need \u06af\u06be\u0631 2", "priority": "1", "voice": "advocate"},
    )

    person_page = client.get(f"/people/{sam.id}").get_data(as_text=True)
    plan_page = client.get(f"/people/{sam.id}/plan").get_data(as_text=True)

    for html in (person_page, plan_page):
        _isolated_everywhere(html, MIXED)
        _isolated_everywhere(html, "Morgan \u0645\u0648\u0631\u06af\u0646")
    assert re.search(rf"<title>[^<]*{FSI}{MIXED}{PDI}", person_page)
    assert re.search(rf"<title>[^<]*{FSI}{MIXED}{PDI}", plan_page)
    _isolated_everywhere(plan_page, "Need \u06af\u06be\u0631 2")
    assert 'dir="auto">Evenings' in person_page


def _token(client) -> str:
    from tests.conftest import csrf_from

    return csrf_from(client.get("/account").get_data(as_text=True))
