"""Page weight on a first visit: every byte on the wire, every request, no web fonts (DESIGN.md §6)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.browser.conftest import ADVOCATE, COORDINATOR, INDIVIDUAL, WORKER, sign_in

pytestmark = pytest.mark.browser

MAX_TOTAL_BYTES = 100 * 1024
MAX_REQUESTS = 10
MAX_HTML_BYTES = 14 * 1024  # about what the first round trip of a new connection can carry
FONT_URL = re.compile(r"\.(woff2?|ttf|otf)(\?|#|$)", re.IGNORECASE)


def _sam_path(app) -> str:
    from advocate_app import db
    from advocate_app.people.models import Person

    with app.app_context():
        person_id = db.session.scalar(select(Person.id).where(Person.preferred_name == "Sam Okafor"))
    return f"/people/{person_id}"


# (name, who signs in first, the page)
PAGES = [
    ("login", None, "/login"),
    ("caseload", ADVOCATE, "/people"),
    ("person", ADVOCATE, _sam_path),
    ("my plan", INDIVIDUAL, "/me"),
    ("referrals inbox", WORKER, "/referrals"),
    ("coordinator overview", COORDINATOR, "/admin"),
]


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


@pytest.mark.parametrize(("name", "who", "where"), PAGES, ids=[name.replace(" ", "-") for name, _, _ in PAGES])
def test_first_visit_stays_within_the_budget(name, who, where, new_context, live_server, weights, screenshot):
    page = new_context().new_page()
    if who is not None:
        sign_in(page, who)
    path = where(live_server.app) if callable(where) else where
    transfers = _load_and_record(page, path)
    assert page.url.endswith(path), f"expected {path}, landed on {page.url}"
    screenshot(page, "weight-" + name.replace(" ", "-"))

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
