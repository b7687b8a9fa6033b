"""Property-based fuzzing of every form and webhook: arbitrary text, huge input, odd encodings, missing and
repeated fields, fields nobody offered. Never a server error; a refused submission changes nothing."""

from __future__ import annotations

from urllib.parse import quote_plus

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.attack_surface import TALLY, WEBHOOKS, CommittedWrites, form_for, fuzz_profile, refused, targets, token
from tests.test_authorisation_matrix import ROWS, stage  # noqa: F401 - the matrix's world, reused

MISSING = object()
ODD = [
    "",
    " ",
    "\u202eevil\u202c",  # right-to-left override
    "\ufeffBOM",
    "e\u0301\u0301\u0301",  # stacked combining accents
    "𝕏𝕪𝕫 🏠💬",
    "\r\n\r\n",
    "%00",
    "a\x00b",  # refused before any view reads it
    "' OR '1'='1' --",
    "<script>alert(1)</script>",
    "{{ 7*7 }}",
    "../../../../etc/passwd",
    "9" * 400,
    "-1",
    "0",
    "1e309",
    "NaN",
    "2026-02-30",
    "٣",  # an Arabic-Indic digit
    "ß" * 300,
]
HUGE = "h" * 300_000  # accepted by the size limit, far longer than any field allows
TOO_BIG = "t" * 1_100_000  # over MAX_CONTENT_LENGTH: 413

text_value = st.one_of(
    st.text(max_size=60),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=200, max_size=2000),
    st.sampled_from(ODD),
    st.binary(max_size=24),  # not valid UTF-8, percent-encoded raw
    st.sampled_from([HUGE, TOO_BIG]),
)


def field_values(base: str):
    return st.one_of(st.just(base), st.just(MISSING), text_value, st.lists(text_value, min_size=2, max_size=3))


def submissions(form):
    """A form body: each offered field left as it was, left out, replaced or repeated, plus stray fields."""
    fixed = {name: field_values(value) for name, value in form.defaults()}
    for name, value in form.data.items() if hasattr(form, "data") else ():
        fixed[name] = field_values(value)
    extras = st.dictionaries(
        st.sampled_from(["id", "role", "person_id", "user_id", "active", "password_hash", "is_admin", "created_by_id"])
        | st.text(min_size=1, max_size=12),
        text_value,
        max_size=2,
    )
    return st.tuples(st.fixed_dictionaries(fixed), extras)


def encode(pairs: list[tuple[str, object]]) -> bytes:
    parts = []
    for name, value in pairs:
        raw = value if isinstance(value, bytes) else str(value).encode("utf-8", "surrogatepass")
        parts.append(f"{quote_plus(name)}={quote_plus(raw)}")
    return "&".join(parts).encode("ascii")


def body_pairs(fields: dict, extras: dict, csrf: str | None) -> list[tuple[str, object]]:
    pairs: list[tuple[str, object]] = [("csrf_token", csrf)] if csrf else []
    for name, value in {**fields, **extras}.items():
        if value is MISSING:
            continue
        for one in value if isinstance(value, list) else [value]:
            pairs.append((name, one))
    return pairs


POSTS = [row for row in ROWS if row["method"] == "POST" and row["endpoint"] not in WEBHOOKS]


@pytest.mark.parametrize("endpoint", sorted({row["endpoint"] for row in POSTS}))
def test_no_form_answers_with_a_server_error_or_saves_half_a_submission(stage, endpoint):  # noqa: F811
    target = next(t for t in targets(stage, "POST") if t.endpoint == endpoint)
    form = form_for(stage, target)
    form.data = target.data
    app = stage.app

    @settings(fuzz_profile(stage.on_postgres))
    @given(submissions(form))
    def attempt(submission):
        fields, extras = submission
        client = stage.client(target.column, fresh=target.ends_session)
        csrf = token(client)
        with CommittedWrites(app) as writes:
            response = client.post(
                target.path,
                data=encode(body_pairs(fields, extras, csrf)),
                content_type="application/x-www-form-urlencoded",
            )
        TALLY["fuzzed form submissions"] += 1
        assert response.status_code < 500, f"{target.path}: {response.status_code}"
        if refused(response):
            assert not writes.tables, f"{target.path} refused ({response.status_code}) but saved to {writes.tables}"
        elif target.changes_the_world:
            stage.rebuild()

    attempt()


