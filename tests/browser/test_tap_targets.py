"""Every control on the key pages is at least 24×24 CSS pixels on a phone (WCAG 2.2, 2.5.8 Target Size),
in English and in Urdu, and the header's links and the language buttons are larger still on a phone."""

from __future__ import annotations

import pytest

from tests.browser.conftest import PAGE_LOCALES, PHONE, one_tab, profiles_by_user_and_language
from tests.browser.pages import PAGE_TYPES, build_pat, page_id

pytestmark = pytest.mark.browser

KEY_PAGES = {
    "login",
    "caseload",
    "person",
    "plan",
    "goal",
    "referrals of a person",
    "find a service",
    "make a referral",
    "my plan",
    "my goal",
    "my referrals",
}
MINIMUM = 24
# On a phone the header and the language switcher are used with a thumb, often in a hurry.
PHONE_HEADER_MINIMUM = 32

# Every control a finger can land on, that is on screen (not the skip link before it is focused).
_MEASURE = """(minimum) => {
  const controls = document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea, '
    + 'summary, [role=button], [tabindex]:not([tabindex="-1"])');
  const small = [];
  for (const element of controls) {
    const box = element.getBoundingClientRect();
    const style = getComputedStyle(element);
    if (box.width <= 1 || box.height <= 1 || style.visibility === 'hidden' || style.display === 'none') continue;
    if (element.closest('.govuk-visually-hidden, .govuk-skip-link, [hidden]')) continue;
    if (box.width < minimum || box.height < minimum) {
      const text = (element.innerText || element.value || element.name || '').trim().slice(0, 40);
      small.push(`${element.tagName.toLowerCase()} "${text}" ${box.width.toFixed(1)}×${box.height.toFixed(1)}`);
    }
  }
  return small;
}"""

_HEADER = """(minimum) => Array.from(document.querySelectorAll(
    '.app-header a[href], .app-header button, .app-footer__language button, .app-header__language button'))
  .map(e => [e.innerText.trim(), e.getBoundingClientRect()])
  .filter(([_, box]) => box.width > 1 && box.height < minimum)
  .map(([text, box]) => `"${text}" ${box.width.toFixed(1)}×${box.height.toFixed(1)}`)"""


@pytest.fixture(scope="module")
def world(live_server) -> dict:
    return build_pat(live_server.app)


@pytest.fixture(scope="module")
def signed_in(browser, live_server, world, translate):
    """``signed_in(who, language)``: one phone-sized browser profile per user and language."""
    with profiles_by_user_and_language(browser, live_server, translate, viewport=PHONE) as get:
        yield get


@pytest.mark.parametrize("language", list(PAGE_LOCALES))
@pytest.mark.parametrize("page_type", [p for p in PAGE_TYPES if p.name in KEY_PAGES], ids=lambda p: page_id(p))
def test_every_control_on_a_key_page_is_big_enough_to_tap(signed_in, world, page_type, language):
    page = one_tab(signed_in(page_type.who, language))
    try:
        response = page.goto(page_type.path.format(**world))
        too_small = page.evaluate(_MEASURE, MINIMUM)
        cramped = page.evaluate(_HEADER, PHONE_HEADER_MINIMUM)
    except BaseException:
        page.close()  # the next page gets a tab in a known state
        raise
    assert response.status == page_type.status
    assert not too_small, f"{page_type.name} ({language}): controls under {MINIMUM}×{MINIMUM} px: {too_small}"
    assert not cramped, (
        f"{page_type.name} ({language}): header or language under {PHONE_HEADER_MINIMUM} px tall: {cramped}"
    )
