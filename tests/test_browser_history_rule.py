"""The rule the browser tests apply to every address an individual's phone asks for."""

from __future__ import annotations

import pytest

from tests.browser.conftest import free_text_in


@pytest.mark.parametrize(
    "url",
    [
        "/people/3/consents/confirm?kind=sharing&organisation_id=2&categories=contact&purpose=to+help+find+a+home",
        "/people?q=Sam",
        "/search?anything=somewhere%20safe",
        "/x?note=flat",
        "/login?next=/people/3/plan%3Fq%3Dmy+flat",
    ],
)
def test_typed_words_in_an_address_are_caught(url):
    assert free_text_in(url)


@pytest.mark.parametrize(
    "url",
    ["/people/3/consents/confirm?kind=sms", "/evidence?start=2026-01&end=2026-06", "/static/app.css?v=3f2a9c",
     "/referrals?section=new", "/people/3/plan", "/login?next=%2Fme"],
)
def test_tokens_the_app_made_are_allowed(url):
    assert free_text_in(url) == []