@pytest.mark.parametrize("endpoint", sorted({row["endpoint"] for row in POSTS}))
def test_json_multipart_and_wrongly_labelled_bodies_are_refused_cleanly(stage, endpoint):  # noqa: F811
    target = next(t for t in targets(stage, "POST") if t.endpoint == endpoint)
    client = stage.client(target.column, fresh=target.ends_session)
    csrf = token(client)
    bodies = [
        {"json": {"csrf_token": csrf, "name": ["x"], "role": "coordinator"}},
        {
            "data": {"csrf_token": csrf, "upload": (__import__("io").BytesIO(b"\x89PNG\r\n"), "x.png")},
            "content_type": "multipart/form-data",
        },
        {"data": b"\xff\xfe\x00garbage", "content_type": "application/x-www-form-urlencoded"},
        {
            "data": f"csrf_token={csrf}&%ZZ=%G1".encode(),
            "content_type": "application/x-www-form-urlencoded; charset=utf-7",
        },
        {"data": "<xml/>", "content_type": "text/xml"},
    ]
    for body in bodies:
        with CommittedWrites(stage.app) as writes:
            response = client.post(target.path, headers={"X-CSRFToken": csrf}, **body)
        TALLY["odd bodies"] += 1
        assert response.status_code < 500, f"{target.path}: {response.status_code} for {body.get('content_type')}"
        if refused(response):
            assert not writes.tables, f"{target.path} refused ({response.status_code}) but saved to {writes.tables}"
        elif target.changes_the_world:
            stage.rebuild()
            return


# Text-message webhooks: their fields as the provider sends them. ------------------------------------

WEBHOOK_FIELDS = {
    "sms.inbound_webhook": ["MessageSid", "AccountSid", "From", "To", "Body", "NumMedia", "NumSegments"],
    "sms.status_webhook": ["MessageSid", "AccountSid", "MessageStatus", "ErrorCode", "To", "From"],
}
WEBHOOK_BASE = "https://plan.example.org"


@pytest.mark.parametrize("endpoint", sorted(WEBHOOKS))
def test_webhooks_refuse_unsigned_requests_and_never_fail_on_signed_nonsense(app_factory, on_postgres, endpoint):
    app = app_factory(TWILIO_AUTH_TOKEN="test-auth-token", PUBLIC_BASE_URL=WEBHOOK_BASE, SMS_BACKEND="twilio")
    rule = next((r for r in app.url_map.iter_rules() if r.endpoint == endpoint), None)
    if rule is None:
        pytest.skip(f"{endpoint} is not a route of this app yet")
    validator = pytest.importorskip("twilio.request_validator").RequestValidator("test-auth-token")
    client = app.test_client()
    unsigned = client.post(rule.rule, data={"Body": "STOP", "From": "+447700900123"}, base_url=WEBHOOK_BASE)
    assert unsigned.status_code == 403
    forged = client.post(
        rule.rule, data={"Body": "STOP"}, headers={"X-Twilio-Signature": "bm90IGEgc2lnbmF0dXJl"}, base_url=WEBHOOK_BASE
    )
    assert forged.status_code == 403
    TALLY["webhook requests"] += 2
    values = st.one_of(
        st.text(max_size=80), st.sampled_from(ODD), st.sampled_from(["STOP", "START", "HELP", "PAUSE", "1"])
    )

    @settings(fuzz_profile(on_postgres))
    @given(st.dictionaries(st.sampled_from(WEBHOOK_FIELDS[endpoint]), values, max_size=len(WEBHOOK_FIELDS[endpoint])))
    def attempt(params):
        params = {k: v.replace("\x00", "") for k, v in params.items()}
        signature = validator.compute_signature(WEBHOOK_BASE + rule.rule, params)
        response = client.post(rule.rule, data=params, headers={"X-Twilio-Signature": signature}, base_url=WEBHOOK_BASE)
        TALLY["webhook requests"] += 1
        assert response.status_code < 500

    attempt()
