"""Templates display; they do not decide: the rows and lines a page shows are built in Python (a view model
such as plans/view_models.py, or the field helpers in form_items.py) and handed to the template, and the parts
every page repeats come from one macro each (templates/macros/page.html)."""

from __future__ import annotations

import re
from pathlib import Path

from advocate_app import resource_dir

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
