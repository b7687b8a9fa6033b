"""The evaluators' export: pseudonyms, coarse dates and ages, suppression of small cells, nothing that names anyone."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from datetime import date

import pytest
from sqlalchemy import event, select

from advocate_app import db
from advocate_app.audit.models import AuditEvent
from advocate_app.evidence import export, pseudonyms, queries
from advocate_app.evidence.dictionary import COLUMNS, DICTIONARY_FILE, markdown
from advocate_app.evidence.package import PACKAGE_FILE
from advocate_app.people.models import Person
from tests import factories
from tests.conftest import form_post
from tests.test_evidence import PERIOD, TODAY, _seed_people, build_world

KEY = b"an evaluation key of some length"
PRIVATE_WORDS = (
    "Pat Quill", "Robin Vale", "Sky Moor", "Lee Ash", "Nia North", "Sol South", "447700900111", "Northtown",
    "Southtown", "Somewhere safe", "Find a flat", "Debts to the catalogue", "Private words", "Felt scared",
    "Please call", "full until", "Spoke to them", "Talked about him", "Moved flat", "1990",
)


def _build(key: bytes = KEY, organisation_id=None) -> export.Export:
    scope = queries.Scope(people=queries.partnership_people(organisation_id), period=PERIOD, today=TODAY)
    return export.build(scope, key)


def _read(data: export.Export, name: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(data.text_of(name))))


@pytest.fixture
def world(app):
    return build_world()


def test_every_file_has_the_columns_the_dictionary_explains(world, in_app):
    with in_app():
        data = _build()
    assert data.names() == [*COLUMNS, DICTIONARY_FILE, PACKAGE_FILE]
    dictionary = _read(data, DICTIONARY_FILE)
    for name, columns in COLUMNS.items():
        assert data.text_of(name).splitlines()[0] == ",".join(columns)
        explained = {row["column"] for row in dictionary if row["file"] == name and row["column"]}
        assert explained == set(columns)
        assert all(row["meaning"] for row in dictionary if row["file"] == name)


def test_the_documented_dictionary_is_the_one_the_export_ships():
    from advocate_app import CHECKOUT_DIR

    assert (CHECKOUT_DIR / "docs" / "evidence-data-dictionary.md").read_text(encoding="utf-8") == markdown()


def test_no_names_numbers_free_text_or_days_leave_in_the_export(world, in_app):
    with in_app():
        archive = zipfile.ZipFile(io.BytesIO(_build().zip_bytes()))
    everything = "\n".join(archive.read(name).decode("utf-8") for name in archive.namelist())
    assert len(archive.namelist()) == len(COLUMNS) + 2
    for word in PRIVATE_WORDS:
        assert word not in everything, word
    # Dates are months: no day of any month anywhere.
    assert not re.search(r"\d{4}-\d{2}-\d{2}", everything)


def test_people_get_a_keyed_pseudonym_the_same_key_gives_the_same_ids_another_key_other_ids(world, in_app):
    with in_app():
        first = [row["person"] for row in _read(_build(), "people.csv")]
        again = [row["person"] for row in _read(_build(), "people.csv")]
        other = [row["person"] for row in _read(_build(b"a different evaluation key!!"), "people.csv")]
        ids = list(db.session.scalars(select(Person.id).order_by(Person.id)))
    assert first == again
    assert len(first) == 4 and len(set(first)) == 4
    assert not set(first) & set(other)
    assert all(re.fullmatch(r"[0-9a-f]{20}", pid) for pid in first)
    assert not {str(i) for i in ids} & set(first)
    assert first == [pseudonyms.pseudonym(KEY, i) for i in ids[:4]]  # the closed December case is not in it


def test_every_person_level_file_links_through_the_pseudonym(world, in_app):
    with in_app():
        data = _build()
    people = {row["person"] for row in _read(data, "people.csv")}
    for name in ("check_ins.csv", "plan_entries.csv", "reviews.csv", "referrals.csv"):
        assert {row["person"] for row in _read(data, name)} <= people, name
    # The period bounds what is in it: 12 check-ins, 11 entries, 3 reviews, 5 referrals (one sent in July).
    assert [len(_read(data, n)) for n in ("check_ins.csv", "plan_entries.csv", "reviews.csv", "referrals.csv")] == [
        12, 11, 3, 5]


def test_ages_are_bands_and_values_fewer_than_five_people_share_are_suppressed(world, in_app):
    with in_app():
        people = _read(_build(), "people.csv")
        check_ins = _read(_build(), "check_ins.csv")
    # Four people: every who-or-when value describes fewer than five of them.
    assert {row["age_band"] for row in people} == {"suppressed"}
    assert {row["language"] for row in people} == {"suppressed"}
    assert {row["case_opened"] for row in people} == {"suppressed"}
    assert {row["month"] for row in check_ins} == {"suppressed"}
    # Codes and scores are not who or when: they stay.
    assert sorted(row["score"] for row in check_ins if row["rated_by"] == "person")[:3] == ["2", "3", "4"]
    assert [row["plan_agreed_by_person"] for row in people] == ["yes", "no", "no", "no"]


def test_with_enough_people_shared_values_stay_and_rare_ones_go(app, in_app):
    advocate = _seed_people(6)
    with in_app():
        people = db.session.scalars(select(Person).order_by(Person.id)).all()
        for person in people[:5]:
            person.date_of_birth = date(1996, 3, 1)  # 30 at the end of June 2026
        people[5].date_of_birth = date(1950, 3, 1)  # 76: the only one in the band
        db.session.commit()
        data = _build()
    rows = _read(data, "people.csv")
    assert [row["age_band"] for row in rows] == ["25-34"] * 5 + ["suppressed"]
    assert {row["language"] for row in rows} == {"en"}
    assert {row["month"] for row in _read(data, "check_ins.csv")} == {"2026-02", "2026-04"}
    assert {row["sent_month"] for row in _read(data, "referrals.csv")} == {"2026-02"}
    assert advocate is not None


def test_summary_files_suppress_counts_under_five_and_figures_from_fewer_than_five(world, in_app):
    with in_app():
        data = _build()
    distance = {(r["domain"], r["rated_by"]): r for r in _read(data, "distance_travelled.csv")}
    own = distance[("housing", "person")]
    assert own["people"] == "suppressed" and own["mean_change"] == "suppressed" and own["median_change"] == "suppressed"
    loop = _read(data, "referral_loop.csv")
    assert [(r["organisation"], r["service"], r["sent"], r["median_days_to_answer"]) for r in loop] == [
        ("Harbour Housing", "Tenancy help", "suppressed", "suppressed"),
        ("Money Matters", "Debt advice", "suppressed", "suppressed"),
    ]
    assert loop[1]["declined"] == "0"  # nobody is described by a zero
    unmet = _read(data, "unmet_need.csv")
    assert [(r["domain"], r["needs"], r["without_accepted_referral"]) for r in unmet] == [
        ("housing", "suppressed", "suppressed"), ("money", "suppressed", "suppressed")]


def test_summary_figures_show_when_five_or_more_people_are_behind_them(app, in_app):
    _seed_people(6)
    with in_app():
        data = _build()
    [own] = _read(data, "distance_travelled.csv")
    assert (own["people"], own["mean_first"], own["mean_latest"], own["mean_change"], own["better"]) == (
        "6", "3.0", "6.0", "3.0", "6")
    [loop] = _read(data, "referral_loop.csv")
    assert (loop["sent"], loop["accepted"], loop["median_days_to_answer"], loop["engaged"]) == ("6", "6", "1.0", "6")
    assert loop["answered_by_reply_date_percent"] == "100"
    [unmet] = _read(data, "unmet_need.csv")
    assert (unmet["needs"], unmet["with_accepted_referral"], unmet["without_accepted_referral"]) == ("6", "6", "0")


def test_suppression_counts_people_not_rows():
    rows = [{"person": "a", "month": "2026-01"}] * 7 + [{"person": p, "month": "2026-02"} for p in "bcdef"]
    result = export.suppress_rare([dict(r) for r in rows], ("month",))
    assert [r["month"] for r in result] == ["suppressed"] * 7 + ["2026-02"] * 5


@pytest.mark.parametrize(
    ("born", "band"),
    [(None, "unknown"), (date(2009, 7, 1), "under 18"), (date(2008, 6, 30), "18-24"), (date(1961, 7, 1), "55-64"),
     (date(1961, 6, 30), "65 and over")],
)
def test_age_bands_on_the_last_day_of_the_period(born, band):
    assert export.age_band(born, date(2026, 6, 30)) == band


def _statements_during(app, work):
    """How many SQL statements ``work()`` costs, and what it returned."""
    statements = []

    def counter(*_args, **_kwargs):
        statements.append(1)

    with app.app_context():
        engine = db.engine()
        event.listen(engine, "before_cursor_execute", counter)
        try:
            result = work()
        finally:
            event.remove(engine, "before_cursor_execute", counter)
    return len(statements), result


def test_the_export_costs_the_same_queries_for_3_people_as_for_30(app_factory):
    counts = []
    for people in (3, 30):
        app = app_factory()
        factories.use(app)
        _seed_people(people)
        statements, data = _statements_during(app, _build)
        assert len(_read(data, "people.csv")) == people
        counts.append(statements)
    assert counts[0] == counts[1], counts


# The coordinators' download and the command -------------------------------------------------------


def test_a_coordinator_downloads_the_zip_and_the_download_is_audited(world, client, login, in_app):
    login(client, world.coordinator)
    response = form_post(client, "/evidence/export", {"start": "2026-01", "end": "2026-06"})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/zip"
    assert response.headers["Content-Disposition"] == 'attachment; filename="evidence-2026-01-to-2026-06.zip"'
    assert response.headers["Cache-Control"] == "no-store"
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    assert "evidence-2026-01-to-2026-06/people.csv" in archive.namelist()
    with in_app():
        events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "export")).all()
    assert [(e.actor_id, e.object_type, e.person_id) for e in events] == [
        (world.coordinator.id, "evidence_export", None)]


def test_the_download_keeps_the_choices_and_explains_a_wrong_one(world, client, login):
    login(client, world.coordinator)
    response = form_post(client, "/evidence/export", {"start": "2026-06", "end": "2026-01", "organisation": "x"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.count("The end of the period must not be before its start") == 2
    assert html.count("Choose an organisation from the list") == 2
    assert 'value="2026-06" selected' in html


def test_the_download_refuses_without_a_pseudonym_key(app_factory, client, login):
    app = app_factory(EVIDENCE_PSEUDONYM_KEY="", APP_ENV="production")
    factories.use(app)
    coordinator = factories.coordinator()
    browser = app.test_client()
    login(browser, coordinator)
    response = form_post(browser, "/evidence/export", {"start": "2026-01", "end": "2026-06"})
    assert response.status_code == 503
    assert "ask whoever runs it to set the pseudonym key" in response.get_data(as_text=True)


def test_an_advocate_cannot_download_the_export(world, client, login):
    login(client, world.north)
    assert client.get("/evidence/export").status_code == 403


def test_the_command_writes_the_files_and_the_same_key_gives_the_same_ids(world, app, tmp_path):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["evidence", "export", "--from", "2026-01", "--to", "2026-06", "--out",
                                str(tmp_path / "one")])
    assert first.exit_code == 0, first.output
    assert "people.csv 4" in first.output
    again = runner.invoke(args=["evidence", "export", "--from", "2026-01", "--to", "2026-06", "--out",
                                str(tmp_path / "two.zip")])
    assert again.exit_code == 0, again.output
    archive = zipfile.ZipFile(tmp_path / "two.zip")
    in_zip = archive.read("evidence-2026-01-to-2026-06/people.csv").decode()
    assert (tmp_path / "one" / "people.csv").read_bytes().decode() == in_zip
    assert (tmp_path / "one" / DICTIONARY_FILE).exists()
    app.config["EVIDENCE_PSEUDONYM_KEY"] = "another key, at least sixteen"
    other = runner.invoke(args=["evidence", "export", "--from", "2026-01", "--to", "2026-06", "--out",
                                str(tmp_path / "three")])
    assert other.exit_code == 0
    ids = lambda text: {row["person"] for row in csv.DictReader(io.StringIO(text))}  # noqa: E731
    assert not ids(in_zip) & ids((tmp_path / "three" / "people.csv").read_text())


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "2026-13", "--to", "2026-06"], "YYYY-MM"),
        (["--from", "2026-06", "--to", "2026-01"], "YYYY-MM"),
        (["--from", "2026-01", "--to", "2026-06", "--organisation", "Nobody"], "no organisation called"),
    ],
)
def test_the_command_explains_bad_arguments(app, args, message):
    result = app.test_cli_runner().invoke(args=["evidence", "export", *args])
    assert result.exit_code != 0 and message in result.output


def test_the_command_refuses_in_production_without_a_key(app_factory, tmp_path):
    app = app_factory(EVIDENCE_PSEUDONYM_KEY="", APP_ENV="production")
    result = app.test_cli_runner().invoke(args=["evidence", "export", "--from", "2026-01", "--to", "2026-06",
                                                "--out", str(tmp_path / "x")])
    assert result.exit_code != 0 and "EVIDENCE_PSEUDONYM_KEY" in result.output
    assert not (tmp_path / "x").exists()


def test_the_key_may_come_from_a_file_and_must_not_be_short(tmp_path):
    key_file = tmp_path / "key"
    key_file.write_text("a key kept in a file, not the database\n")
    config = {"APP_ENV": "production", "EVIDENCE_PSEUDONYM_KEY_FILE": str(key_file)}
    assert pseudonyms.key_from(config, str(tmp_path)) == b"a key kept in a file, not the database"
    with pytest.raises(pseudonyms.KeyMissing):
        pseudonyms.key_from({"APP_ENV": "production", "EVIDENCE_PSEUDONYM_KEY": "short"}, str(tmp_path))
    with pytest.raises(pseudonyms.KeyMissing):
        pseudonyms.key_from({"APP_ENV": "production", "EVIDENCE_PSEUDONYM_KEY_FILE": str(tmp_path / "none")},
                            str(tmp_path))
    # Development makes one key in the instance folder and keeps it.
    made = pseudonyms.key_from({"APP_ENV": "development"}, str(tmp_path / "instance"))
    assert made == pseudonyms.key_from({"APP_ENV": "development"}, str(tmp_path / "instance"))


def test_person_level_rows_carry_the_hand_worked_values(app, in_app):
    _seed_people(6)
    with in_app():
        data = _build()
    referral = _read(data, "referrals.csv")[0]
    # Sent 2 February at 09:00, answered the next day, engaged on the 9th; reply asked by the 7th.
    assert {k: referral[k] for k in ("organisation", "service", "sent_month", "status", "days_to_answer",
                                     "answered_by_reply_date", "engaged", "completed", "did_not_engage")} == {
        "organisation": referral["organisation"], "service": "Help", "sent_month": "2026-02", "status": "engaged",
        "days_to_answer": "1", "answered_by_reply_date": "yes", "engaged": "yes", "completed": "no",
        "did_not_engage": "no"}
    entries = [r for r in _read(data, "plan_entries.csv") if r["person"] == referral["person"]]
    assert [(r["kind"], r["domain"], r["voice"], r["goal_status"], r["step_done"]) for r in entries] == [
        ("need", "housing", "person", "", ""), ("goal", "housing", "person", "in_progress", ""),
        ("step", "housing", "advocate", "", "no")]
    assert {r["month_written"] for r in entries} == {"2026-02"} and entries[2]["step_due_month"] == "2026-03"
    checks = [(r["month"], r["score"]) for r in _read(data, "check_ins.csv") if r["person"] == referral["person"]]
    assert checks == [("2026-02", "3"), ("2026-04", "6")]
    [review] = [r for r in _read(data, "reviews.csv") if r["person"] == referral["person"]]
    assert (review["due_month"], review["held_month"], review["held_on_time"]) == ("2026-03", "2026-03", "no")
