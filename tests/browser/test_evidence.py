"""The evidence pages on a 360 px phone, in English and in Urdu (right to left), and the export download."""

from __future__ import annotations

import io
import zipfile

import pytest
from playwright.sync_api import expect

from advocate_app import config as app_config
from advocate_app import create_app, db
from advocate_app.evidence import disclosure
from advocate_app.i18n import LANGUAGE_NAMES
from advocate_app.models import Base
from tests import factories
from tests.browser.conftest import LiveServer, _require_built_assets, assert_fits_the_screen, sign_in
from tests.conftest import TEMPLATE_CACHE
from tests.test_evidence import build_world

pytestmark = pytest.mark.browser
PERIOD = "/evidence?start=2026-01&end=2026-06"


@pytest.fixture(scope="module")
def evidence_server(tmp_path_factory, _fast_password_hashing):
    """A server of its own, holding the known records the dashboard tests check figure by figure."""
    _require_built_assets()
    folder = tmp_path_factory.mktemp("evidence-browser")
    app = create_app(
        app_config.for_tests(
            folder, DATABASE_URL=f"sqlite:///{folder / 'evidence.db'}", JINJA_BYTECODE_CACHE=TEMPLATE_CACHE
        )
    )
    with app.app_context():
        Base.metadata.create_all(db.engine())
    factories.use(app)
    server = LiveServer(app)
    server.world = build_world()
    server.start()
    yield server
    server.stop()
    app.extensions["advocate_app.engine"].dispose()


@pytest.fixture
def phone(browser, evidence_server):
    contexts = []

    def make(locale: str = "en-GB"):
        context = browser.new_context(
            viewport={"width": 360, "height": 640}, base_url=evidence_server.url, locale=locale
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def _labels(translate, locale: str) -> dict:
    return {
        "identifier": translate(locale, "Email address or username"),
        "password": translate(locale, "Password or passphrase"),
        "submit": translate(locale, "Sign in"),
    }


def test_the_coordinator_reads_the_dashboard_on_a_phone(phone, evidence_server, screenshot, monkeypatch):
    # Every figure and chart, with the small-number rule showing counts from 1 (the four seeded people would
    # otherwise have theirs withheld: tests/test_evidence.py checks that).
    monkeypatch.setattr(disclosure, "MIN_CELL", 1)
    page = phone()
    sign_in(page, evidence_server.world.coordinator.email, factories.PASSWORD)
    page.goto(PERIOD)
    expect(page.get_by_role("heading", name="Evidence of what works", level=1)).to_be_visible()
    chart_name = "Average first and latest score by need: The person's own ratings"
    expect(page.get_by_role("img", name=chart_name)).to_be_visible()
    expect(page.locator("main")).to_contain_text("+2 (-0.5 to +4.5; -2 to +6)")
    charts = page.locator("svg.app-evidence-chart")
    expect(charts).to_have_count(5)
    for index in range(5):
        box = charts.nth(index).bounding_box()
        assert box["width"] <= 360 and box["x"] >= 0
    # Labels inside the charts are at least 12 px tall on the phone.
    size = page.evaluate(
        "parseFloat(getComputedStyle(document.querySelector('.app-evidence-chart__label')).fontSize)"
        " * document.querySelector('svg.app-evidence-chart').getBoundingClientRect().width / 320"
    )
    assert size >= 12
    assert_fits_the_screen(page)
    screenshot(page, "evidence-dashboard-en")


def test_the_dashboard_in_urdu_reads_right_to_left_and_fits(phone, evidence_server, translate, screenshot):
    page = phone("ur")
    page.goto("/login")
    sign_in(page, evidence_server.world.coordinator.email, factories.PASSWORD, labels=_labels(translate, "ur"))
    page.goto(PERIOD)
    assert page.locator("html").get_attribute("dir") == "rtl"
    expect(page.get_by_role("heading", name=translate("ur", "Evidence of what works"), level=1)).to_be_visible()
    assert_fits_the_screen(page)
    screenshot(page, "evidence-dashboard-ur")


def test_the_coordinator_downloads_the_export(phone, evidence_server):
    page = phone()
    sign_in(page, evidence_server.world.coordinator.email, factories.PASSWORD)
    page.goto(PERIOD)
    page.get_by_role("link", name="Download the anonymised export for evaluators").click()
    page.get_by_label("From the start of").select_option("2026-01")
    page.get_by_label("To the end of").select_option("2026-06")
    assert_fits_the_screen(page)
    with page.expect_download() as download:
        page.get_by_role("button", name="Download the export").click()
    archive = zipfile.ZipFile(io.BytesIO(open(download.value.path(), "rb").read()))
    assert "evidence-2026-01-to-2026-06/data_dictionary.csv" in archive.namelist()


def test_the_person_reads_what_has_changed_on_their_phone(phone, evidence_server, translate, screenshot):
    page = phone()
    sign_in(page, "pat", factories.PASSWORD)
    page.get_by_role("link", name="What has changed").first.click()
    expect(page.get_by_role("heading", name="What has changed", level=1)).to_be_visible()
    expect(page.locator("main")).to_contain_text("That is 9 points better.")
    assert_fits_the_screen(page)
    screenshot(page, "evidence-progress-en")

    # Pat switches to Urdu from the footer; the page reads right to left and still fits.
    page.locator("footer").get_by_role("button", name=LANGUAGE_NAMES["ur"]).click()
    expect(page.get_by_role("heading", name=translate("ur", "What has changed"), level=1)).to_be_visible()
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert_fits_the_screen(page)
    screenshot(page, "evidence-progress-ur")


def test_the_coordinator_writes_locks_and_amends_an_evaluation_plan(phone, evidence_server, screenshot):
    page = phone()
    sign_in(page, evidence_server.world.coordinator.email, factories.PASSWORD)
    page.goto("/evidence")
    page.get_by_role("link", name="Evaluation plans and their reports").click()
    page.get_by_role("button", name="Write an evaluation plan").click()
    page.get_by_label("Name of the evaluation").fill("Safer at home")
    page.get_by_label("The question it answers").fill("Do people feel safer six months after their plan starts?")
    page.get_by_label("Distance travelled per need domain").check()
    page.get_by_label("Goals achieved").check()
    page.get_by_label("Follow-up points (months after each person's plan starts)").fill("3, 6")
    assert_fits_the_screen(page)
    page.get_by_role("button", name="Save the draft").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Draft saved")
    page.get_by_role("button", name="Lock the plan").click()
    first = page.locator("#plan-versions code").first.inner_text()
    assert len(first) == 64
    page.get_by_role("button", name="Amend the plan").click()
    page.get_by_label("Follow-up points (months after each person's plan starts)").fill("3, 6, 12")
    page.get_by_role("button", name="Record the amendment").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Say why the plan is changing")
    page.get_by_label("Why the plan is changing").fill("The funder asked for a year.")
    page.get_by_role("button", name="Record the amendment").click()
    digests = page.locator("#plan-versions code")
    expect(digests).to_have_count(2)
    assert digests.nth(0).inner_text() == first and digests.nth(1).inner_text() != first
    expect(page.locator("#plan-versions")).to_contain_text("The funder asked for a year.")
    expect(page.get_by_role("heading", name="Distance travelled per need domain")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Follow-up completeness")
    expect(page.locator("main")).to_contain_text("12 months")
    assert_fits_the_screen(page)
    screenshot(page, "evaluation-report-en")
