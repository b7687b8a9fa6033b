"""Check-ins, the journey chart, reviews and the meeting summary, as the person and their advocate use them."""

from __future__ import annotations

import html
import io
import re
import xml.etree.ElementTree as ET
from datetime import date, timedelta

import pytest
from sqlalchemy import event, func, select

from advocate_app import db
from advocate_app.audit.models import AuditEvent
from advocate_app.clock import local_today
from advocate_app.plans import outcomes, services
from advocate_app.plans.models import AboutTopic, CheckIn, ItemKind, Plan, RatedBy, Review, StepOwner, Voice
from tests import factories
from tests.conftest import as_read, csrf_from, form_post

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def sam(in_app):
    """Sam, on Alex's caseload, with a login of their own."""
    alex = factories.advocate(name="Alex Advocate")
    person = factories.person(alex, name="Sam")
    login_user = factories.individual(person, username="sam")
    return {"advocate": alex, "person": person, "individual": login_user, "id": person.id}


def _date_fields(prefix: str, day: date | None) -> dict:
    if day is None:
        return {f"{prefix}-day": "", f"{prefix}-month": "", f"{prefix}-year": ""}
    return {f"{prefix}-day": str(day.day), f"{prefix}-month": str(day.month), f"{prefix}-year": str(day.year)}


def _check_in_form(**overrides) -> dict:
    data = {"domain": "housing", "score": "6", "note": "", **_date_fields("taken_on", local_today())}
    data.update(overrides)
    return data


def _record(in_app, person, by, domain, score, rated_by, taken_on, note=""):
    with in_app():
        outcomes.record_check_in(
            person.id, domain=domain, score=score, rated_by=rated_by, taken_on=taken_on, note=note, by=by
        )
        db.session.commit()


def _count(in_app, model) -> int:
    with in_app():
        return db.session.scalar(select(func.count()).select_from(model))


def _section(page: str, domain: str) -> str:
    start = page.index(f'<section class="app-journey" id="domain-{domain}"')
    return page[start : page.index("</section>", start)]


def _table_rows(page: str) -> list[list[str]]:
    body = page[page.index("<tbody") : page.index("</tbody>")]
    rows = re.findall(r'<tr class="govuk-table__row">(.*?)</tr>', body, re.S)
    cells = [re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.S) for row in rows]
    return [[html.unescape(re.sub(r"<[^>]+>", "", cell)).strip() for cell in row] for row in cells]


# Check-ins ---------------------------------------------------------------------------------------


def test_person_records_a_check_in_on_their_own_phone(client, login, in_app, sam):
    login(client, sam["individual"])
    path = f"/people/{sam['id']}/check-ins/new"
    page = client.get(path).get_data(as_text=True)
    assert "Whose rating is this?" not in page  # a person's own check-in is always their own rating
    assert "Very hard right now" in page and "Going really well" in page
    assert f'value="{local_today().day}"' in page  # the date starts as today

    # Even if a changed page sent a choice of rater, it stays the person's own rating.
    data = _check_in_form(score="4", note="Still waiting on the council", rated_by="advocate")
    response = form_post(client, path, data)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/people/{sam['id']}/journey#domain-housing"
    journey = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Check-in saved." in journey
    assert "My rating" in journey and "Still waiting on the council" in journey
    with in_app():
        saved = db.session.scalars(select(CheckIn)).one()
    assert (saved.score, saved.rated_by, saved.recorded_by_id) == (4, RatedBy.PERSON, sam["individual"].id)


def test_advocate_records_a_check_in_agreed_together(client, login, in_app, sam):
    login(client, sam["advocate"])
    path = f"/people/{sam['id']}/check-ins/new?domain=money"
    page = client.get(path).get_data(as_text=True)
    assert "Sam&#39;s rating" in page and "My rating" in page and "We agreed it together" in page
    assert '<option value="money" selected>' in page

    response = form_post(client, path, _check_in_form(domain="money", score="7", rated_by="together"))
    assert response.status_code == 302
    with in_app():
        saved = db.session.scalars(select(CheckIn)).one()
    assert (saved.domain, saved.score, saved.rated_by) == ("money", 7, RatedBy.TOGETHER)
    assert "Agreed together" in _section(client.get(f"/people/{sam['id']}/journey").get_data(as_text=True), "money")


