"""Bad input on every form: never a 500, the error next to the field and in the summary, nothing lost, nothing saved."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from typing import NamedTuple

import pytest
from markupsafe import escape
from sqlalchemy import select

from advocate_app import db
from advocate_app.accounts import services as account_services
from advocate_app.accounts.models import User
from advocate_app.models import Base
from advocate_app.people.models import Person
from tests import factories
from tests.conftest import csrf_from, form_post

LONG = "x" * 100_000  # 100 kB in one field
LONG_PASSWORD = "p" * 100_000
MISSING = object()  # leave the field out of the request altogether
ERROR_ID = re.compile(r'<p id="([^"]+)-error" class="govuk-error-message">')


# What each form needs before it can be opened: who is signed in, and the records it is about. -----


def an_organisation(in_app):
    """An organisation, committed (the factory leaves committing to its caller)."""
    with in_app():
        organisation = factories.organisation()
        db.session.commit()
    return organisation


def _login(client, login, in_app):
    factories.advocate(email="alex@example.org")
    return "/login", {}


def _setup_code(client, login, in_app):
    advocate = factories.advocate()
    person = factories.person(advocate)
    with in_app():
        code = account_services.issue_setup_code(created_by=advocate, person=person, lifetime=timedelta(minutes=15))
        db.session.commit()
    return "/setup", {"code": code}


def _setup_account(client, login, in_app):
    path, ctx = _setup_code(client, login, in_app)
    factories.individual(factories.person(factories.advocate()), username="taken_name")
    assert form_post(client, path, {"code": ctx["code"]}).headers["Location"] == "/setup/account"
    return "/setup/account", {}


def _change_password(client, login, in_app):
    login(client, factories.advocate())
    return "/account/password", {}


def _new_person(client, login, in_app):
    login(client, factories.advocate())
    return "/people/new", {}


def _edit_person(client, login, in_app):
    advocate = factories.advocate()
    person = factories.person(advocate, name="Sam", phone_e164="+447700900456", area="Eastside", code_word="heron")
    login(client, advocate)
    return f"/people/{person.id}/edit", {}


def _new_organisation(client, login, in_app):
    login(client, factories.coordinator())
    return "/admin/organisations/new", {}


def _new_staff_user(client, login, in_app):
    organisation = an_organisation(in_app)
    worker = factories.org_worker(email="taken@example.org", organisation_id=organisation.id)
    login(client, factories.coordinator())
    return "/admin/users/new", {"organisation_id": str(organisation.id), "worker_id": str(worker.id)}


def _assign_advocate(client, login, in_app):
    lead = factories.advocate()
    person = factories.person(lead)
    second = factories.advocate()
    worker = factories.org_worker()
    login(client, factories.coordinator())
    return f"/admin/people/{person.id}/advocates", {"second_id": str(second.id), "worker_id": str(worker.id)}


PERSON = {
    "preferred_name": "Jo Kowalski",
    "language": "pl",
    "phone": "07700 900123",
    "date_of_birth-day": "27",
    "date_of_birth-month": "3",
    "date_of_birth-year": "1990",
    "area": "Northside",
    "sms_allowed": "yes",
    "shared_phone": "no",
    "may_name_organisation": "no",
    "window_0_from": "17:00",
    "window_0_until": "20:00",
    "code_word": "bluebird",
    "contact_review_date-day": "1",
    "contact_review_date-month": "9",
    "contact_review_date-year": "2026",
    "contact_notes": "Evenings are best.",
}

# name: (open the form, a valid submission, fields whose typed value must be shown back, password fields)
FORMS = {
    "login": (_login, lambda ctx: {"identifier": "alex@example.org", "password": factories.PASSWORD}),
    "setup code": (_setup_code, lambda ctx: {"code": ctx["code"]}),
    "setup account": (
        _setup_account,
        lambda ctx: {"username": "jo_k", "password": "purple kettle stairs", "confirm": "purple kettle stairs"},
    ),
    "change password": (
        _change_password,
        lambda ctx: {
            "current_password": factories.PASSWORD,
            "password": "a brand new passphrase",
            "confirm": "a brand new passphrase",
        },
    ),
    "new person": (_new_person, lambda ctx: dict(PERSON)),
    "edit person": (_edit_person, lambda ctx: dict(PERSON)),
    "new organisation": (
        _new_organisation,
        lambda ctx: {
            "name": "Harbour Housing Advice",
            "kind": "voluntary",
            "description": "Advice on keeping a home.",
            "email": "hello@harbour.example.org",
            "phone": "01632 960001",
            "website": "https://harbour.example.org",
        },
    ),
    "new staff user": (
        _new_staff_user,
        lambda ctx: {
            "display_name": "Dana Price",
            "email": "dana@example.org",
            "role": "org_worker",
            "organisation_id": ctx["organisation_id"],
        },
    ),
    "assign advocate": (_assign_advocate, lambda ctx: {"advocate_id": ctx["second_id"], "lead": "no"}),
}
PASSWORD_FIELDS = {"password", "confirm", "current_password"}
CHOICE_FIELDS = {"language", "sms_allowed", "shared_phone", "may_name_organisation", "kind", "role"}
CHOICE_FIELDS |= {"organisation_id", "advocate_id", "lead"}


class Case(NamedTuple):
    form: str
    name: str
    changes: dict
    errors: set


def bad(form: str, changes: dict, *errors: str, id: str) -> Case:
    """``form``'s valid data with ``changes``, which must get errors on exactly the fields ``errors``."""
    return Case(form, id, changes, set(errors))


