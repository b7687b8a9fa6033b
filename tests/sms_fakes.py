"""A fake of the text-message provider behind the twilio library's ``http_client`` hook, and helpers to
sign webhook requests the way the provider does. Nothing here touches the network."""

from __future__ import annotations

import itertools
import json
import logging
from datetime import UTC, datetime
from email.utils import format_datetime
from urllib.parse import parse_qsl, urlsplit

import requests
from twilio.http import HttpClient
from twilio.http.response import Response
from twilio.request_validator import RequestValidator

AUTH_TOKEN = "test-auth-token-0123456789abcdef"
ACCOUNT_SID = "AC" + "0" * 32
FROM_NUMBER = "+447700900999"

TWILIO_CONFIG = {
    "SMS_BACKEND": "twilio",
    "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
    "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
    "TWILIO_FROM_NUMBER": FROM_NUMBER,
    "SMS_RETRY_BASE": 0.0,
}


class FakeTwilio(HttpClient):
    """Answers the library like the provider's Messages API; ``script`` says how the next sends go wrong.

    Script entries: ``"ok"``, ``"503"``, ``"429"``, ``"401"`` (wrong auth token), an error code such
    as ``21610`` (a 400 with that code), ``"connect_timeout"`` (never reached us), ``"read_timeout"``
    (accepted, but the answer is lost).
    """

    def __init__(self):
        super().__init__(logger=logging.getLogger("tests.fake_twilio"), is_async=False, timeout=None)
        self.accepted: list[dict] = []
        self.script: list = []
        self.timeouts: list = []
        self.list_fails = False
        self._sids = itertools.count(1)

    def request(self, method, url, params=None, data=None, headers=None, auth=None, timeout=None,
                allow_redirects=False):
        self.timeouts.append(timeout if timeout is not None else self.timeout)
        if not url.endswith("/Messages.json"):
            return Response(404, json.dumps({"code": 20404, "message": "not found", "status": 404}))
        if method == "GET":
            if self.list_fails:
                raise requests.ConnectionError("provider unreachable")
            to = (params or {}).get("To")
            found = [m for m in self.accepted if m["to"] == to]
            return Response(200, json.dumps({"messages": found, "next_page_uri": None, "page": 0, "page_size": 100,
                                             "start": 0, "end": len(found), "uri": urlsplit(url).path}))
        action = self.script.pop(0) if self.script else "ok"
        if action == "connect_timeout":
            raise requests.ConnectTimeout("no connection")
        if action in ("503", "429", "401"):
            status = int(action)
            code = {429: 20429, 401: 20003}.get(status, 20500)
            return Response(status, json.dumps({"code": code, "message": "try later", "status": status}))
        if isinstance(action, int):
            return Response(400, json.dumps({"code": action, "message": "refused", "status": 400}))
        message = self.accept(dict(data or {}))
        if action == "read_timeout":
            raise requests.ReadTimeout("no answer")
        return Response(201, json.dumps(message))

    def accept(self, data: dict) -> dict:
        message = {
            "sid": f"SM{next(self._sids):032d}",
            "to": data.get("To"),
            "from": data.get("From"),
            "body": data.get("Body"),
            "status": "queued",
            "status_callback": data.get("StatusCallback"),
            "date_created": format_datetime(datetime.now(UTC), usegmt=True),
        }
        self.accepted.append(message)
        return message

    def bodies_to(self, number: str) -> list[str]:
        return [m["body"] for m in self.accepted if m["to"] == number]


def signed_post(client, path: str, data: dict, *, base_url: str = "http://127.0.0.1:5000", token: str = AUTH_TOKEN,
                signature: str | None = None):
    """POST a webhook with the signature the provider would send for ``base_url`` + ``path``."""
    if signature is None:
        signature = RequestValidator(token).compute_signature(base_url + path, data)
    return client.post(path, data=data, headers={"X-Twilio-Signature": signature})


def status_key(message: dict) -> str | None:
    """Our idempotency key, carried in the status callback address of a message the fake accepted."""
    query = urlsplit(message.get("status_callback") or "").query
    return dict(parse_qsl(query)).get("k")
