"""Page weight on a first visit: every byte on the wire, every request, no web fonts (DESIGN.md §6)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.browser.conftest import PHONE, TIMEOUT_MS, sign_in
from tests.browser.pages import PAGE_TYPES, build_pat, page_id

pytestmark = pytest.mark.browser

MAX_TOTAL_BYTES = 100 * 1024
MAX_REQUESTS = 10
MAX_HTML_BYTES = 14 * 1024  # about what the first round trip of a new connection can carry
# A few pages are worth looking at on a phone after each run (test-results/screenshots/).
SCREENSHOTS = {"caseload", "plan", "goal", "inbox", "my plan", "accessibility statement"}
FONT_URL = re.compile(r"\.(woff2?|ttf|otf)(\?|#|$)", re.IGNORECASE)


class Transfers:
    """Every request of one page load as Chromium's network layer saw it, through the DevTools protocol."""

    def __init__(self, cdp):
        self.requests: list[dict] = []  # one per request, redirects included
        self.bytes_by_id: dict[str, int] = {}
        self.done: set[str] = set()
        self.document_id: str | None = None
        self.encoding_by_id: dict[str, str] = {}
        cdp.on("Network.requestWillBeSent", self._sent)
        cdp.on("Network.responseReceived", self._response)
        cdp.on("Network.loadingFinished", self._finished)
        cdp.on("Network.loadingFailed", self._failed)

    def _sent(self, event):
        redirect = event.get("redirectResponse")
        if redirect:  # the hop that redirected is a transfer of its own
            self.bytes_by_id[event["requestId"] + "/redirect"] = int(redirect.get("encodedDataLength", 0))
        self.requests.append({"id": event["requestId"], "url": event["request"]["url"], "type": event.get("type")})
        if event.get("type") == "Document":
            self.document_id = event["requestId"]

    def _response(self, event):
        headers = {name.lower(): value for name, value in event["response"].get("headers", {}).items()}
        self.encoding_by_id[event["requestId"]] = headers.get("content-encoding", "none")

    def _finished(self, event):
        self.bytes_by_id[event["requestId"]] = int(event["encodedDataLength"])
        self.done.add(event["requestId"])

    def _failed(self, event):
        self.done.add(event["requestId"])

    def settled(self) -> bool:
        return all(request["id"] in self.done for request in self.requests)

    @property
    def total_bytes(self) -> int:
        return sum(self.bytes_by_id.values())

    @property
    def html_bytes(self) -> int:
        return self.bytes_by_id.get(self.document_id, 0)

    def fonts(self) -> list[str]:
        return [r["url"] for r in self.requests if r["type"] == "Font" or FONT_URL.search(r["url"])]


def _load_and_record(page, path: str) -> Transfers:
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})  # a first visit: nothing cached yet
    transfers = Transfers(cdp)
    page.goto(path, wait_until="load")
    page.wait_for_load_state("networkidle")  # late requests too, such as the favicon
    for _ in range(200):  # events can trail the load event by a moment
        if transfers.settled():
            break
        page.wait_for_timeout(10)
    assert transfers.settled(), "some requests never finished"
    cdp.detach()
    return transfers


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
def test_first_visit_stays_within_the_budget(page_type, signed_in, world, weights, screenshot):
    """Every kind of page, as its user first opens it with nothing cached: bytes, requests and fonts."""
    name = page_type.name
    path = page_type.path.format(**world)
    page = signed_in(page_type.who).new_page()
    try:
        transfers = _load_and_record(page, path)
        assert page.url.endswith(path), f"expected {path}, landed on {page.url}"
        if name in SCREENSHOTS:
            screenshot(page, "weight-" + page_id(page_type))
    finally:
        page.close()

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
