"""Templates display; they do not decide: the rows and lines a page shows are built in Python (a view model
such as plans/view_models.py, or the field helpers in form_items.py) and handed to the template, and the parts
every page repeats come from one macro each (templates/macros/page.html)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import render_template_string, session

from advocate_app import resource_dir
from advocate_app.paging import page_of
from tests import factories
from tests.conftest import csrf_from

TEMPLATES = Path(resource_dir("templates"))
# ``{% set _ = rows.append(...) %}``, or any other list grown inside a template.
APPENDING = re.compile(r"\.(append|extend|insert)\(")
# The caption above a page's heading, written out instead of asked of the page-header macro.
CAPTION = 'class="govuk-caption-l"'


def _lines(pattern, *, leaving_out: tuple[str, ...] = ()) -> list[str]:
    return [
        f"{path.relative_to(TEMPLATES)}:{number}"
        for path in sorted(TEMPLATES.rglob("*.html"))
        if str(path.relative_to(TEMPLATES)) not in leaving_out
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if pattern(line)
    ]


def test_the_pattern_finds_a_row_appended_in_a_template():
    assert APPENDING.search('{% set _ignored = rows.append([{"text": label}]) %}')
    assert not APPENDING.search('{{ govukTable({"rows": tables.goals}) }}')


def test_no_template_builds_its_rows_by_appending_to_a_list():
    assert _lines(APPENDING.search) == []


def test_every_page_caption_comes_from_the_page_header_macro():
    assert _lines(lambda line: CAPTION in line, leaving_out=("macros/page.html",)) == []


# What macros/paging.html wrote before its markup was written out: GOV.UK's own pagination component.
GOVUK_PAGING = """{% from "govuk_frontend_jinja/components/pagination/macro.html" import govukPagination -%}
{% macro paging(page, endpoint, args={}, label="") %}
{% if page.count > 1 %}
  {% set previous = {"href": url_for(endpoint, page=page.number - 1, **args), "text": _("Previous page"),
    "labelText": _("Page %(num)d of %(count)d", num=page.number - 1, count=page.count)}
    if page.has_previous else none %}
  {% set next = {"href": url_for(endpoint, page=page.number + 1, **args), "text": _("Next page"),
    "labelText": _("Page %(num)d of %(count)d", num=page.number + 1, count=page.count)} if page.has_next else none %}
  {{ govukPagination({"previous": previous, "next": next, "landmarkLabel": label or _("Pages")}) }}
{% endif %}
{% endmacro %}"""


@pytest.mark.parametrize("locale", ["en", "ur"])
@pytest.mark.parametrize("total, number", [(10, 1), (30, 1), (80, 2), (80, 4), (200, 8)])
@pytest.mark.parametrize(
    "args, label", [({}, "Pages of your caseload"), ({"section": "new"}, ""), ({"q": 'a "name" & <more>'}, "")]
)
def test_the_paging_links_are_govuk_pagination_written_out(app, locale, total, number, args, label):
    page = page_of(total, number)
    call = "{{ paging(page, 'people.caseload', args, label) }}"
    with app.test_request_context("/"):
        session["locale"] = locale
        written_out = render_template_string('{% from "macros/paging.html" import paging %}' + call, **locals())
        govuk = render_template_string(GOVUK_PAGING + call, **locals())
    assert written_out == govuk
    assert ("govuk-pagination__next" in written_out) == page.has_next


@pytest.mark.parametrize(
    "path, current",
    [("/people", "Caseload"), ("/directory", "Directory"), ("/people/new", "Add a person"), ("/accessibility", None)],
)
def test_the_header_made_once_marks_the_page_in_view_and_carries_this_pages_token_and_address(
    client, login, path, current
):
    """The header and footer are made once for each kind of page; each page still gets its own menu item marked,
    a token that signs it out, and its own address (escaped) to come back to after choosing a language."""
    login(client, factories.advocate())
    page = client.get(f"{path}?q=%22%3E%3Cb%3E").get_data(as_text=True)
    marked = re.findall(r'<a class="app-header__nav-link" href="[^"]*" aria-current="page">([^<]*)</a>', page)
    assert marked == ([current] if current else [])
    assert "<b>" not in page
    tokens = set(re.findall(r'name="csrf_token" value="([^"]*)"', page))
    assert tokens == {csrf_from(page)}
    assert f'name="next" value="{path}?q=%22%3E%3Cb%3E"' in page
    assert client.post("/logout", data={"csrf_token": csrf_from(page)}).status_code == 302
    assert client.get("/people").status_code == 302