def every(fields, value) -> dict:
    return dict.fromkeys(fields, value)


PERSON_TEXT = ("preferred_name", "phone", "area", "code_word", "contact_notes")
PERSON_CHOICES = ("language", "sms_allowed", "shared_phone", "may_name_organisation")
BAD_WINDOWS = {
    "window_0_from": "25:99",
    "window_1_from": "noon",
    "window_1_until": "14:00",
    "window_2_from": "12",
    "window_2_until": "14:00",
    "window_3_from": "10:00",  # start without end
    "window_4_until": "10:00",  # end without start
    "window_5_from": "10:00",
    "window_5_until": "09:00",  # end before start
    "window_6_from": "10:00",
    "window_6_until": "10:00",  # a window with no time in it
}
WINDOW_ERRORS = ("window_1_from", "window_2_from", "window_3_until", "window_4_from", "window_5_until")
WINDOW_ERRORS += ("window_0_from", "window_6_until")


def person_cases(form: str):
    """The same form adds and edits a person: both views get every case."""
    return [
        bad(form, every(PERSON, MISSING), "preferred_name", "language", id="every field missing"),
        bad(form, {"preferred_name": "   "}, "preferred_name", id="name only spaces"),
        bad(form, {"preferred_name": ["", "Jo"], "language": ["xx", "en"]}, "preferred_name", "language", id="dupes"),
        bad(form, every(PERSON_TEXT, LONG), *PERSON_TEXT, id="100 kB in every text field"),
        bad(form, every([*PERSON_CHOICES, "window_0_until"], LONG), *PERSON_CHOICES, "window_0_until", id="100 kB"),
        bad(
            form, {"date_of_birth-year": LONG, "contact_notes": "n" * 2001}, "date_of_birth", "contact_notes", id="long"
        ),
        bad(
            form,
            {"language": "English", "sms_allowed": "maybe", "shared_phone": "1", "may_name_organisation": "true"},
            *PERSON_CHOICES,
            id="unknown choices",
        ),
        bad(form, {"phone": "01632 960001"}, "phone", id="landline"),
        bad(form, {"phone": "020 7219 3000"}, "phone", id="real landline"),
        bad(form, {"phone": "abc"}, "phone", id="phone letters"),
        bad(form, {"phone": "0770090012"}, "phone", id="phone too short"),
        bad(form, {"phone": ""}, "phone", id="texts allowed without a number"),
        bad(
            form,
            {"date_of_birth-day": "31", "date_of_birth-month": "2", "contact_review_date-day": "next week"},
            "date_of_birth",
            "contact_review_date",
            id="31 February and words",
        ),
        bad(
            form,
            {"date_of_birth-year": "90", "contact_review_date-month": "13"},
            "date_of_birth",
            "contact_review_date",
            id="two-digit year and month 13",
        ),
        bad(form, {"date_of_birth-month": "", "date_of_birth-year": ""}, "date_of_birth", id="day only"),
        bad(form, BAD_WINDOWS, *WINDOW_ERRORS, id="every kind of bad time"),
    ]


