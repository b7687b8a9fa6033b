"""axe-core on every kind of page, in English and in Urdu, on a phone and a laptop: no WCAG 2.0–2.2 A or AA failures.

axe-core is the npm package (node_modules/axe-core), injected into each page by Playwright. Each page is
loaded once per language, in the one tab of a profile signed in as its user in that language, and checked at
360×640, then again after resizing to 1280×800. The English load is
also the page's first visit whose weight test_page_weight.py judges: it is recorded with nothing cached, up to
its last request, before the page is resized (tests/browser/network.py).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from advocate_app import resource_dir
from tests.browser import network
from tests.browser.conftest import PAGE_LOCALES, one_tab, profiles_by_user_and_language
from tests.browser.pages import PAGE_TYPES, build_pat, page_id

pytestmark = pytest.mark.browser

AXE = resource_dir("static").parent / "node_modules" / "axe-core" / "axe.min.js"
WCAG_A_AND_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
SCREENS = {"phone": {"width": 360, "height": 640}, "laptop": {"width": 1280, "height": 800}}
# Right to left on a phone is worth a look after each run (test-results/screenshots/).
SCREENSHOTS = {"caseload search", "goal", "inbox section", "accessibility statement", "my plan"}


@pytest.fixture(scope="module")
def axe_source() -> str:
    if not AXE.is_file():
        pytest.fail(f"{AXE} is missing: install the npm packages first (npm ci, or make setup)", pytrace=False)
    return AXE.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def world(live_server) -> dict:
    return build_pat(live_server.app)


@pytest.fixture(scope="module")
def signed_in(browser, live_server, world, translate):
    """``signed_in(who, language)``: one browser profile per user and language, signed in once for the module."""
    # axe is injected as a script of its own, which the app's strict policy would rightly refuse.
    with profiles_by_user_and_language(
        browser, live_server, translate, viewport=SCREENS["phone"], bypass_csp=True
    ) as get:
        yield get


def _violations(page, axe_source: str) -> list[dict]:
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=axe_source)
    result = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        WCAG_A_AND_AA,
    )
    return [
        {
            "rule": violation["id"],
            "impact": violation["impact"],
            "help": violation["help"],
            "where": [" ".join(node["target"]) for node in violation["nodes"][:5]],
        }
        for violation in result["violations"]
    ]


@pytest.fixture(scope="module")
def report(pytestconfig):
    """Collects the pages checked; writes test-results/axe.json at the end of the module."""
    rows: list[dict] = []
    yield rows
    folder = Path(pytestconfig.rootpath) / "test-results"
    folder.mkdir(exist_ok=True)
    (folder / "axe.json").write_text(json.dumps(rows, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


@pytest.mark.parametrize("language", list(PAGE_LOCALES))
@pytest.mark.parametrize("page_type", PAGE_TYPES, ids=page_id)
def test_no_wcag_a_or_aa_failures(page_type, language, signed_in, world, axe_source, report, screenshot):
    page = one_tab(signed_in(page_type.who, language))
    try:
        first_visit = network.FirstVisit.start(page) if language == "en" else None
        response = page.goto(page_type.path.format(**world))
        assert response.status == page_type.status, f"{page_type.path} answered {response.status}"
        if language == "ur":
            assert page.get_attribute("html", "dir") == "rtl", "the Urdu page is not right to left"
            if page_type.name in SCREENSHOTS:
                screenshot(page, f"axe-{page_id(page_type)}-ur")
        found = {}
        for screen, size in SCREENS.items():
            page.set_viewport_size(size)
            found[screen] = _violations(page, axe_source)
            if first_visit is not None:  # still at phone size: the first visit ends here
                first_visit.finish(page, screenshot=page_type.name in network.SCREENSHOTS)
                network.FIRST_VISITS[page_type.name] = first_visit
                first_visit = None
        report.append({"page": page_type.name, "language": language, "violations": found})
    except BaseException:
        page.close()  # the next page gets a tab in a known state
        raise
    assert not any(found.values()), json.dumps(found, indent=1, ensure_ascii=False)