def test_advocate_must_say_whose_rating_it_is(client, login, in_app, sam):
    login(client, sam["advocate"])
    response = form_post(client, f"/people/{sam['id']}/check-ins/new", _check_in_form())
    assert 'id="rated_by-error"' in response.get_data(as_text=True)
    assert _count(in_app, CheckIn) == 0


BAD_CHECK_INS = {
    "score zero": ({"score": "0"}, "score", "Choose a score from 1 to 10"),
    "score eleven": ({"score": "11"}, "score", "Choose a score from 1 to 10"),
    "score not a number": ({"score": "abc"}, "score", "Choose a score from 1 to 10"),
    "no score": ({"score": ""}, "score", "Choose a score from 1 to 10"),
    "unknown domain": ({"domain": "astrology"}, "domain", "Choose which part of life this is about"),
    "missing date": (_date_fields("taken_on", None), "taken_on", "Enter the date of the check-in"),
    "impossible date": ({"taken_on-day": "31", "taken_on-month": "2", "taken_on-year": "2026"}, "taken_on",
                        "must be a real date"),
    "date in the future": (_date_fields("taken_on", local_today() + timedelta(days=2)), "taken_on",
                           "must be today or in the past"),
    "note far too long": ({"note": "x" * 5000}, "note", "This is too long"),
}


@pytest.mark.parametrize("change, field, message", BAD_CHECK_INS.values(), ids=BAD_CHECK_INS.keys())
def test_bad_check_in_shows_the_error_by_the_field_and_saves_nothing(client, login, in_app, sam, change, field,
                                                                     message):
    login(client, sam["individual"])
    response = form_post(client, f"/people/{sam['id']}/check-ins/new", _check_in_form(**{"note": "kept", **change}))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "govuk-error-summary" in page
    assert re.search(rf'<p id="{field}-error" class="govuk-error-message">.*?{message}', page, re.S)
    if field != "note":
        assert ">kept</textarea>" in page  # what was typed is not lost
    assert _count(in_app, CheckIn) == 0


MALFORMED = {  # each makes the keyword arguments of one request (a file can only be sent once)
    "json body": lambda: {"json": {"domain": ["housing"], "score": 5}},
    "json list": lambda: {"json": [1, [2, 3], {"score": 4}]},
    "repeated fields": lambda: {
        "data": {"domain": ["housing", "money"], "score": ["3", "x"], "taken_on-day": ["1", "2"]}
    },
    "a file for the note": lambda: {"data": {"note": (io.BytesIO(b"\x00\xff" * 100), "note.bin"), "score": "3"}},
    "a file for a date part": lambda: {"data": {"taken_on-day": (io.BytesIO(b"1"), "day.txt"), "score": "3"}},
    "huge date parts": lambda: {"data": {"taken_on-day": "9" * 5000, "taken_on-month": "-1", "taken_on-year": "1e9"}},
}


@pytest.mark.parametrize("path", ["check-ins/new", "plan/review", "plan/next-review"])
@pytest.mark.parametrize("make_request", MALFORMED.values(), ids=MALFORMED.keys())
def test_malformed_posts_are_never_a_server_error(client, login, in_app, sam, path, make_request):
    login(client, sam["advocate"])
    token = csrf_from(client.get(f"/people/{sam['id']}/journey").get_data(as_text=True))
    kwargs = make_request()
    if "data" in kwargs:
        kwargs["data"]["csrf_token"] = token
    else:
        kwargs["headers"] = {"X-CSRFToken": token}
    response = client.post(f"/people/{sam['id']}/{path}", **kwargs)
    assert response.status_code in (200, 400)
    assert _count(in_app, CheckIn) == 0 and _count(in_app, Review) == 0