CASES = [
    bad("login", {"identifier": MISSING, "password": MISSING}, "identifier", "password", id="both missing"),
    bad("login", {"password": ""}, "password", id="password empty"),
    bad("login", {"identifier": LONG, "password": LONG_PASSWORD}, "identifier", "password", id="100 kB"),
    bad("login", {"identifier": ["", "alex@example.org"]}, "identifier", id="identifier duplicated"),
    bad("setup code", {"code": MISSING}, "code", id="missing"),
    bad("setup code", {"code": "abc"}, "code", id="too short"),
    bad("setup code", {"code": "!!!!-!!!!"}, "code", id="punctuation"),
    bad("setup code", {"code": LONG}, "code", id="100 kB"),
    bad("setup code", {"code": "ABCD-2345"}, "code", id="never issued"),
    bad("setup code", {"code": ["", "ABCD-2345"]}, "code", id="duplicated"),
    bad("setup account", {"username": MISSING, "password": MISSING}, "username", "password", "confirm", id="missing"),
    bad("setup account", {"username": "ab"}, "username", id="username too short"),
    bad("setup account", {"username": "jo k!"}, "username", id="username with spaces"),
    bad(
        "setup account",
        {"username": LONG, "password": LONG_PASSWORD, "confirm": LONG_PASSWORD},
        "username",
        "password",
        id="100 kB",
    ),
    bad("setup account", {"username": "TAKEN_NAME"}, "username", id="username taken"),
    bad("setup account", {"password": "short", "confirm": "short"}, "password", id="passphrase too short"),
    bad("setup account", {"confirm": "purple kettle stair"}, "confirm", id="confirmation differs"),
    bad("setup account", {"confirm": ["", "purple kettle stairs"]}, "confirm", id="confirmation duplicated"),
    bad(
        "setup account",
        {"password": "jo_k stairs kettle", "confirm": "jo_k stairs kettle"},
        "password",
        id="passphrase contains username",
    ),
    bad(
        "change password",
        every(["current_password", "password", "confirm"], MISSING),
        "current_password",
        "password",
        "confirm",
        id="every field missing",
    ),
    bad("change password", {"current_password": "not the passphrase"}, "current_password", id="current wrong"),
    bad(
        "change password",
        every(["current_password", "password", "confirm"], LONG_PASSWORD),
        "current_password",
        "password",
        id="100 kB",
    ),
    bad("change password", {"password": "short", "confirm": "short"}, "password", id="new too short"),
    bad("change password", {"confirm": "a brand new passphrasE"}, "confirm", id="confirmation differs"),
    *person_cases("new person"),
    *person_cases("edit person"),
    bad("new organisation", every(["name", "kind"], MISSING), "name", "kind", id="name and kind missing"),
    bad("new organisation", {"name": "  "}, "name", id="name only spaces"),
    bad(
        "new organisation",
        {
            **every(["name", "kind", "description", "phone"], LONG),
            "email": LONG + "@example.org",
            "website": "https://" + LONG + ".org",
        },
        "name",
        "kind",
        "description",
        "phone",
        "email",
        "website",
        id="100 kB everywhere",
    ),
    bad("new organisation", {"kind": "charity"}, "kind", id="kind unknown"),
    bad("new organisation", {"kind": ["charity", "voluntary"]}, "kind", id="kind duplicated"),
    bad("new organisation", {"description": "d" * 4001}, "description", id="description over 4000"),
    bad("new organisation", {"email": "not-an-email"}, "email", id="email invalid"),
    bad("new organisation", {"website": "not a web address"}, "website", id="website words"),
    bad("new organisation", {"website": "javascript:alert(1)"}, "website", id="website javascript"),
    bad("new organisation", {"website": "javascript://example.org/%0Aalert(1)"}, "website", id="website js host"),
    bad(
        "new staff user",
        every(["display_name", "email", "role", "organisation_id"], MISSING),
        "display_name",
        "email",
        "role",
        "organisation_id",
        id="every field missing",
    ),
    bad(
        "new staff user",
        {**every(["display_name", "role", "organisation_id"], LONG), "email": LONG + "@x.org"},
        "display_name",
        "email",
        "role",
        "organisation_id",
        id="100 kB everywhere",
    ),
    bad("new staff user", {"email": "dana at example"}, "email", id="email invalid"),
    bad("new staff user", {"email": "Taken@Example.org"}, "email", id="email already used"),
    bad("new staff user", {"role": "individual"}, "role", id="role individual"),
    bad("new staff user", {"role": "superuser"}, "role", id="role unknown"),
    bad("new staff user", {"role": ["superuser", "advocate"]}, "role", id="role duplicated"),
    bad("new staff user", {"organisation_id": "abc"}, "organisation_id", id="organisation not a number"),
    bad("new staff user", {"organisation_id": "999999"}, "organisation_id", id="organisation unknown"),
    bad("new staff user", {"organisation_id": ""}, "organisation_id", id="worker without organisation"),
    bad("assign advocate", every(["advocate_id", "lead"], MISSING), "advocate_id", id="missing"),
    bad("assign advocate", every(["advocate_id", "lead"], LONG), "advocate_id", "lead", id="100 kB"),
    bad("assign advocate", {"advocate_id": "abc", "lead": "maybe"}, "advocate_id", "lead", id="unknown choices"),
    bad("assign advocate", {"advocate_id": "999999"}, "advocate_id", id="advocate unknown"),
    bad("assign advocate", {"advocate_id": lambda ctx: ctx["worker_id"]}, "advocate_id", id="not an advocate"),
    bad("assign advocate", {"advocate_id": ["abc", lambda ctx: ctx["second_id"]]}, "advocate_id", id="duplicated"),
]


