"""Fixtures for browser tests: a live server with the demo data, headless Chromium at phone size.

Every test here is marked ``browser``: ``pytest -m browser`` runs them alone (``make test-browser``),
``pytest -m "not browser"`` leaves them out. They are skipped when Chromium is not installed.
"""

from __future__ import annotations

import os
import re
import threading
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest

from advocate_app import config as app_config
from advocate_app import create_app, db, demo, resource_dir
from advocate_app.models import Base
from tests.conftest import TEMPLATE_CACHE

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 360, "height": 640}  # a cheap Android phone
DEMO_PASSWORD = "browser-demo-passphrase"
ADVOCATE = "advocate@example.org"
WORKER = "worker@example.org"
COORDINATOR = "coordinator@example.org"
INDIVIDUAL = "sam"  # the demo person with a login (Sam Okafor)
TIMEOUT_MS = 10_000  # a local server answers in milliseconds; fail fast rather than hang


# The running live servers' apps by address, so sign_in can stand in for waiting for a fresh code on the server
# the page is signing in to (each server has its own people, keys and last-used codes).
_LIVE_APPS: dict[str, object] = {}


class LiveServer:
    """The app served over HTTP on a free loopback port, in a background thread."""

    def __init__(self, app):
        from werkzeug.serving import make_server

        self.app = app
        self._server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, name="live-server", daemon=True)

    def start(self) -> None:
        _LIVE_APPS[self.url] = self.app
        self._thread.start()

    def stop(self) -> None:
        _LIVE_APPS.pop(self.url, None)
        self._server.shutdown()
        self._thread.join(timeout=5)


def _require_built_assets() -> None:
    manifest = resource_dir("static") / "dist" / "manifest.json"
    if not manifest.is_file():
        pytest.fail(
            f"{manifest} is missing: build the front-end assets first (npm run build, or make assets)",
            pytrace=False,
        )
    translations = resource_dir("translations")
    missing = [
        str(po.with_suffix(".mo"))
        for po in translations.glob("*/LC_MESSAGES/messages.po")
        if not po.with_suffix(".mo").is_file()
    ]
    if missing:
        pytest.fail(
            f"compiled translations are missing ({', '.join(missing)}): run "
            "`.venv/bin/pybabel compile -d translations` (or make translations)",
            pytrace=False,
        )


@pytest.fixture(scope="session")
def live_server(tmp_path_factory, _fast_password_hashing):
    """The app on a SQLite file with the demo data, served at ``live_server.url``."""
    _require_built_assets()
    folder = tmp_path_factory.mktemp("browser")
    app = create_app(
        app_config.for_tests(
            folder,
            DATABASE_URL=f"sqlite:///{folder / 'browser.db'}",
            WTF_CSRF_ENABLED=True,
            JINJA_BYTECODE_CACHE=TEMPLATE_CACHE,
        )
    )
    with app.app_context():
        Base.metadata.create_all(db.engine())
        demo.seed(DEMO_PASSWORD)
    # The first request compiles the page's templates and loads the catalogues: done here, before any browser
    # waits for a page with a time limit.
    assert app.test_client().get("/login").status_code == 200
    server = LiveServer(app)
    server.start()
    yield server
    server.stop()
    app.extensions["advocate_app.engine"].dispose()


@pytest.fixture(scope="session")
def translate(live_server):
    """``translate("ur", "My plan")``: a message as the app shows it in that language.

    Lets the tests find labels and headings by their visible text while translations change.
    """
    from flask_babel import force_locale, gettext

    def do_translate(locale: str, message: str, **variables) -> str:
        with live_server.app.test_request_context(), force_locale(locale):
            return gettext(message, **variables)

    return do_translate