def test_a_date_left_out_of_the_request_is_not_taken_as_today(client, login, in_app, sam):
    login(client, sam["individual"])
    data = {"domain": "housing", "score": "5"}
    response = form_post(client, f"/people/{sam['id']}/check-ins/new", data)
    assert 'id="taken_on-error"' in response.get_data(as_text=True)
    assert _count(in_app, CheckIn) == 0


# The journey -------------------------------------------------------------------------------------


def test_three_check_ins_draw_a_chart_with_a_matching_table(client, login, in_app, sam):
    readings = [
        (date(2026, 3, 2), 3, RatedBy.PERSON),
        (date(2026, 4, 10), 5, RatedBy.ADVOCATE),
        (date(2026, 4, 30), 7, RatedBy.TOGETHER),
    ]
    for day, score, rated_by in readings:
        _record(in_app, sam["person"], sam["advocate"], "housing", score, rated_by, day, note=f"note {score} <b>")
    login(client, sam["individual"])
    section = _section(client.get(f"/people/{sam['id']}/journey").get_data(as_text=True), "housing")

    svg = ET.fromstring(section[section.index("<svg") : section.index("</svg>") + 6])  # noqa: S314 - our own page
    assert svg.get("role") == "img"
    assert svg.find(f"{SVG}title").text == "Housing: from 3 on 2 March to 7 on 30 April"
    assert "3 check-ins" in svg.find(f"{SVG}desc").text
    points = [p for p in svg.iter(f"{SVG}path") if "app-chart__point" in p.get("class", "")]
    assert len(points) == 3
    # Each rater has its own marker shape, and higher scores sit higher up (smaller y).
    assert [p.get("class").split("--")[1] for p in points] == ["person", "advocate", "together"]
    starts = [re.match(r"M([\d.]+) ([\d.]+)", p.get("d")).groups() for p in points]
    assert float(starts[0][0]) < float(starts[1][0]) < float(starts[2][0])  # oldest on the left
    assert float(starts[0][1]) > float(starts[1][1]) > float(starts[2][1])  # 3 < 5 < 7, drawn higher
    labels = [t.text for t in svg.iter(f"{SVG}text")]
    assert "10 – Going really well" in labels and "1 – Very hard right now" in labels
    assert "2 Mar" in labels and "30 Apr" in labels

    rows = _table_rows(section)
    assert len(rows) == 3
    assert [(row[1], row[2]) for row in rows] == [
        ("3", "My rating"),
        ("5", "My advocate's rating"),
        ("7", "Agreed together"),
    ]
    assert rows[0][0] == "2 Mar 2026"
    assert "note 3 &lt;b&gt;" in section  # a note is text, never markup
    assert "<b>" not in section


def test_journey_without_check_ins_says_so_in_plain_words(client, login, sam):
    login(client, sam["individual"])
    page = client.get(f"/people/{sam['id']}/journey").get_data(as_text=True)
    assert "There are no check-ins yet." in page
    assert "<svg class=\"app-chart\"" not in page
    assert f'href="/people/{sam["id"]}/check-ins/new"' in page


# Reviews -----------------------------------------------------------------------------------------


def _review_form(held: date, next_date: date | None, **extra) -> dict:
    return {
        **_date_fields("held_on", held),
        **_date_fields("next_review_date", next_date),
        "went_well": "Moved into the new flat",
        "what_changed": "Started the course",
        **extra,
    }


def test_review_with_next_date_before_the_review_is_refused(client, login, in_app, sam):
    login(client, sam["advocate"])
    today = local_today()
    response = form_post(client, f"/people/{sam['id']}/plan/review", _review_form(today, today - timedelta(days=1)))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert re.search(r'<p id="next_review_date-error" class="govuk-error-message">.*?must be after the date of this '
                     r"review", page, re.S)
    assert "Moved into the new flat" in page  # nothing typed is lost
    assert _count(in_app, Review) == 0


