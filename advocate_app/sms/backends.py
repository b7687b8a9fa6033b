"""Where texts go: ``console`` (kept and logged, nothing leaves the machine) or ``twilio`` (the official library).

A backend answers each send with an ``Outcome``: sent (with the provider's id), a transient failure
worth retrying, a permanent refusal, or "in doubt" when the request may have reached the provider
but no answer came back.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

import requests
import urllib3
from twilio.base.exceptions import TwilioException, TwilioRestException, TwilioServiceException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

log = logging.getLogger("advocate_app.sms")
console_log = logging.getLogger("advocate_app.sms.console")

SENT, TRANSIENT, PERMANENT, IN_DOUBT = "sent", "transient", "permanent", "in_doubt"

# Twilio error codes that mean this number will never take our texts: stop, mark the number, tell the advocate.
PERMANENT_CODES = frozenset(
    {
        21211,  # invalid 'To' number
        21214,  # 'To' number cannot be reached
        21408,  # permission to send to this region not enabled
        21407,  # region not supported
        21610,  # the recipient replied STOP
        21612,  # cannot route to this number
        21614,  # 'To' is not a mobile number
        21635,  # 'To' number cannot receive SMS (landline)
        21608,  # unverified number on a trial account
        30003,  # unreachable handset
        30004,  # message blocked
        30005,  # unknown destination handset
        30006,  # landline or unreachable carrier
    }
)
# Codes that are about this one request, not the number: retrying the same request cannot help.
# 20003 (authentication) is ours to fix, not the message's: it waits and is retried, so a token rotation
# loses nothing.
TRANSIENT_CODES = frozenset({20003, 20429, 20500, 20503, 30001, 30002, 30008, 30500})


@dataclass
class Outcome:
    """What the provider said about one message."""

    result: str
    provider_sid: str | None = None
    error_code: str | None = None
    # Permanent failures that concern the number itself (not just the request).
    number_failed: bool = False


def classify_rest_error(error) -> Outcome:
    """Sort an error answer from the provider into transient, permanent for the number, or permanent."""
    code = getattr(error, "code", None)
    status = int(getattr(error, "status", 0) or 0)
    if code in PERMANENT_CODES:
        return Outcome(PERMANENT, error_code=str(code), number_failed=True)
    if code in TRANSIENT_CODES or status in (401, 429) or status >= 500:
        return Outcome(TRANSIENT, error_code=str(code or status))
    return Outcome(PERMANENT, error_code=str(code or status))


def _never_connected(error: requests.ConnectionError) -> bool:
    reason = getattr(error.args[0], "reason", None) if error.args else None
    return isinstance(reason, urllib3.exceptions.NewConnectionError)


class ConsoleBackend:
    """Stores and logs: the message stays in the outbox as sent, for the development page to show."""

    name = "console"

    def send(self, *, to: str, body: str, key: str) -> Outcome:
        # The one log line with a number and a body in it, on a logger of its own: development only.
        console_log.info("text message %s to %s: %s", key, to, body)
        return Outcome(SENT, provider_sid=f"console-{key}")

    def find_sent(self, *, to: str, body: str, since: datetime, exclude: set[str]) -> str | None:
        return None


class BaseUrlHttpClient(TwilioHttpClient):
    """The library's own HTTP client, sending to another address (a local fake of the provider)."""

    def __init__(self, base_url: str, **kwargs):
        super().__init__(**kwargs)
        self.base_url = base_url

    def request(self, method, url, *args, **kwargs):
        for real in ("https://api.twilio.com", "https://messaging.twilio.com"):
            if url.startswith(real):
                url = self.base_url + url[len(real) :]
        return super().request(method, url, *args, **kwargs)


class TwilioBackend:
    """Sends through the official ``twilio`` library, with a request timeout, one client per thread."""

    name = "twilio"

    def __init__(self, config: dict, http_client_factory=None):
        self.account_sid = config["TWILIO_ACCOUNT_SID"]
        self.auth_token = config["TWILIO_AUTH_TOKEN"]
        self.from_number = config["TWILIO_FROM_NUMBER"]
        self.messaging_service_sid = config["TWILIO_MESSAGING_SERVICE_SID"]
        self.status_callback = f"{config['PUBLIC_BASE_URL']}/sms/status"
        self.timeout = config["SMS_SEND_TIMEOUT"]
        base_url = config.get("TWILIO_API_BASE_URL")
        self._http_client_factory = http_client_factory or (
            (lambda: BaseUrlHttpClient(base_url, timeout=self.timeout))
            if base_url
            else (lambda: TwilioHttpClient(timeout=self.timeout))
        )
        self._local = threading.local()

    @property
    def client(self) -> Client:
        client = getattr(self._local, "client", None)
        if client is None:
            http_client = self._http_client_factory()
            if getattr(http_client, "timeout", None) is None:
                # Without a timeout the library would wait for ever on a provider that does not answer.
                http_client.timeout = self.timeout
            client = Client(self.account_sid, self.auth_token, http_client=http_client)
            self._local.client = client
        return client

    def send(self, *, to: str, body: str, key: str) -> Outcome:
        sender = (
            {"messaging_service_sid": self.messaging_service_sid}
            if self.messaging_service_sid
            else {"from_": self.from_number}
        )
        try:
            message = self.client.messages.create(
                to=to, body=body, status_callback=f"{self.status_callback}?k={key}", **sender
            )
        except (TwilioRestException, TwilioServiceException) as error:
            return classify_rest_error(error)
        except requests.ConnectTimeout as error:
            # The request never reached the provider: safe to try again.
            log.warning("text message %s not sent: %s", key, type(error).__name__)
            return Outcome(TRANSIENT, error_code="connect")
        except requests.ConnectionError as error:
            if _never_connected(error):
                log.warning("text message %s not sent: provider not reachable", key)
                return Outcome(TRANSIENT, error_code="connect")
            log.warning("text message %s in doubt: %s", key, type(error).__name__)
            return Outcome(IN_DOUBT, error_code="timeout")
        except (requests.Timeout, TwilioException) as error:
            # It may have arrived: look before sending again.
            log.warning("text message %s in doubt: %s", key, type(error).__name__)
            return Outcome(IN_DOUBT, error_code="timeout")
        return Outcome(SENT, provider_sid=message.sid)

    def find_sent(self, *, to: str, body: str, since: datetime, exclude: set[str]) -> str | None:
        """The provider's id of a message with ``body`` sent to ``to`` since ``since``, if one was accepted.

        :raises Exception: when the provider cannot be asked (the message stays in doubt).
        """
        messages = self.client.messages.list(to=to, date_sent_after=since - timedelta(minutes=5), page_size=100)
        for message in messages:
            if message.body == body and message.sid not in exclude:
                created = message.date_created
                if created is None or created >= since - timedelta(minutes=5):
                    return message.sid
        return None


def make_backend(config: dict, http_client_factory=None):
    """The backend named by ``SMS_BACKEND``."""
    name = config["SMS_BACKEND"]
    if name == "console":
        return ConsoleBackend()
    if name == "twilio":
        return TwilioBackend(config, http_client_factory=http_client_factory)
    raise ValueError(f"SMS_BACKEND must be console or twilio, not {name!r}")
