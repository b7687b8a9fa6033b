"""The Welsh, Polish and Urdu catalogues: complete, up to date with the source, safe to format, compilable, wired in.

A string added to the code or templates without a translation in every catalogue fails this suite. To fix it,
run ``advocate-app translations update``, translate the new entries in each messages.po, then
``advocate-app translations compile`` (``make`` compiles them before the tests too).
"""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import tempfile
from gettext import GNUTranslations, c2py
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from advocate_app import resource_dir

ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = ("cy", "pl", "ur")
# A named printf placeholder such as %(name)s or %(num)d.
PLACEHOLDER = re.compile(r"%\((\w+)\)[#0 +-]*\d*(?:\.\d+)?([diouxXeEfFgGcrsa])")
HTML_TAG = re.compile(r"</?[a-zA-Z][^>]*>")


def _po_path(language: str) -> Path:
    return ROOT / "translations" / language / "LC_MESSAGES" / "messages.po"


def _read(path: Path, language: str | None = None) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle, locale=language)


def _key(message) -> tuple[str | None, str]:
    return message.context, message.id[0] if message.pluralizable else message.id


def _forms(message) -> list[str]:
    if message.pluralizable:
        return list(message.string) if isinstance(message.string, (list, tuple)) else [message.string]
    return [message.string]


def _placeholders(text: str) -> set[str]:
    return {name for name, _ in PLACEHOLDER.findall(text)}


@pytest.fixture(scope="module")
def catalogues() -> dict[str, Catalog]:
    return {language: _read(_po_path(language), language) for language in LANGUAGES}


@pytest.fixture(scope="module")
def source_messages(tmp_path_factory) -> dict:
    """Every message in the code and templates now, extracted the way ``translations update`` does."""
    pot = tmp_path_factory.mktemp("extract") / "m.pot"
    result = subprocess.run(  # noqa: S603 - fixed arguments, our own interpreter
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "-k",
            "lazy_gettext",
            "-o",
            str(pot),
            ".",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, f"extracting the messages failed:\n{result.stderr[-2000:]}"
    return {_key(message): message for message in _read(pot) if message.id}


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalogue_has_no_empty_or_fuzzy_entries(catalogues, language):
    catalogue = catalogues[language]
    assert not catalogue.fuzzy, f"{language}: the header entry is marked fuzzy"
    problems = []
    for message in catalogue:
        if not message.id:
            continue
        if message.fuzzy:
            problems.append(f"fuzzy: {message.id!r}")
        forms = _forms(message)
        if message.pluralizable and len(forms) != catalogue.num_plurals:
            problems.append(f"{len(forms)} of {catalogue.num_plurals} plural forms: {message.id!r}")
        if not all(form and form.strip() for form in forms):
            problems.append(f"not translated: {message.id!r}")
    assert not problems, f"{language}/LC_MESSAGES/messages.po:\n" + "\n".join(problems)


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalogue_has_every_message_in_the_source(catalogues, source_messages, language):
    catalogue = {_key(message): message for message in catalogues[language] if message.id}
    missing = sorted(key[1] for key in source_messages if key not in catalogue)
    assert not missing, (
        f"{len(missing)} message(s) in the source are not in {language}/LC_MESSAGES/messages.po "
        "(run `advocate-app translations update` and translate them):\n" + "\n".join(repr(msgid) for msgid in missing)
    )
    changed = sorted(key[1] for key, message in source_messages.items() if catalogue[key].id != message.id)
    assert not changed, f"{language}: singular/plural form changed in the source for: {changed}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_keep_the_placeholders_and_add_no_html(catalogues, language):
    problems = []
    for message in catalogues[language]:
        if not message.id:
            continue
        ids = message.id if message.pluralizable else (message.id,)
        expected = set().union(*(_placeholders(msgid) for msgid in ids))
        conversions = {name: kind for msgid in ids for name, kind in PLACEHOLDER.findall(msgid)}
        has_html = any(HTML_TAG.search(msgid) for msgid in ids)
        for form in _forms(message):
            if not form:
                continue  # reported by the completeness test
            if _placeholders(form) != expected:
                problems.append(f"{ids[0]!r}: {sorted(expected)} became {sorted(_placeholders(form))} in {form!r}")
                continue
            if expected:
                values = {name: 1 if conversions[name] in "diouxXeEfFgGc" else "x" for name in expected}
                try:
                    form % values
                except (KeyError, ValueError, TypeError) as error:
                    problems.append(f"{ids[0]!r}: {form!r} cannot be formatted ({error})")
            if not has_html and HTML_TAG.search(form):
                problems.append(f"{ids[0]!r}: HTML added in {form!r}")
    assert not problems, f"{language}:\n" + "\n".join(problems)


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalogue_compiles(catalogues, language):
    catalogue = catalogues[language]
    errors = [f"{message.id!r}: {error}" for message, errs in catalogue.check() for error in errs]
    assert not errors, f"{language}:\n" + "\n".join(errors)
    compiled = io.BytesIO()
    write_mo(compiled, catalogue)
    compiled.seek(0)
    translations = GNUTranslations(compiled)  # the reader the app's gettext uses; it rejects a broken file
    plural = c2py(catalogue.plural_expr)
    wrong = []
    for message in catalogue:
        if not message.id or message.context:
            continue
        if message.pluralizable:
            # n = 1 and n = 2 pick different forms in every language here.
            looked_up = [translations.ngettext(message.id[0], message.id[1], n) for n in (1, 2)]
            expected = [message.string[plural(n)] for n in (1, 2)]
        else:
            looked_up, expected = [translations.gettext(message.id)], [message.string]
        if looked_up != expected:
            wrong.append(f"{message.id!r}: {looked_up} instead of {expected}")
    assert not wrong, f"{language}: the compiled catalogue does not give back the translations:\n" + "\n".join(wrong)


@pytest.fixture(scope="module")
def compiled_for_the_app():
    """The app reads messages.mo; `make` compiles them before the tests. Rebuild any that are missing or stale."""
    for language in LANGUAGES:
        po = _po_path(language)
        mo = resource_dir("translations") / language / "LC_MESSAGES" / "messages.mo"
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        catalogue = _read(po, language)
        with tempfile.NamedTemporaryFile(dir=mo.parent, suffix=".tmp", delete=False) as handle:
            write_mo(handle, catalogue)
        os.replace(handle.name, mo)  # atomic: another test run never reads half a file


@pytest.mark.parametrize(("language", "direction"), [("ur", "rtl"), ("cy", "ltr"), ("pl", "ltr")])
def test_sign_in_page_is_shown_in_the_browsers_language(compiled_for_the_app, catalogues, client, language, direction):
    response = client.get("/login", headers={"Accept-Language": f"{language},en;q=0.5"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    html_tag = re.search(r"<html\b[^>]*>", page)
    assert html_tag, "no <html> tag"
    assert f'lang="{language}"' in html_tag.group(0)  # the page's own language, not the language menu's
    assert f'dir="{direction}"' in html_tag.group(0)
    sign_in = catalogues[language]["Sign in"].string
    assert sign_in and sign_in != "Sign in"
    assert sign_in in page
    assert ">Sign in<" not in page