def test_holding_a_review_sets_the_next_date_and_the_person_sees_it(client, login, new_client, in_app, sam):
    login(client, sam["advocate"])
    today = local_today()
    next_date = today + timedelta(days=90)
    response = form_post(client, f"/people/{sam['id']}/plan/review", _review_form(today, next_date))
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    shown = f"{next_date.day} {next_date.strftime('%B')} {next_date.year}"
    assert f"Next review: {shown}." in page
    assert "Moved into the new flat" in page and "Started the course" in page
    with in_app():
        plan = db.session.scalars(select(Plan)).one()
    assert plan.next_review_date == next_date

    phone = new_client()
    login(phone, sam["individual"])
    journey = phone.get(f"/people/{sam['id']}/journey").get_data(as_text=True)
    assert f"Next review: {shown}." in journey and "Moved into the new flat" in journey
    assert "/plan/review" not in journey  # read-only for the person
    assert phone.get(f"/people/{sam['id']}/plan/review").status_code == 404


def test_advocate_sets_the_first_review_date(client, login, in_app, sam):
    login(client, sam["advocate"])
    path = f"/people/{sam['id']}/plan/review"
    assert "No review date is set yet." in client.get(path).get_data(as_text=True)
    past = form_post(client, f"/people/{sam['id']}/plan/next-review",
                     _date_fields("review_date", local_today() - timedelta(days=3)), token_from=path)
    assert 'id="review_date-error"' in past.get_data(as_text=True)
    later = local_today() + timedelta(days=60)
    response = form_post(client, f"/people/{sam['id']}/plan/next-review", _date_fields("review_date", later),
                         token_from=path)
    assert response.headers["Location"] == path
    with in_app():
        assert db.session.scalars(select(Plan)).one().next_review_date == later


def test_the_review_date_can_be_moved_once_set_but_never_into_the_past(client, login, in_app, sam):
    login(client, sam["advocate"])
    path = f"/people/{sam['id']}/plan/review"
    first, moved = local_today() + timedelta(days=30), local_today() + timedelta(days=45)
    form_post(client, f"/people/{sam['id']}/plan/next-review", _date_fields("review_date", first), token_from=path)
    page = client.get(path).get_data(as_text=True)
    assert "Move the review date" in page and 'action="/people/' in page
    response = form_post(client, f"/people/{sam['id']}/plan/next-review", _date_fields("review_date", moved),
                         token_from=path)
    assert response.status_code == 302
    past = form_post(client, f"/people/{sam['id']}/plan/next-review",
                     _date_fields("review_date", local_today() - timedelta(days=1)), token_from=path)
    assert "The next review must be today or later" in past.get_data(as_text=True)
    with in_app():
        assert db.session.scalars(select(Plan)).one().next_review_date == moved


def test_recording_a_review_follows_the_same_rule_for_a_past_next_date(client, login, in_app, sam):
    login(client, sam["advocate"])
    today = local_today()
    held, next_date = today - timedelta(days=20), today - timedelta(days=5)
    response = form_post(client, f"/people/{sam['id']}/plan/review", _review_form(held, next_date))
    assert response.status_code == 200
    assert re.search(r'id="next_review_date-error".*?The next review must be today or later',
                     response.get_data(as_text=True), re.S)
    assert _count(in_app, Review) == 0


# Who may see what ------------------------------------------------------------------------------------

OUTCOME_PAGES = [
    ("GET", "/people/{id}/check-ins/new"),
    ("POST", "/people/{id}/check-ins/new"),
    ("GET", "/people/{id}/journey"),
    ("GET", "/people/{id}/plan/review"),
    ("POST", "/people/{id}/plan/review"),
    ("POST", "/people/{id}/plan/next-review"),
    ("GET", "/people/{id}/plan/summary"),
    ("GET", "/people/{id}/plan/summary?download=1"),
]


@pytest.mark.parametrize("method, path", OUTCOME_PAGES)
def test_advocate_of_another_caseload_gets_not_found(client, login, in_app, sam, method, path):
    _record(in_app, sam["person"], sam["advocate"], "housing", 5, RatedBy.PERSON, local_today())
    other = factories.advocate()
    factories.person(other)
    login(client, other)
    url = path.format(id=sam["id"])
    if method == "GET":
        response = client.get(url)
    else:
        response = form_post(client, url, _check_in_form(rated_by="advocate"), token_from="/people")
    assert response.status_code == 404
    assert "Sam" not in response.get_data(as_text=True)
    assert _count(in_app, CheckIn) == 1 and _count(in_app, Review) == 0


