"""An advocate's people: adding and editing records, the caseload, the audited person page, setup codes, /me."""

from __future__ import annotations

from datetime import date, time
from html.parser import HTMLParser

from sqlalchemy import select

from advocate_app import db
from advocate_app.accounts.models import SetupCode
from advocate_app.audit.models import AuditEvent
from advocate_app.models import Base
from advocate_app.people import services
from advocate_app.people.models import Assignment, Person, SafeWindow
from tests import factories
from tests.conftest import as_read, form_post

NEW_PERSON = {
    "preferred_name": "Jo Kowalski",
    "language": "pl",
    "phone": "07700 900123",
    "date_of_birth-day": "27",
    "date_of_birth-month": "3",
    "date_of_birth-year": "1990",
    "area": "Northside",
    "sms_allowed": "yes",
    "shared_phone": "yes",
    "may_name_organisation": "no",
    "window_0_from": "17:00",
    "window_0_until": "20:00",
    "window_5_from": "10:00",
    "window_5_until": "12:30",
    "code_word": "Bluebird",
    "contact_review_date-day": "1",
    "contact_review_date-month": "9",
    "contact_review_date-year": "2026",
    "contact_notes": "Evenings are best.",
}


class FormValues(HTMLParser):
    """What a browser would submit from the first ``<form method="post">`` with fields on a page, as it stands."""

    def __init__(self, html: str):
        super().__init__()
        self.values: dict[str, str] = {}
        self._select = self._textarea = None
        self._done = False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if self._done:
            return
        name = attrs.get("name")
        if tag == "input" and name and name != "csrf_token":
            kind = attrs.get("type", "text")
            if kind in ("radio", "checkbox"):
                if "checked" in attrs:
                    self.values[name] = attrs.get("value", "on")
            elif kind != "submit":
                self.values[name] = attrs.get("value", "")
        elif tag == "select":
            self._select = name
        elif tag == "option" and self._select and "selected" in attrs:
            self.values[self._select] = attrs["value"]
        elif tag == "textarea":
            self._textarea = name
            self.values[name] = ""

    def handle_data(self, data):
        if self._textarea:
            self.values[self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "form" and self.values:
            self._done = True


def person_record(in_app, person_id: int) -> dict:
    """A person's row and safe windows, as stored."""
    with in_app():
        person = db.session.get(Person, person_id)
        row = {column.name: getattr(person, column.key) for column in Person.__table__.columns}
        row.pop("updated_at")
        windows = db.session.execute(
            select(SafeWindow.weekday, SafeWindow.starts_at, SafeWindow.ends_at)
            .where(SafeWindow.person_id == person_id)
            .order_by(SafeWindow.weekday)
        ).all()
    return {**row, "windows": [tuple(window) for window in windows]}


def test_advocate_adds_a_person_and_lands_on_their_page(client, login, in_app):
    advocate = factories.advocate()
    login(client, advocate)

    response = form_post(client, "/people/new", NEW_PERSON)

    with in_app():
        jo = db.session.scalars(select(Person)).one()
        lead = db.session.scalars(select(Assignment).where(Assignment.person_id == jo.id)).one()
    assert response.status_code == 302
    assert response.headers["Location"] == f"/people/{jo.id}"
    page = as_read(client.get(response.headers["Location"]).get_data(as_text=True))
    assert "Jo Kowalski has been added to your caseload." in page
    record = person_record(in_app, jo.id)
    assert record["phone_e164"] == "+447700900123"
    assert record["windows"] == [(0, time(17, 0), time(20, 0)), (5, time(10, 0), time(12, 30))]
    assert record["date_of_birth"] == date(1990, 3, 27)
    assert record["contact_review_date"] == date(2026, 9, 1)
    assert (record["language"], record["area"], record["contact_notes"]) == ("pl", "Northside", "Evenings are best.")
    assert (record["sms_allowed"], record["shared_phone"], record["may_name_organisation"]) == (True, True, False)
    assert (lead.advocate_id, lead.is_lead) == (advocate.id, True)
    assert "07700 900123" in page
    assert "Saturday 10:00–12:30" in page


def test_the_code_word_is_stored_hashed_and_never_in_plain_text(client, login, in_app):
    login(client, factories.advocate())
    form_post(client, "/people/new", NEW_PERSON)

    with in_app():
        jo = db.session.scalars(select(Person)).one()
        assert services.check_code_word(jo, " bluebird ")
        assert not services.check_code_word(jo, "robin")
        everything = [db.session.execute(select(table)).all() for table in Base.metadata.sorted_tables]
    assert jo.code_word_hash.startswith("$argon2")
    assert "bluebird" not in repr(everything).lower()
    for page in (f"/people/{jo.id}", f"/people/{jo.id}/edit"):
        assert "bluebird" not in as_read(client.get(page).get_data(as_text=True)).lower()


def test_saving_the_edit_form_unchanged_keeps_every_value(client, login, in_app):
    advocate = factories.advocate()
    login(client, advocate)
    form_post(client, "/people/new", NEW_PERSON)
    with in_app():
        jo_id = db.session.scalars(select(Person.id)).one()
    before = person_record(in_app, jo_id)

    shown = FormValues(as_read(client.get(f"/people/{jo_id}/edit").get_data(as_text=True))).values
    response = form_post(client, f"/people/{jo_id}/edit", shown)

    assert response.headers["Location"] == f"/people/{jo_id}"
    assert person_record(in_app, jo_id) == before
    assert shown["phone"] == "07700 900123"


def test_editing_changes_only_what_was_changed(client, login, in_app):
    advocate = factories.advocate()
    jo = factories.person(
        advocate,
        name="Jo",
        phone_e164="+447700900123",
        sms_allowed=True,
        safe_windows={0: (time(17), time(20)), 2: (time(9), time(10))},
        code_word="bluebird",
    )
    before = person_record(in_app, jo.id)
    login(client, advocate)
    shown = FormValues(as_read(client.get(f"/people/{jo.id}/edit").get_data(as_text=True))).values

    changes = {"area": "Eastside", "window_0_from": "", "window_0_until": "", "window_2_until": "11:15"}
    form_post(client, f"/people/{jo.id}/edit", {**shown, **changes})

    after = person_record(in_app, jo.id)
    assert after["area"] == "Eastside"
    assert after["windows"] == [(2, time(9), time(11, 15))]
    assert {k: v for k, v in after.items() if k not in ("area", "windows")} == {
        k: v for k, v in before.items() if k not in ("area", "windows")
    }


def test_the_code_word_can_be_removed(client, login, in_app):
    advocate = factories.advocate()
    jo = factories.person(advocate, code_word="bluebird")
    login(client, advocate)
    shown = FormValues(as_read(client.get(f"/people/{jo.id}/edit").get_data(as_text=True))).values
    form_post(client, f"/people/{jo.id}/edit", {**shown, "remove_code_word": "y"})
    assert person_record(in_app, jo.id)["code_word_hash"] is None


def caseload_cards(page: str) -> dict[str, str]:
    """Each person on the caseload page, with the line under their name."""
    cards = {}
    for card in page.split('<li class="app-card">')[1:]:
        name = card.split("</a>")[0].rsplit(">", 1)[1]
        cards[name] = " ".join(card.split('app-card__meta">')[1].split("</p>")[0].split())
    return cards


def test_caseload_lists_only_their_people_as_lead_or_supporting(client, login, in_app):
    advocate, colleague = factories.advocate(), factories.advocate()
    factories.person(advocate, name="Ali")
    shared = factories.person(colleague, name="Bea")
    factories.person(colleague, name="Cal")
    with in_app():
        services.assign_advocate(shared, advocate, lead=False, by=factories.coordinator())
        db.session.commit()
    login(client, advocate)

    cards = caseload_cards(as_read(client.get("/people").get_data(as_text=True)))

    assert list(cards) == ["Ali", "Bea"]
    assert cards["Ali"].startswith("Lead advocate")
    assert cards["Bea"].startswith("Supporting advocate")


def test_opening_a_persons_page_is_audited(client, login, in_app):
    advocate = factories.advocate()
    jo = factories.person(advocate)
    login(client, advocate)

    assert client.get(f"/people/{jo.id}").status_code == 200

    with in_app():
        views = db.session.execute(
            select(AuditEvent.actor_id, AuditEvent.actor_role, AuditEvent.person_id).where(AuditEvent.action == "view")
        ).all()
    assert views == [(advocate.id, "advocate", jo.id)]


def test_a_refused_look_at_someone_elses_record_leaves_no_view_in_the_audit(client, login, in_app):
    advocate = factories.advocate()
    someone_else = factories.person(factories.advocate())
    login(client, advocate)
    assert client.get(f"/people/{someone_else.id}").status_code == 404
    with in_app():
        assert db.session.scalars(select(AuditEvent).where(AuditEvent.action == "view")).all() == []


def setup_codes(in_app) -> list:
    with in_app():
        return db.session.scalars(select(SetupCode)).all()


def test_only_an_advocate_on_the_caseload_can_show_a_setup_code(client, login, new_client, in_app):
    advocate = factories.advocate()
    jo = factories.person(advocate)
    for outsider, refused_with in ((factories.advocate(), 404), (factories.coordinator(), 403)):
        browser = new_client()
        login(browser, outsider)
        response = form_post(browser, f"/people/{jo.id}/login", {}, token_from="/account")
        assert response.status_code == refused_with
    assert setup_codes(in_app) == []

    login(client, advocate)
    response = form_post(client, f"/people/{jo.id}/login", {}, token_from=f"/people/{jo.id}")
    assert response.status_code == 200
    assert 'class="app-setup-code"' in as_read(response.get_data(as_text=True))
    assert len(setup_codes(in_app)) == 1


def test_no_setup_code_for_a_person_who_already_has_a_login(client, login, in_app):
    advocate = factories.advocate()
    jo = factories.person(advocate, name="Jo")
    factories.individual(jo)
    login(client, advocate)
    page = as_read(client.get(f"/people/{jo.id}").get_data(as_text=True))
    assert "Show a setup code" not in page

    response = form_post(client, f"/people/{jo.id}/login", {}, token_from=f"/people/{jo.id}")

    assert response.headers["Location"] == f"/people/{jo.id}"
    assert "Jo already has a login." in as_read(client.get(f"/people/{jo.id}").get_data(as_text=True))
    assert setup_codes(in_app) == []


def test_the_person_sees_their_own_details_and_nobody_elses(client, login):
    advocate = factories.advocate(name="Alex Morgan")
    sam = factories.person(advocate, name="Sam", phone_e164="+447700900123", area="Northside")
    factories.person(advocate, name="Robin", phone_e164="+447700900456", area="Eastside")
    login(client, factories.individual(sam))

    assert "Hello, Sam." in as_read(client.get("/me").get_data(as_text=True))
    page = as_read(client.get("/me/details").get_data(as_text=True))

    assert "07700 900123" in page
    assert "Alex Morgan" in page
    assert "Robin" not in page
    assert "07700 900456" not in page
