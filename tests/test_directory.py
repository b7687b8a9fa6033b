"""The directory: HSDS 3.0 import and export on the command line, and the pages staff use to keep it current."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from advocate_app import db
from advocate_app.directory.models import (
    CapacityStatus,
    Organisation,
    OrganisationKind,
    Service,
    ServiceArea,
    ServiceLanguage,
    ServiceNeedDomain,
    ServicePhone,
)
from tests import factories
from tests.conftest import count_queries, csrf_from, form_post

FIXTURES = Path(__file__).parent / "fixtures" / "hsds"
EXAMPLES = ["service_full.json", "service_list.json"]
COUNTERPART_ID = "ac148810-d857-441c-9679-408f346de14b"


def run(app, *args, input=None):
    return app.test_cli_runner().invoke(args=["directory", *args], input=input)


def export(app) -> str:
    result = run(app, "export")
    assert result.exit_code == 0, result.output
    return result.output


def counts(app) -> dict:
    with app.app_context():
        return {
            model.__name__: db.session.scalar(select(func.count()).select_from(model))
            for model in (Organisation, Service, ServicePhone, ServiceArea, ServiceLanguage, ServiceNeedDomain)
        }


@pytest.fixture
def seeded(app):
    """A directory of our own making: two organisations, three services with every field set."""
    with app.app_context():
        harbour = Organisation(name="Harbour Housing", kind=OrganisationKind.VOLUNTARY, description="Housing help",
                               phone="01234 567890", website="https://harbour.example.org")
        council = Organisation(name="Northshire Council", kind=OrganisationKind.STATUTORY, description="")
        db.session.add_all([harbour, council])
        db.session.flush()
        db.session.add_all([
            Service(organisation_id=harbour.id, name="Housing advice", description="Advice on tenancies",
                    eligibility_description="Anyone renting", minimum_age=16,
                    capacity_status=CapacityStatus.WAITING_LIST, response_target_days=3,
                    url="https://harbour.example.org/advice", email="advice@example.org",
                    area_description="Northshire; Eastport",
                    areas=[ServiceArea(name="Northshire"), ServiceArea(name="Eastport", description="EP1 to EP9")],
                    phones=[ServicePhone(number="01234 567891", description="Weekdays 9 to 5")],
                    need_domains=[ServiceNeedDomain(domain="housing"), ServiceNeedDomain(domain="money")],
                    languages=[ServiceLanguage(language="pl"), ServiceLanguage(language="en")]),
            Service(organisation_id=harbour.id, name="Tenancy support", area_description="Northshire",
                    capacity_status=CapacityStatus.CLOSED, response_target_days=10),
            Service(organisation_id=council.id, name="Early help", maximum_age=18,
                    need_domains=[ServiceNeedDomain(domain="children_parenting")]),
        ])
        db.session.commit()
    return app


# --- the Open Referral examples ------------------------------------------------------------------


@pytest.mark.parametrize("example", EXAMPLES)
def test_each_spec_example_imports_exports_and_reimports_to_the_same_directory(app_factory, example):
    first = app_factory()
    result = run(first, "import", str(FIXTURES / example))
    assert result.exit_code == 0, result.output
    assert "Created 2, updated 0, skipped 0" in result.output
    assert "without need domains" in result.output
    exported = export(first)
    page = json.loads(exported)
    assert page["total_items"] == 1 and page["first_page"] and page["last_page"] and not page["empty"]
    service = page["contents"][0]
    assert service["id"] == COUNTERPART_ID and service["organization"]["name"] == "Example Organization Inc."
    assert service["minimum_age"] == 12 and service["maximum_age"] == 100
    assert service["eligibility_description"].startswith("This service is intended")

    wiped = app_factory()
    assert counts(wiped)["Service"] == 0
    again = run(wiped, "import", "-", input=exported)
    assert again.exit_code == 0, again.output
    assert export(wiped) == exported


def test_the_full_example_keeps_its_phones_areas_and_languages(app):
    assert run(app, "import", str(FIXTURES / "service_full.json")).exit_code == 0
    with app.app_context():
        service = db.session.scalar(select(Service).where(Service.hsds_id == COUNTERPART_ID))
        phones = db.session.scalars(select(ServicePhone.number)).all()
        areas = db.session.scalars(select(ServiceArea.description)).all()
        languages = db.session.scalars(select(ServiceLanguage.language)).all()
        organisation = db.session.get(Organisation, service.organisation_id)
    assert phones == ["+44 1234 234567"]  # the service's phone and its contact's are the same record
    assert areas == ["The service is available to all residents of the MyCity area, including all postcodes "
                     "starting with AB1, AB2, and AB3"]
    assert languages == ["ur"]
    assert service.capacity_status is CapacityStatus.OPEN and service.url == "http://example.com/counselling"
    assert service.last_confirmed_at.date().isoformat() == "2005-01-01"
    assert organisation.phone == "+44 1234 234567" and organisation.kind is OrganisationKind.OTHER


def test_importing_twice_creates_nothing_the_second_time(app):
    assert run(app, "import", str(FIXTURES / "service_full.json")).exit_code == 0
    before = counts(app)
    second = run(app, "import", str(FIXTURES / "service_full.json"))
    assert second.exit_code == 0
    assert "Created 0, updated 0, skipped 2 (unchanged)" in second.output
    assert counts(app) == before


def test_the_list_example_after_the_full_one_keeps_what_the_list_leaves_out(app):
    """A list endpoint sends services without phones, areas or languages: absent is not "none"."""
    assert run(app, "import", str(FIXTURES / "service_full.json")).exit_code == 0
    before = export(app)
    result = run(app, "import", str(FIXTURES / "service_list.json"))
    assert "Created 0, updated 0, skipped 2" in result.output
    assert export(app) == before


def test_an_update_keeps_our_capacity_and_response_target(app):
    assert run(app, "import", str(FIXTURES / "service_full.json")).exit_code == 0
    with app.app_context():
        service = db.session.scalar(select(Service).where(Service.hsds_id == COUNTERPART_ID))
        service.capacity_status = CapacityStatus.CLOSED
        service.response_target_days = 9
        db.session.commit()
    changed = json.loads((FIXTURES / "service_full.json").read_text())
    changed["name"] = "Community Counselling Service"
    result = run(app, "import", "-", input=json.dumps(changed))
    assert "updated: service 'Community Counselling Service'" in result.output
    with app.app_context():
        service = db.session.scalar(select(Service).where(Service.hsds_id == COUNTERPART_ID))
    assert service.name == "Community Counselling Service"
    assert service.capacity_status is CapacityStatus.CLOSED and service.response_target_days == 9


def test_a_taxonomy_term_named_like_one_of_our_domains_becomes_a_need_domain(app):
    service = json.loads((FIXTURES / "service_full.json").read_text())
    service["attributes"][0]["taxonomy_term"].update(name="Housing", taxonomy="Example taxonomy")
    result = run(app, "import", "-", input=json.dumps(service))
    assert result.exit_code == 0 and "without need domains" not in result.output
    with app.app_context():
        assert db.session.scalars(select(ServiceNeedDomain.domain)).all() == ["housing"]


# --- our own directory ---------------------------------------------------------------------------


def test_our_export_reimported_into_the_same_directory_changes_nothing(seeded):
    exported = export(seeded)
    before = counts(seeded)
    result = run(seeded, "import", "-", input=exported)
    assert result.exit_code == 0, result.output
    assert "Created 0, updated 0, skipped 5 (unchanged)" in result.output
    assert counts(seeded) == before
    assert export(seeded) == exported


def test_our_export_survives_a_wipe_with_capacity_domains_and_kind(seeded, app_factory, tmp_path):
    target = tmp_path / "directory.json"
    assert run(seeded, "export", str(target)).exit_code == 0
    exported = target.read_text(encoding="utf-8")
    wiped = app_factory()
    assert run(wiped, "import", str(target)).exit_code == 0
    assert export(wiped) == exported
    with wiped.app_context():
        advice = db.session.scalar(select(Service).where(Service.name == "Housing advice"))
        council = db.session.scalar(select(Organisation).where(Organisation.name == "Northshire Council"))
        domains = db.session.scalars(select(ServiceNeedDomain.domain).where(ServiceNeedDomain.service_id == advice.id))
        assert sorted(domains) == ["housing", "money"]
    assert advice.capacity_status is CapacityStatus.WAITING_LIST and advice.response_target_days == 3
    assert council.kind is OrganisationKind.STATUTORY


def test_an_empty_directory_exports_an_empty_page(app):
    page = json.loads(export(app))
    assert page["contents"] == [] and page["empty"] is True and page["total_items"] == 0


# --- bad input changes nothing -------------------------------------------------------------------


def _page(*services) -> str:
    return json.dumps({"total_items": len(services), "contents": list(services)})


def _service(**changes) -> dict:
    service = {"id": "new-service", "name": "New service", "status": "active",
               "organization": {"id": "new-org", "name": "New org", "description": ""}}
    service.update(changes)
    return service


MALFORMED = {
    "not json": ("{\"contents\": [", "(top level): not valid JSON"),
    "a bare string": ("\"services\"", "(top level): expected a service, an array of services or a list page"),
    "contents not an array": (json.dumps({"contents": {}}), "contents: expected an array, got an object"),
    "organisation without a name": (
        _page(_service(), _service(id="b"), _service(id="c", organization={"id": "o"})),
        "contents[2].organization.name: missing",
    ),
    "service without an id": (_page(_service(id=None)), "contents[0].id: missing"),
    "age as words": (json.dumps([_service(minimum_age="twelve")]), "[0].minimum_age: expected a number, got a string"),
    "phones not an array": (json.dumps(_service(phones={"number": "1"})), "phones: expected an array, got an object"),
    "phone without a number": (json.dumps(_service(phones=[{"id": "p"}])), "phones[0].number: missing"),
    "unknown status": (_page(_service(status="open")), "contents[0].status: expected one of active"),
    "same id twice": (_page(_service(), _service()), "contents[1].id: the same service id as contents[0].id"),
    "unknown organisation": (
        _page(_service(organization=None, organization_id="nowhere")),
        "contents[0].organization_id: no such organisation",
    ),
    "name too long": (_page(_service(name="x" * 201)), "contents[0].name: too long (201 characters; at most 200)"),
}


@pytest.mark.parametrize("variant", MALFORMED, ids=list(MALFORMED))
def test_a_malformed_file_changes_nothing_and_names_the_path_and_the_problem(app, variant):
    assert run(app, "import", str(FIXTURES / "service_full.json")).exit_code == 0
    before, exported = counts(app), export(app)
    text, problem = MALFORMED[variant]
    result = run(app, "import", "-", input=text)
    assert result.exit_code != 0
    assert "nothing was changed" in result.output
    assert problem in result.output, result.output
    assert counts(app) == before and export(app) == exported


def test_every_problem_in_a_file_is_reported_at_once(app):
    result = run(app, "import", "-", input=_page(_service(id=None), _service(id="b", maximum_age=-1)))
    assert "contents[0].id: missing" in result.output
    assert "contents[1].maximum_age: expected a whole number from 0 to 150, got -1" in result.output


def test_a_file_that_is_not_utf8_is_refused(app):
    result = run(app, "import", "-", input=b"\xff\xfe{}")
    assert result.exit_code != 0 and "not UTF-8" in result.output


def test_a_dry_run_reports_and_changes_nothing(app):
    result = run(app, "import", "--dry-run", str(FIXTURES / "service_full.json"))
    assert result.exit_code == 0 and "Dry run" in result.output and "Created 2" in result.output
    assert counts(app)["Service"] == 0


# --- the pages -----------------------------------------------------------------------------------


def _service_in(app, organisation_id: int, name: str = "Housing advice", **fields) -> Service:
    with app.app_context():
        service = Service(organisation_id=organisation_id, name=name, **fields)
        db.session.add(service)
        db.session.commit()
        return service


def _confirmed_at(app, service_id: int) -> datetime:
    with app.app_context():
        return db.session.get(Service, service_id).last_confirmed_at


def test_an_advocate_browses_and_filters_the_directory_and_sees_when_entries_were_confirmed(app, client, login):
    org = factories.organisation("Harbour")
    _service_in(app, org.id, need_domains=[ServiceNeedDomain(domain="housing")], area_description="Eastport",
                languages=[ServiceLanguage(language="pl")])
    _service_in(app, org.id, "Debt clinic", need_domains=[ServiceNeedDomain(domain="money")],
                capacity_status=CapacityStatus.CLOSED)
    login(client, factories.advocate())
    page = client.get("/directory").get_data(as_text=True)
    assert "Housing advice" in page and "Debt clinic" in page and "Last confirmed" in page
    assert "Housing advice" not in client.get("/directory?domain=money").get_data(as_text=True)
    assert "Debt clinic" not in client.get("/directory?capacity=open").get_data(as_text=True)
    assert "Debt clinic" not in client.get("/directory?area=eastport").get_data(as_text=True)
    assert "Debt clinic" not in client.get("/directory?language=pl").get_data(as_text=True)
    assert "Debt clinic" in client.get("/directory?domain=nonsense&capacity=full").get_data(as_text=True)


def test_an_advocate_reads_an_entry_but_cannot_edit_or_confirm_it(app, client, login):
    service = _service_in(app, factories.organisation().id)
    login(client, factories.advocate())
    page = client.get(f"/directory/services/{service.id}")
    assert page.status_code == 200 and "Edit this entry" not in page.get_data(as_text=True)
    assert client.get(f"/directory/services/{service.id}/edit").status_code == 403
    token = csrf_from(client.get("/account").get_data(as_text=True))
    assert client.post(f"/directory/services/{service.id}/confirm", data={"csrf_token": token}).status_code == 403


EDIT = {"name": "Housing advice", "capacity": "waiting_list", "response_target_days": "4", "need_domains": "housing",
        "languages": ["pl", "ur"], "areas": "Northshire\nEastport", "phones": "01234 567890, weekdays",
        "minimum_age": "16"}


def test_an_org_worker_keeps_their_own_service_current(app, client, login):
    org = factories.organisation()
    service = _service_in(app, org.id, last_confirmed_at=datetime.now(UTC) - timedelta(days=90))
    login(client, factories.org_worker(organisation_id=org.id))
    assert "Edit this entry" in client.get(f"/directory/services/{service.id}").get_data(as_text=True)
    response = form_post(client, f"/directory/services/{service.id}/edit", EDIT)
    assert response.status_code == 302
    with app.app_context():
        saved = db.session.get(Service, service.id)
        areas = db.session.scalars(select(ServiceArea.name).where(ServiceArea.service_id == service.id)).all()
        languages = db.session.scalars(select(ServiceLanguage.language)).all()
        phones = db.session.scalars(select(ServicePhone.description)).all()
    assert saved.capacity_status is CapacityStatus.WAITING_LIST and saved.response_target_days == 4
    assert saved.minimum_age == 16 and saved.area_description == "Northshire; Eastport"
    assert areas == ["Northshire", "Eastport"] and sorted(languages) == ["pl", "ur"] and phones == ["weekdays"]
    assert saved.last_confirmed_at > datetime.now(UTC) - timedelta(minutes=1)


def test_an_org_worker_cannot_edit_another_organisations_service(app, client, login):
    service = _service_in(app, factories.organisation().id)
    login(client, factories.org_worker())
    assert "Edit this entry" not in client.get(f"/directory/services/{service.id}").get_data(as_text=True)
    assert client.get(f"/directory/services/{service.id}/edit").status_code == 403
    token = csrf_from(client.get("/account").get_data(as_text=True))
    response = client.post(f"/directory/services/{service.id}/edit", data={"csrf_token": token, **EDIT})
    assert response.status_code == 403
    with app.app_context():
        assert db.session.get(Service, service.id).capacity_status is CapacityStatus.OPEN


def test_confirming_an_entry_updates_when_it_was_last_confirmed(app, client, login):
    org = factories.organisation()
    service = _service_in(app, org.id, last_confirmed_at=datetime(2024, 1, 5, tzinfo=UTC))
    login(client, factories.org_worker(organisation_id=org.id))
    response = form_post(client, f"/directory/services/{service.id}/confirm", {},
                         token_from=f"/directory/services/{service.id}")
    assert response.status_code == 302
    assert _confirmed_at(app, service.id) > datetime.now(UTC) - timedelta(minutes=1)
    assert "5 January 2024" not in client.get(f"/directory/services/{service.id}").get_data(as_text=True)


def test_a_coordinator_edits_any_service_and_adds_one_to_an_organisation(app, client, login):
    org = factories.organisation("Harbour")
    service = _service_in(app, org.id)
    login(client, factories.coordinator())
    assert form_post(client, f"/directory/services/{service.id}/edit", {**EDIT, "name": "Renamed"}).status_code == 302
    response = form_post(client, f"/admin/organisations/{org.id}/services/new",
                         {"name": "Money advice", "capacity": "open", "response_target_days": "5",
                          "need_domains": "money"})
    assert response.status_code == 302
    with app.app_context():
        names = set(db.session.scalars(select(Service.name).where(Service.organisation_id == org.id)))
    assert names == {"Renamed", "Money advice"}
    assert "Money advice" in client.get(f"/admin/organisations/{org.id}").get_data(as_text=True)


def test_a_mistake_in_the_form_is_shown_and_nothing_is_saved(app, client, login):
    org = factories.organisation()
    service = _service_in(app, org.id)
    login(client, factories.coordinator())
    response = form_post(client, f"/directory/services/{service.id}/edit",
                         {**EDIT, "minimum_age": "sixteen", "maximum_age": "12", "response_target_days": ""})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "There is a problem" in page
    assert "Youngest age must be a whole number" in page and "how many days" in page
    with app.app_context():
        assert db.session.get(Service, service.id).capacity_status is CapacityStatus.OPEN


def test_an_advocate_cannot_add_a_service(app, client, login):
    org = factories.organisation()
    login(client, factories.advocate())
    assert client.get(f"/admin/organisations/{org.id}/services/new").status_code == 403



def _add_services(app, organisation_id: int, number: int, start: int = 0) -> None:
    with app.app_context():
        for n in range(start, start + number):
            db.session.add(Service(
                organisation_id=organisation_id, name=f"Service {n:02d}", area_description="Northshire",
                need_domains=[ServiceNeedDomain(domain="housing")], languages=[ServiceLanguage(language="pl")],
                areas=[ServiceArea(name="Northshire")], phones=[ServicePhone(number="01234 567890")],
            ))
        db.session.commit()


def test_the_directory_list_takes_the_same_number_of_queries_for_1_or_20_services(app, client, login):
    org = factories.organisation()
    login(client, factories.advocate())
    _add_services(app, org.id, 1)
    client.get("/directory")  # warm up anything done once per session
    one = count_queries(app, client, "/directory")
    _add_services(app, org.id, 19, start=1)
    twenty = count_queries(app, client, "/directory")
    assert "Service 19" in client.get("/directory").get_data(as_text=True)
    assert one == twenty
    assert count_queries(app, client, "/directory?domain=housing&area=north&language=pl&capacity=open") == one
