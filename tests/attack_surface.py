"""What the attack tests aim at, found from the app itself: every route (from the authorisation matrix,
which must list every rule of the url_map), a signed-in browser that may use it, and the fields of the
forms its pages offer (read from the HTML)."""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlsplit

from hypothesis import HealthCheck, settings
from sqlalchemy import select

from advocate_app import db
from advocate_app.models import Base
from tests.conftest import CSRF_PATTERN
from tests.test_authorisation_matrix import CHANGES_THE_WORLD, COLUMNS, ENDS_THE_SESSION, ROWS

# Text-message webhooks: no CSRF token (the provider cannot have one), a signature instead.
WEBHOOKS = {"sms.inbound_webhook", "sms.status_webhook"}
# Requests made and cases tried, by kind, printed at the end of the run (see conftest).
TALLY: Counter = Counter()

# Fuzzed submissions per route: a few locally, more in CI against PostgreSQL, the database the service runs on
# (attacks-ci); CI's SQLite pass, which runs the same forms again, keeps to the few (fuzz_profile below).
# HYPOTHESIS_PROFILE names one for every pass. All are derandomised: the examples follow from the test alone,
# so a failure (or a slow example) seen in CI or on a laptop comes back on the next run anywhere; the failing
# example's blob is printed too.
settings.register_profile(
    "attacks-dev",
    max_examples=12,
    deadline=None,
    database=None,
    derandomize=True,
    print_blob=True,
    suppress_health_check=list(HealthCheck),
)
settings.register_profile(
    "attacks-ci",
    max_examples=40,
    deadline=None,
    database=None,
    derandomize=True,
    print_blob=True,
    suppress_health_check=list(HealthCheck),
)


def fuzz_profile(on_postgres: bool) -> settings:
    """The Hypothesis settings for fuzzing a form or webhook in this pass."""
    in_ci = os.environ.get("CI") == "true" and on_postgres
    return settings.get_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("attacks-ci" if in_ci else "attacks-dev"))


@dataclass
class FormField:
    name: str
    kind: str  # text, textarea, password, email, select, radio, checkbox, hidden, number, tel, date, time, ...
    options: list[str] = field(default_factory=list)
    value: str = ""
    checked: bool = False

    @property
    def free_text(self) -> bool:
        """Typed by a person: worth filling with hostile text."""
        return self.kind in {"text", "textarea", "search", ""} and not self.name.endswith(("-day", "-month", "-year"))


@dataclass
class Form:
    action: str
    method: str
    fields: dict[str, FormField] = field(default_factory=dict)

    def defaults(self) -> list[tuple[str, str]]:
        """What a browser would send untouched: values, checked boxes, the first option of each list."""
        pairs, radios = [], set()
        for f in self.fields.values():
            if f.name == "csrf_token":
                continue
            if f.kind == "select":
                pairs.append((f.name, f.value or (f.options[0] if f.options else "")))
            elif f.kind == "radio":
                if f.name not in radios and f.options:
                    radios.add(f.name)
                    pairs.append((f.name, f.value or f.options[0]))
            elif f.kind == "checkbox":
                if f.checked:
                    pairs.append((f.name, f.value or "on"))
            else:
                pairs.append((f.name, f.value))
        return pairs


class _FormParser(HTMLParser):
    """Collects the forms of a page with their fields (no JavaScript needed: the app works without it)."""

    def __init__(self, page_path: str):
        super().__init__(convert_charrefs=True)
        self.page_path = page_path
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: FormField | None = None
        self._textarea: FormField | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            action = a.get("action") or self.page_path
            self._form = Form(action=action, method=(a.get("method") or "get").lower())
            self.forms.append(self._form)
            return
        if self._form is None or "name" not in a:
            if tag == "option" and self._select is not None:
                self._select.options.append(a.get("value", ""))
                if "selected" in a:
                    self._select.value = a.get("value", "")
            return
        name = a["name"]
        if tag == "input":
            kind = (a.get("type") or "text").lower()
            if kind in {"submit", "button", "image", "reset"}:
                return
            existing = self._form.fields.get(name)
            if kind in {"radio", "checkbox"} and existing is not None:
                existing.options.append(a.get("value", "on"))
                if "checked" in a:
                    existing.value, existing.checked = a.get("value", "on"), True
                return
            self._form.fields[name] = FormField(
                name,
                kind,
                options=[a.get("value", "on")] if kind in {"radio", "checkbox"} else [],
                value=a.get("value", "") if kind not in {"radio", "checkbox"} or "checked" in a else "",
                checked="checked" in a,
            )
        elif tag == "textarea":
            self._textarea = self._form.fields[name] = FormField(name, "textarea")
        elif tag == "select":
            self._select = self._form.fields[name] = FormField(name, "select")

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea.value += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def forms_on(html: str, page_path: str) -> list[Form]:
    parser = _FormParser(page_path)
    parser.feed(html)
    return parser.forms


@dataclass
class Target:
    """One route and method, a column of the matrix allowed to use it, and a real address for it."""

    endpoint: str
    method: str
    path: str
    column: str
    data: dict

    @property
    def ends_session(self) -> bool:
        return (self.endpoint, self.method) in ENDS_THE_SESSION

    @property
    def changes_the_world(self) -> bool:
        return (self.endpoint, self.method) in CHANGES_THE_WORLD

    @property
    def bare_path(self) -> str:
        return urlsplit(self.path).path