# Helpers -----------------------------------------------------------------------------------------


@pytest.fixture
def open_form(client, login, in_app):
    """``open_form(name)`` prepares what the form needs; returns its path and its valid data."""

    def opener(name: str):
        prepare, valid = FORMS[name]
        path, ctx = prepare(client, login, in_app)
        return path, valid(ctx), ctx

    return opener


def submission(valid: dict, changes: dict, ctx: dict) -> dict:
    def resolve(value):
        return value(ctx) if callable(value) else value

    data = dict(valid)
    for field, value in changes.items():
        if value is MISSING:
            data.pop(field, None)
        else:
            data[field] = [resolve(v) for v in value] if isinstance(value, list) else resolve(value)
    return data


def database_rows(in_app) -> dict:
    """Every row of every table (a session's last-seen time aside), to show nothing was saved."""
    rows = {}
    with in_app():
        for table in Base.metadata.sorted_tables:
            columns = [column for column in table.columns if column.name != "last_seen_at"]
            statement = select(*columns).order_by(*table.primary_key.columns)
            rows[table.name] = [tuple(row) for row in db.session.execute(statement)]
    return rows


def shown_back(field: str, value: str) -> str:
    """How a typed value appears in the page: date parts and times keep their first 8 characters."""
    if field.endswith(("-day", "-month", "-year")) or field.startswith("window_"):
        value = value.strip()[:8]
    return str(escape(value))


def post(client, path: str, data: dict):
    """Post with the session's CSRF token, taken from a small page rather than the (large) form itself."""
    page = client.get("/account")
    if page.status_code != 200:
        page = client.get("/login")
    return client.post(path, data={"csrf_token": csrf_from(page.get_data(as_text=True)), **data})


# The table ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("form", FORMS)
def test_bad_input_is_explained_next_to_the_field_and_nothing_is_saved(form, client, open_form, in_app, subtests):
    path, valid, ctx = open_form(form)
    assert client.get(path).status_code == 200
    for case in (case for case in CASES if case.form == form):
        with subtests.test(case.name):
            data = submission(valid, case.changes, ctx)
            before = database_rows(in_app)

            response = post(client, path, data)

            page = response.get_data(as_text=True)
            assert response.status_code == 200
            assert set(ERROR_ID.findall(page)) == case.errors
            summary = page.split('class="govuk-error-summary"', 1)[1].split("</ul>", 1)[0]
            for field in case.errors:
                assert f'href="#{field}' in summary
            for field, value in data.items():
                typed = value[0] if isinstance(value, list) else value
                if field in PASSWORD_FIELDS:
                    assert not typed or typed[:100] not in page, f"{field} shown back"
                elif field not in CHOICE_FIELDS and typed:
                    assert shown_back(field, typed) in page, f"{field} not shown back"
            assert database_rows(in_app) == before

    with subtests.test("and then the valid submission is accepted"):
        response = post(client, path, valid)
        assert response.status_code in (200, 302)
        assert "govuk-error-summary" not in response.get_data(as_text=True)


# Other shapes of bad request ---------------------------------------------------------------------


def test_a_body_over_the_size_limit_gets_413(app, client):
    too_big = "x" * (app.config["MAX_CONTENT_LENGTH"] + 1)
    token = csrf_from(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"csrf_token": token, "identifier": too_big, "password": "p"})
    assert response.status_code == 413


def test_a_file_over_the_size_limit_gets_413(app, client, login):
    login(client, factories.advocate())
    token = csrf_from(client.get("/people/new").get_data(as_text=True))
    upload = (io.BytesIO(b"x" * (app.config["MAX_CONTENT_LENGTH"] + 1)), "big.txt")
    response = client.post("/people/new", data={"csrf_token": token, "preferred_name": upload})
    assert response.status_code == 413