@pytest.fixture(scope="session")
def browser():
    if not os.access(CHROMIUM, os.X_OK):
        pytest.skip(f"{CHROMIUM} is not installed: browser tests skipped (make chromium, or apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="Python playwright is not installed")
    playwright = sync_api.sync_playwright().start()
    chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
    yield chromium
    chromium.close()
    playwright.stop()


# A query value that is a token the app made (an id, a date, a code, a word from a fixed list: lower case,
# no spaces) is allowed; anything else may be words someone typed. Some names only ever hold typed words.
_TOKEN = re.compile(r"^[a-z0-9_.,:\-]{0,64}$")
_LOCAL_PATH = re.compile(r"^/[a-z0-9_/.\-]{0,200}$")  # where to go after signing in: the app's own paths
_TYPED_FIELDS = {"q", "query", "search", "purpose", "text", "body", "note", "reason", "description", "name"}


def free_text_in(url: str) -> list[tuple[str, str]]:
    """The query parameters of ``url`` that may hold words someone typed (DESIGN §4 rule 8)."""
    return [
        (name, value)
        for name, value in parse_qsl(urlsplit(url).query, keep_blank_values=True)
        if name.lower() in _TYPED_FIELDS or not (_TOKEN.match(value) or (name == "next" and _LOCAL_PATH.match(value)))
    ]


class _Phone:
    """What one browser context asked for: every GET, and whether an individual signed in on it."""

    def __init__(self) -> None:
        self.gets: list[str] = []
        self.individual = False

    def on_request(self, request) -> None:
        if request.method == "GET":
            self.gets.append(request.url)
        elif request.method == "POST" and urlsplit(request.url).path == "/login":
            # Staff sign in with an email address, individuals with a username.
            identifier = dict(parse_qsl(request.post_data or "")).get("identifier", "")
            self.individual = self.individual or (bool(identifier) and "@" not in identifier)


@pytest.fixture
def new_context(browser, live_server):
    """``new_context(locale="ur", java_script_enabled=False)``: a fresh phone-sized browser profile.

    Each has its own cookies and cache, like a separate phone. All are closed after the test. On a phone an
    individual signed in on, no address asked for may carry typed words in its query string: browser history
    is readable by whoever holds the phone. The test fails if one does.
    """
    contexts = []

    def make(**options):
        options = {"viewport": PHONE, "base_url": live_server.url, "locale": "en-GB", **options}
        context = browser.new_context(**options)
        context.set_default_timeout(TIMEOUT_MS)
        phone = _Phone()
        context.on("request", phone.on_request)
        contexts.append((context, phone))
        return context

    yield make
    typed = []
    for context, phone in contexts:
        context.close()
        if phone.individual:
            typed.extend((url, found) for url in phone.gets if (found := free_text_in(url)))
    assert not typed, f"an individual's browser history would hold typed words: {typed}"


@pytest.fixture
def page(new_context):
    """A page in a fresh phone-sized context with JavaScript on."""
    return new_context().new_page()


@pytest.fixture(scope="session")
def screenshots_dir(pytestconfig) -> Path:
    folder = Path(pytestconfig.rootpath) / "test-results" / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def screenshot(screenshots_dir):
    """``screenshot(page, "caseload")`` saves the whole page to test-results/screenshots/caseload.png."""

    def take(page, name: str) -> Path:
        path = screenshots_dir / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        print(f"screenshot: {path}")
        return path

    return take


def sign_in(page, identifier: str, password: str = DEMO_PASSWORD, *, labels=None) -> None:
    """Sign in through the login form the way a person would.

    :param labels: the field and button texts to look for, when the page is not in English.
    """
    labels = labels or {}
    if "/login" not in page.url:
        page.goto("/login")
    page.get_by_label(labels.get("identifier", "Email address or username"), exact=True).fill(identifier)
    page.get_by_label(labels.get("password", "Password or passphrase"), exact=True).fill(password)
    page.get_by_role("button", name=labels.get("submit", "Sign in"), exact=True).click()
    page.wait_for_load_state()
    if "/login/code" in page.url:
        # Staff type the code their authenticator app shows.
        page.locator('input[name="code"]').fill(_fresh_code(identifier, page.url))
        page.locator('input[name="code"]').press("Enter")
        page.wait_for_load_state()


def _fresh_code(identifier: str, page_url: str) -> str:
    """The code the staff member's app shows now, for the live server ``page_url`` is on; a code works once, so
    a second sign-in within 30 s stands for waiting for the next."""
    import pyotp

    from advocate_app.accounts.services import find_by_identifier

    app = next((app for url, app in _LIVE_APPS.items() if page_url.startswith(url + "/")), None)
    assert app is not None, f"{page_url} is on no live server"
    with app.app_context():
        user = find_by_identifier(identifier)
        assert user is not None and user.totp_secret, f"{identifier} has no authenticator app on {page_url}"
        user.totp_last_counter = None
        db.session.commit()
        return pyotp.TOTP(user.totp_secret).now()


def assert_fits_the_screen(page) -> None:
    """Nothing on the page is wider than the phone: no sideways scrolling."""
    width = page.viewport_size["width"]
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= width, f"{page.url} scrolls sideways: {scroll_width}px wide on a {width}px screen"


# The two languages the page checks cover: left to right, and right to left.
PAGE_LOCALES = {"en": "en-GB", "ur": "ur-PK"}


def one_tab(profile, viewport: dict = PHONE):
    """The profile's one tab, at ``viewport``, taken from page to page as a person would: a new tab for each
    page would start a renderer process (and, for axe, compile its script) every time."""
    page = profile.pages[0] if profile.pages else profile.new_page()
    page.set_viewport_size(viewport)
    return page


@contextmanager
def profiles_by_user_and_language(browser, live_server, translate, **options):
    """``get(who, language)``: one browser profile per user and language, signed in once (``who`` None stays
    signed out), made with ``options`` (viewport and the like); every profile is closed at the end."""
    contexts: dict = {}

    def get(who, language):
        if (who, language) not in contexts:
            context = browser.new_context(base_url=live_server.url, locale=PAGE_LOCALES[language], **options)
            context.set_default_timeout(TIMEOUT_MS)
            if who is not None:
                page = context.new_page()
                page.goto("/login")
                sign_in(
                    page,
                    who,
                    labels={
                        "identifier": translate(language, "Email address or username"),
                        "password": translate(language, "Password or passphrase"),
                        "submit": translate(language, "Sign in"),
                    },
                )
                page.close()
            contexts[(who, language)] = context
        return contexts[(who, language)]

    try:
        yield get
    finally:
        for context in contexts.values():
            context.close()
