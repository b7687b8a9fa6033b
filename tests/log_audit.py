"""No personal data in the logs: every browser journey and every text-message test runs with logging captured at
production levels, and fails if a log line holds a name, phone number, code word, plan text or message body.

What counts as personal data is gathered as the test runs: the demo people and staff, every name, number,
plan entry, comment, review, check-in note and message body written to the database (SQLAlchemy events), and
every code word as it is hashed. Lines are rendered as production writes them (observability.JsonFormatter,
tracebacks included). Left out: the console text-message backend's own logger (development only, it prints
what it would send) and the development server's request lines (production logs requests through nginx,
without query strings).
"""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import event

from advocate_app import demo, observability
from advocate_app.accounts.models import User
from advocate_app.people import services as people_services
from advocate_app.people.models import Person
from advocate_app.plans.models import CheckIn, PlanComment, PlanItem, PlanItemRevision, Review
from advocate_app.sms.models import InboundSms, SmsMessage, StaffNumber

EXEMPT_LOGGERS = ("advocate_app.sms.console", "werkzeug")
WATCHED = {
    Person: ("preferred_name", "phone_e164", "contact_notes", "area"),
    User: ("display_name",),
    PlanItem: ("text", "proposed_text", "owner_detail"),
    PlanItemRevision: ("text",),
    PlanComment: ("body",),
    Review: ("went_well", "what_changed"),
    CheckIn: ("note",),
    SmsMessage: ("body", "to_number"),
    InboundSms: ("body", "from_number"),
    StaffNumber: ("number",),
}
SHORTEST = 5  # shorter values ("Jo", "Home") also turn up in ordinary words


def _demo_values() -> set[str]:
    values = {"Sam Okafor", "Jo Kowalski", "Ali Rahman", "Alex Morgan", "Priya Shah", "Dan Hughes", "Casey Brennan"}
    return values | {"+447700900123", "+447700900456", "07700 900123", demo.DEMO_TOTP_SECRET}


def _forms_of(value: str) -> set[str]:
    """A value and the other ways it may be written: a UK mobile in national form, a name's parts."""
    forms = {value}
    if value.startswith("+44"):
        forms |= {"0" + value[3:], value[1:]}
    return {form for form in forms if len(form) >= SHORTEST}


class _RecordingHasher:
    """Stands in for the code-word hasher: notes each code word, then hashes it as before."""

    def __init__(self, hasher, watch: LogWatch):
        self._hasher, self._watch = hasher, watch

    def hash(self, word: str, *args, **kwargs) -> str:
        self._watch.personal |= _forms_of(word)
        return self._hasher.hash(word, *args, **kwargs)

    def __getattr__(self, name: str):
        return getattr(self._hasher, name)


class LogWatch(logging.Handler):
    """Collects every log line as production would write it, and every personal value the test stores."""

    def __init__(self):
        super().__init__(level=logging.DEBUG)
        self.setFormatter(observability.JsonFormatter())
        self.lines: list[str] = []
        self.personal: set[str] = set()
        for value in _demo_values():
            self.personal |= _forms_of(value)

    def emit(self, record: logging.LogRecord) -> None:
        if not record.name.startswith(EXEMPT_LOGGERS):
            self.lines.append(self.format(record))

    def _collect(self, _mapper, _connection, target) -> None:
        for attribute in WATCHED[type(target)]:
            value = getattr(target, attribute, None)
            if isinstance(value, str):
                self.personal |= _forms_of(value.strip())

    def start(self) -> None:
        root = logging.getLogger()
        self._level = root.level
        root.setLevel(logging.INFO)
        observability.quiet_chatty_libraries()
        root.addHandler(self)
        for model in WATCHED:
            event.listen(model, "before_insert", self._collect)
            event.listen(model, "before_update", self._collect)
        self._hasher = people_services._code_word_hasher
        people_services._code_word_hasher = _RecordingHasher(self._hasher, self)

    def stop(self) -> None:
        root = logging.getLogger()
        root.removeHandler(self)
        root.setLevel(self._level)
        for model in WATCHED:
            event.remove(model, "before_insert", self._collect)
            event.remove(model, "before_update", self._collect)
        people_services._code_word_hasher = self._hasher

    def leaks(self) -> list[tuple[str, str]]:
        """(value, line) for every personal value found in a log line, case ignored."""
        found = []
        for line in self.lines:
            folded = line.casefold()
            found += [(value, line) for value in self.personal if value.casefold() in folded]
        return found


def _audited(item: pytest.Item) -> bool:
    path = item.path.as_posix()
    return "/tests/browser/" in path or item.path.name.startswith(("test_sms", "test_logs"))


@pytest.fixture(autouse=True)
def _no_personal_data_in_logs(request):
    """Around each browser journey and text-message test: fail on any personal value in any log line."""
    if not _audited(request.node):
        yield None
        return
    watch = LogWatch()
    watch.start()
    try:
        yield watch
    finally:
        watch.stop()
    leaks = watch.leaks()
    if leaks and not getattr(request.node, "expects_leak", False):
        value, line = leaks[0]
        pytest.fail(f"personal data in the logs ({len(leaks)} found): {value!r} in {line}")