@pytest.mark.parametrize("method, path", [p for p in OUTCOME_PAGES if "review" not in p[1]])
def test_person_cannot_open_someone_elses_journey(client, login, in_app, sam, method, path):
    other = factories.person(sam["advocate"], name="Robin")
    _record(in_app, other, sam["advocate"], "safety", 2, RatedBy.PERSON, local_today(), note="private")
    login(client, sam["individual"])
    url = path.format(id=other.id)
    if method == "GET":
        response = client.get(url)
    else:
        response = form_post(client, url, _check_in_form(), token_from=f"/people/{sam['id']}/journey")
    assert response.status_code == 404
    assert "private" not in response.get_data(as_text=True)
    assert _count(in_app, CheckIn) == 1


def test_a_name_with_markup_is_shown_as_text(client, login, in_app):
    alex = factories.advocate()
    person = factories.person(alex, name="<i>Jo</i>")
    _record(in_app, person, alex, "safety", 4, RatedBy.PERSON, local_today())
    login(client, alex)
    for path in ("check-ins/new", "journey", "plan/summary"):
        page = client.get(f"/people/{person.id}/{path}").get_data(as_text=True)
        assert "<i>Jo</i>" not in page, path
        assert "&lt;i&gt;Jo&lt;/i&gt;" in page, path


# The meeting summary -----------------------------------------------------------------------------


def _build_plan(in_app, sam, *, needs: int = 1, steps_per_goal: int = 1, check_ins: int = 1):
    """A plan with ``needs`` needs, each with a goal and steps, written by both; and some check-ins."""
    with in_app():
        person_user = db.session.get(type(sam["individual"]), sam["individual"].id)
        advocate = db.session.get(type(sam["advocate"]), sam["advocate"].id)
        plan = services.plan_for(sam["id"], by=advocate)
        domains = ["housing", "money", "safety", "mental_wellbeing"]
        for n in range(needs):
            need = services.add_item(
                plan, ItemKind.NEED,
                services.ItemFields(text=f"Need {n}: a safe place to live", domain=domains[n % 4], priority=1),
                by=person_user,
            )
            goal = services.add_item(
                plan, ItemKind.GOAL,
                services.ItemFields(text=f"Goal {n}: a tenancy of my own", target_date=date(2027, 1, 31)),
                by=advocate, parent=need,
            )
            for s in range(steps_per_goal):
                services.add_item(
                    plan, ItemKind.STEP,
                    services.ItemFields(text=f"Step {n}.{s}: call the housing team", voice=Voice.PERSON,
                                        owner=StepOwner.ORGANISATION, owner_detail="Harbour Housing Advice",
                                        due_date=date(2026, 12, 15)),
                    by=advocate, parent=goal,
                )
        for n in range(check_ins):
            outcomes.record_check_in(sam["id"], domain=domains[n % 4], score=1 + n % 10, rated_by=RatedBy.TOGETHER,
                                     taken_on=date(2026, 1, 1) + timedelta(days=n), by=advocate)
        db.session.commit()
        return plan.id


def test_summary_leaves_about_me_out_unless_asked_and_says_what_is_left_out(client, login, in_app, sam):
    plan_id = _build_plan(in_app, sam)
    with in_app():
        advocate = db.session.get(type(sam["advocate"]), sam["advocate"].id)
        services.add_item(
            db.session.get(Plan, plan_id), ItemKind.ABOUT,
            services.ItemFields(text="My children and my garden", topic=AboutTopic.MATTERS), by=advocate,
        )
        db.session.commit()
    login(client, sam["advocate"])
    by_default = client.get(f"/people/{sam['id']}/plan/summary").get_data(as_text=True)
    assert "My children and my garden" not in by_default
    assert "About me is left out of this summary, to share less at the meeting" in by_default
    assert 'name="about" type="checkbox" value="1">' in by_default  # offered, not ticked
    chosen = client.get(f"/people/{sam['id']}/plan/summary?about=1").get_data(as_text=True)
    assert "What matters to me" in chosen and "My children and my garden" in chosen
    assert "About me is left out" not in chosen
    assert "download=1&amp;about=1" in chosen or "about=1&amp;download=1" in chosen
    download = client.get(f"/people/{sam['id']}/plan/summary?download=1&about=1").get_data(as_text=True)
    assert "My children and my garden" in download
    assert "My children and my garden" not in client.get(
        f"/people/{sam['id']}/plan/summary?download=1"
    ).get_data(as_text=True)


