"""Page weight on a first visit: every byte on the wire, every request, no web fonts (DESIGN.md §6)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser.conftest import PHONE, TIMEOUT_MS, sign_in
from tests.browser.network import FIRST_VISITS, SCREENSHOTS, FirstVisit
from tests.browser.pages import PAGE_TYPES, build_pat, page_id

pytestmark = pytest.mark.browser

MAX_TOTAL_BYTES = 100 * 1024
MAX_REQUESTS = 10
MAX_HTML_BYTES = 14 * 1024  # about what the first round trip of a new connection can carry


def _load_and_record(page, path: str) -> FirstVisit:
    visit = FirstVisit.start(page)
    page.goto(path, wait_until="load")
    return visit.finish(page, screenshot=True)


@pytest.fixture(scope="module")
def weights(pytestconfig):
    """Collects each page's figures; prints them as a table and writes test-results/page-weight.txt."""
    rows: dict[str, dict] = {}
    yield rows
    if not rows:
        return
    lines = [
        f"{'page':<22} {'requests':>8} {'total bytes':>12} {'html bytes':>11}  html encoding",
        *(
            f"{name:<22} {row['requests']:>8} {row['total']:>12,} {row['html']:>11,}  {row['encoding']}"
            for name, row in rows.items()
        ),
        f"budgets: ≤ {MAX_REQUESTS} requests, ≤ {MAX_TOTAL_BYTES:,} bytes in all, ≤ {MAX_HTML_BYTES:,} bytes of HTML; "
        "compressed bytes on the wire, headers included, cache empty",
    ]
    table = "\n".join(lines)
    folder = Path(pytestconfig.rootpath) / "test-results"
    folder.mkdir(exist_ok=True)
    (folder / "page-weight.txt").write_text(table + "\n", encoding="utf-8")
    print("\n" + table)


@pytest.fixture(scope="module")
def world(live_server) -> dict:
    return build_pat(live_server.app)


@pytest.fixture(scope="module")
def signed_in(browser, live_server, world):
    """``signed_in(who)``: one phone-sized browser profile per user, signed in once for the module."""
    contexts: dict = {}

    def get(who):
        if who not in contexts:
            context = browser.new_context(viewport=PHONE, base_url=live_server.url, locale="en-GB")
            context.set_default_timeout(TIMEOUT_MS)
            if who is not None:
                page = context.new_page()
                sign_in(page, who)
                page.close()
            contexts[who] = context
        return contexts[who]

    yield get
    for context in contexts.values():
        context.close()


@pytest.mark.parametrize("page_type", PAGE_TYPES, ids=page_id)
def test_first_visit_stays_within_the_budget(page_type, signed_in, world, weights, screenshots_dir):
    """Every kind of page, as its user first opens it with nothing cached: bytes, requests and fonts.

    The figures are those of the load the accessibility test made of the English page (tests/browser/network.py);
    run alone, this test loads the page itself.
    """
    name = page_type.name
    path = page_type.path.format(**world)
    visit = FIRST_VISITS.pop(name, None)
    if visit is None:
        page = signed_in(page_type.who).new_page()
        try:
            visit = _load_and_record(page, path)
        finally:
            page.close()
    transfers = visit.transfers
    assert visit.url.endswith(path), f"expected {path}, landed on {visit.url}"
    if name in SCREENSHOTS:
        shot = screenshots_dir / f"weight-{page_id(page_type)}.png"
        shot.write_bytes(visit.screenshot)
        print(f"screenshot: {shot}")

    weights[name] = {
        "requests": len(transfers.requests),
        "total": transfers.total_bytes,
        "html": transfers.html_bytes,
        "encoding": transfers.encoding_by_id.get(transfers.document_id, "?"),
    }
    listing = "\n".join(
        f"  {r['type']} {r['url']} {transfers.bytes_by_id.get(r['id'], 0):,}" for r in transfers.requests
    )
    assert not transfers.fonts(), f"web fonts requested on {name}: {transfers.fonts()}"
    assert len(transfers.requests) <= MAX_REQUESTS, f"{name}: {len(transfers.requests)} requests\n{listing}"
    assert transfers.total_bytes <= MAX_TOTAL_BYTES, f"{name}: {transfers.total_bytes:,} bytes\n{listing}"
    assert transfers.html_bytes <= MAX_HTML_BYTES, f"{name}: HTML is {transfers.html_bytes:,} bytes compressed"