def test_a_file_sent_in_place_of_text_is_ignored_and_the_form_asks_again(client, login, in_app):
    login(client, factories.advocate())
    token = csrf_from(client.get("/people/new").get_data(as_text=True))
    before = database_rows(in_app)
    response = client.post(
        "/people/new",
        data={"csrf_token": token, "language": "en", "preferred_name": (io.BytesIO(b"Jo"), "name.txt")},
    )
    # Forms read plain fields only: the file is not taken for a name, so the name is still missing.
    assert response.status_code == 200
    assert "Enter the name they like to be called" in response.get_data(as_text=True)
    assert database_rows(in_app) == before


@pytest.mark.parametrize(
    "body",
    [
        {"identifier": 12345, "password": ["a", "b"]},
        {"identifier": {"nested": True}, "password": None},
        ["identifier", "password"],
        {"identifier": "alex@example.org", "password": factories.PASSWORD},
    ],
    ids=["numbers and lists", "objects and null", "a list", "valid values"],
)
def test_json_in_place_of_a_form_signs_nobody_in_and_changes_nothing(body, client, in_app):
    factories.advocate(email="alex@example.org")
    token = csrf_from(client.get("/login").get_data(as_text=True))
    before = database_rows(in_app)
    response = client.post("/login", json=body, headers={"X-CSRFToken": token})
    # Forms read plain fields only: a JSON body is not a sign-in, whatever it holds.
    assert response.status_code == 200
    assert "Enter your email address or username" in response.get_data(as_text=True)
    assert database_rows(in_app) == before
    assert client.get("/people").status_code == 302


def test_a_nul_character_in_the_sign_in_form_is_refused(client):
    factories.advocate(email="alex@example.org")
    response = form_post(client, "/login", {"identifier": "alex\x00@example.org", "password": factories.PASSWORD})
    assert response.status_code == 400


@pytest.mark.parametrize("field", ["preferred_name", "area", "contact_notes", "window_0_from"])
def test_a_nul_character_in_a_persons_details_is_refused_and_never_stored(field, client, login, in_app):
    login(client, factories.advocate())
    before = database_rows(in_app)
    response = form_post(client, "/people/new", {**PERSON, field: "1\x00"})
    assert response.status_code == 400
    assert database_rows(in_app) == before


def test_extra_fields_cannot_set_what_the_form_does_not_offer(client, login, in_app):
    advocate = factories.advocate()
    login(client, advocate)
    extras = {"id": "999", "status": "closed", "created_by_id": "1", "code_word_hash": "x", "phone_e164": "+1"}
    response = form_post(client, "/people/new", {**PERSON, **extras})
    assert response.status_code == 302
    with in_app():
        person = db.session.scalars(select(Person)).one()
    assert person.id != 999
    assert person.status.value == "open"
    assert person.created_by_id == advocate.id
    assert person.phone_e164 == "+447700900123"
    assert person.code_word_hash.startswith("$argon2")


def test_extra_fields_cannot_give_a_new_staff_user_a_password_or_another_state(client, login, in_app):
    login(client, factories.coordinator())
    extras = {"password": "chosen by the coordinator", "password_hash": "x", "active": "0", "person_id": "1"}
    staff = {"display_name": "Dana", "email": "dana@example.org", "role": "advocate", "organisation_id": ""}
    form_post(client, "/admin/users/new", {**staff, **extras})
    with in_app():
        dana = db.session.scalars(select(User).where(User.email == "dana@example.org")).one()
    assert (dana.password_hash, dana.active, dana.person_id, dana.role.value) == (None, True, None, "advocate")


# The language switch: no fields to show errors on, but bad values change nothing. --------------------


@pytest.mark.parametrize(
    "data",
    [{}, {"locale": "xx"}, {"locale": LONG}, {"locale": ["xx", "cy"]}, {"locale": "ur", "extra": "1"}],
    ids=["missing", "unknown", "100 kB", "duplicated", "extra field"],
)
def test_language_switch_ignores_what_it_does_not_know(data, client, login, in_app):
    advocate = factories.advocate()
    login(client, advocate)
    before = database_rows(in_app)
    response = form_post(client, "/language", {**data, "next": "/people"}, token_from="/people")
    assert response.status_code == 302
    assert response.headers["Location"] == "/people"
    if data.get("locale") == "ur":
        return  # the one valid choice here; the extra field simply does nothing
    assert database_rows(in_app) == before
    assert 'lang="en"' in client.get("/people").get_data(as_text=True)


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/", "/\\evil.example", "/\t/evil.example", LONG]
)
def test_language_switch_never_redirects_off_the_site(target, client):
    response = form_post(client, "/language", {"locale": "cy", "next": target}, token_from="/login")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