def test_summary_lists_the_plan_with_who_wrote_what_and_downloads_as_a_file(client, login, in_app, sam):
    plan_id = _build_plan(in_app, sam, check_ins=2)
    login(client, sam["advocate"])
    response = client.get(f"/people/{sam['id']}/plan/summary")
    page = as_read(response.get_data(as_text=True))
    assert response.status_code == 200
    assert "Plan summary for Sam" in page
    assert "Need 0: a safe place to live" in page and "Goal 0: a tenancy of my own" in page
    assert "Step 0.0: call the housing team" in page
    assert "Written by Sam (Person supported)" in page
    assert "Written by Alex Advocate (Advocate)" in page
    assert "In Sam&#39;s words" in page and "In the advocate&#39;s words" in page
    assert "Who: An organisation: Harbour Housing Advice" in page
    assert "By 15 December 2026" in page and "Not done yet" in page
    assert "Aiming for 31 January 2027" in page
    latest = _table_rows(page[page.index("Latest check-ins") :])
    assert [row[0] for row in latest] == ["Housing", "Money and debt"]
    assert "download=1" in page

    download = client.get(f"/people/{sam['id']}/plan/summary?download=1")
    assert download.status_code == 200
    assert download.headers["Content-Disposition"] == (
        f'attachment; filename="plan-summary-{local_today().isoformat()}.html"'
    )
    assert download.headers["Cache-Control"] == "no-store"
    body = as_read(download.get_data(as_text=True))
    assert "Step 0.0: call the housing team" in body and "Written by Alex Advocate (Advocate)" in body
    assert "csrf_token" not in body and "Sign out" not in body  # a file that leaves the app carries no session bits
    with in_app():
        exports = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "export")).all()
    assert [(e.actor_id, e.person_id, e.object_type, e.object_id) for e in exports] == [
        (sam["advocate"].id, sam["id"], "plan", plan_id)
    ]


def test_person_can_read_their_own_summary(client, login, in_app, sam):
    _build_plan(in_app, sam)
    login(client, sam["individual"])
    page = client.get(f"/people/{sam['id']}/plan/summary").get_data(as_text=True)
    assert "Need 0: a safe place to live" in page


# Queries do not grow with what is shown ----------------------------------------------------------------


def _statements(app, in_app):
    with in_app():
        engine = db.engine()
    seen: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    return engine, count, seen


@pytest.mark.parametrize("page", ["journey", "plan/summary"])
def test_queries_do_not_grow_with_entries_and_check_ins(app, client, login, in_app, sam, page):
    small = sam
    _build_plan(in_app, small, needs=1, steps_per_goal=1, check_ins=1)
    alex = sam["advocate"]
    big_person = factories.person(alex, name="Jo")
    big = {"advocate": alex, "person": big_person, "id": big_person.id,
           "individual": factories.individual(big_person, username="jo")}
    _build_plan(in_app, big, needs=10, steps_per_goal=3, check_ins=50)  # 50 entries, 50 check-ins
    login(client, alex)
    client.get(f"/people/{small['id']}/{page}")  # warm up: templates compiled, caches filled

    engine, listener, seen = _statements(app, in_app)
    try:
        counts = []
        for who in (small, big):
            seen.clear()
            assert client.get(f"/people/{who['id']}/{page}").status_code == 200
            counts.append(len(seen))
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    print(f"{page}: {counts[0]} statements with 1 check-in, {counts[1]} with 50")
    assert counts[0] == counts[1]
