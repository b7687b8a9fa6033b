"""What a page load costs on the wire, recorded through the DevTools protocol.

The accessibility test records each English page's first visit while it loads the page for axe
(``FirstVisit.start`` before ``goto``, ``finish`` at phone size before the page is resized), and leaves it
in ``FIRST_VISITS``; the page weight test judges that same load, and loads the page itself only when the
accessibility test did not run first (``pytest -k weight``).
"""

from __future__ import annotations

import re

FONT_URL = re.compile(r"\.(woff2?|ttf|otf)(\?|#|$)", re.IGNORECASE)
# A few pages are worth looking at on a phone after each run (test-results/screenshots/weight-*.png).
SCREENSHOTS = {"caseload", "plan", "goal", "inbox", "my plan", "accessibility statement"}


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


class FirstVisit:
    """One page's first visit with nothing cached: its transfers, where it landed, and a screenshot if asked."""

    def __init__(self, page):
        self._cdp = page.context.new_cdp_session(page)
        self._cdp.send("Network.enable")
        self._cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})  # a first visit: nothing cached yet
        self.transfers = Transfers(self._cdp)
        self.url = ""
        self.screenshot: bytes | None = None

    @classmethod
    def start(cls, page) -> FirstVisit:
        """Record from now on: call before ``page.goto``."""
        return cls(page)

    def finish(self, page, *, screenshot: bool = False) -> FirstVisit:
        """Wait for the load's last requests (the favicon comes late), then stop recording."""
        page.wait_for_load_state("networkidle")
        for _ in range(200):  # events can trail the load event by a moment
            if self.transfers.settled():
                break
            page.wait_for_timeout(10)
        assert self.transfers.settled(), "some requests never finished"
        self._cdp.detach()
        self.url = page.url
        if screenshot:
            self.screenshot = page.screenshot(full_page=True)
        return self


# Page type name -> its English first visit, as the accessibility test loaded it.
FIRST_VISITS: dict[str, FirstVisit] = {}