def targets(stage, method: str) -> list[Target]:
    """Every route of ``method`` with the first column the matrix lets use it (anonymous first)."""
    found = []
    for row in ROWS:
        if row["method"] != method:
            continue
        column = next((c for c in COLUMNS if row[c] == "ok"), None)
        if column is None:  # e.g. signing out, which always ends on the sign-in page
            column = next((c for c in COLUMNS if c != "anonymous" and row[c] != "deny"), None)
        if column is None:
            continue
        path = row["path"].format(**stage.world.ids)
        found.append(Target(row["endpoint"], method, path, column, dict(parse_qsl(row["data"]))))
    return found


def token(client) -> str:
    """The session's CSRF token, from a small page (kept with the client: it lasts as long as its session)."""
    cached = getattr(client, "_attack_csrf", None)
    if cached is not None:
        return cached
    client._attack_csrf = _token(client)
    return client._attack_csrf


def _token(client) -> str:
    for page in ("/account", "/login"):
        response = client.get(page)
        if response.status_code == 200:
            return CSRF_PATTERN.search(response.get_data(as_text=True)).group(1)
    raise AssertionError("no page with a CSRF token")


def form_index(stage, column: str) -> dict[str, Form]:
    """Every form on every page the column may open, by the path it posts to."""
    cache = stage.__dict__.setdefault("_form_index", {})
    if column in cache:
        return cache[column]
    client = stage.client(column)
    index: dict[str, Form] = {}
    for row in ROWS:
        if row["method"] != "GET" or row[column] != "ok" or (row["endpoint"], "GET") in ENDS_THE_SESSION:
            continue
        path = row["path"].format(**stage.world.ids)
        response = client.get(path)
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        for form in forms_on(response.get_data(as_text=True), urlsplit(path).path):
            if form.method == "post":
                index.setdefault(urlsplit(form.action).path, form)
    cache[column] = index
    return index


def form_for(stage, target: Target) -> Form:
    """The form that posts to the target, as its page offers it; else one made of the matrix's data."""
    form = form_index(stage, target.column).get(target.bare_path)
    if form is None:
        form = Form(action=target.path, method="post")
        for name, value in target.data.items():
            form.fields[name] = FormField(name, "text", value=value)
    return form


# Database snapshots: nothing may be half-saved. -------------------------------------------------

# Written by any request, failed or not: the audit trail (failed sign-ins are recorded on purpose) and
# the server-side session's last-seen time.
VOLATILE_TABLES = {"audit_event"}
VOLATILE_COLUMNS = {"last_seen_at", "last_login_at"}


class CommittedWrites:
    """Watches the database during a request: which tables had rows written and committed.

    ``with CommittedWrites(app) as writes: ...`` then ``writes.tables``. Cheaper than comparing whole
    snapshots, so the fuzzing can try many more inputs.
    """

    def __init__(self, app):
        with app.app_context():
            self.engine = db.engine()
        self.pending: set[str] = set()
        self.tables: set[str] = set()

    def _statement(self, conn, cursor, statement, parameters, context, executemany):
        words = statement.lstrip().split(None, 4)
        verb = words[0].upper() if words else ""
        if verb in {"INSERT", "UPDATE", "DELETE"}:
            table = (words[2] if verb in {"INSERT", "DELETE"} else words[1]).strip('"').lower()
            if table in VOLATILE_TABLES:
                return
            if (
                verb == "UPDATE"
                and table == "user_session"
                and "last_seen_at" in statement
                and "ended_at" not in statement
            ):
                return
            if (
                verb == "UPDATE"
                and table == "user_account"
                and statement.count("=") <= 2
                and "last_login_at" in statement
            ):
                return
            self.pending.add(table)

    def _commit(self, conn):
        self.tables |= self.pending
        self.pending = set()

    def _rollback(self, conn):
        self.pending = set()

    def __enter__(self):
        from sqlalchemy import event

        event.listen(self.engine, "before_cursor_execute", self._statement)
        event.listen(self.engine, "commit", self._commit)
        event.listen(self.engine, "rollback", self._rollback)
        return self

    def __exit__(self, *exc):
        from sqlalchemy import event

        event.remove(self.engine, "before_cursor_execute", self._statement)
        event.remove(self.engine, "commit", self._commit)
        event.remove(self.engine, "rollback", self._rollback)
        return False


def snapshot(app) -> dict[str, list[tuple]]:
    rows = {}
    with app.app_context():
        for table in Base.metadata.sorted_tables:
            if table.name in VOLATILE_TABLES:
                continue
            columns = [c for c in table.columns if c.name not in VOLATILE_COLUMNS]
            rows[table.name] = [tuple(r) for r in db.session.execute(select(*columns).order_by(*table.primary_key))]
    return rows


def refused(response) -> bool:
    """The app said no: an error status, or the form shown again with its errors."""
    if response.status_code >= 400:
        return True
    return response.status_code == 200 and b"govuk-error-summary" in response.get_data()
