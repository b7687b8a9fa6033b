"""Long lists stay quick and small: the caseload and the inbox a page at a time, steps on their goal's page.

Each page's queries stay the same whatever the number of rows behind it.
"""

from __future__ import annotations

import re

import pytest

from advocate_app import config as app_config
from advocate_app import create_app, db
from advocate_app.plans import services as plans
from advocate_app.plans.models import ItemKind
from tests import factories
from tests.conftest import as_read, count_queries
from tests.test_referrals_inbox import add_service, harbour, refer  # noqa: F401 - the inbox's fixture

NAME = re.compile(r'<h2 class="govuk-heading-s app-card__title"><a class="govuk-link" href="/people/\d+">([^<]+)</a>')


def names_on(client, path: str) -> list[str]:
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return NAME.findall(as_read(response.get_data(as_text=True)))


@pytest.fixture
def busy_advocate(app):
    """Alex, with 30 people on the caseload: Person 01 to Person 30."""
    alex = factories.advocate(name="Alex")
    for n in range(1, 31):
        factories.person(alex, name=f"Person {n:02d}")
    return alex


def test_the_caseload_shows_25_people_a_page_by_name_with_a_link_to_the_next(client, login, busy_advocate):
    login(client, busy_advocate)
    first = as_read(client.get("/people").get_data(as_text=True))
    assert NAME.findall(first) == [f"Person {n:02d}" for n in range(1, 26)]
    assert "1 to 25 of 30 people, by name." in first
    assert 'href="/people?page=2"' in first and "Next page" in first
    second = as_read(client.get("/people?page=2").get_data(as_text=True))
    assert NAME.findall(second) == [f"Person {n:02d}" for n in range(26, 31)]
    assert 'href="/people?page=1"' in second and "Previous page" in second


@pytest.mark.parametrize("page", ["abc", "-3", "0", "99999999999"])
def test_an_odd_page_number_shows_a_page_that_exists(client, login, busy_advocate, page):
    login(client, busy_advocate)
    assert names_on(client, f"/people?page={page}")


def test_searching_the_caseload_finds_names_containing_the_words(client, login, busy_advocate):
    login(client, busy_advocate)
    page = as_read(client.get("/people?q=son 1").get_data(as_text=True))
    assert NAME.findall(page) == [f"Person {n}" for n in range(10, 20)]
    assert "10 people whose names contain “son 1”." in page and "Show everyone" in page
    # Typed wildcards are letters like any other.
    assert names_on(client, "/people?q=%25") == []
    assert "0 people whose names contain “%”." in as_read(client.get("/people?q=%25").get_data(as_text=True))


def test_caseload_search_shows_what_was_typed_as_text_not_markup(client, login, busy_advocate):
    login(client, busy_advocate)
    page = as_read(client.get("/people?q=<b>x</b>").get_data(as_text=True))
    assert "<b>x</b>" not in page and "&lt;b&gt;x&lt;/b&gt;" in page


def test_caseload_queries_do_not_grow_with_the_people_on_it(app, client, login):
    alex = factories.advocate(name="Alex")
    factories.person(alex, name="Only one")
    login(client, alex)
    one = count_queries(app, client, "/people")
    for n in range(30):
        factories.person(alex, name=f"Person {n}")
    assert count_queries(app, client, "/people") == one


def test_the_inbox_shows_five_of_a_section_and_lists_the_rest_25_a_page(client, login, harbour, in_app):  # noqa: F811
    alex, sam, organisation, wren, _step = harbour
    service_id = add_service(in_app, organisation)
    for _ in range(30):
        refer(in_app, alex, sam, service_id)
    login(client, wren)
    overview = as_read(client.get("/referrals").get_data(as_text=True))
    new = re.search(r'aria-labelledby="new">(.*?)</section>', overview, re.S).group(1)
    assert new.count("app-inbox__row") == 5 and "New <span" in new and "(30)" in new
    assert 'href="/referrals?section=new"' in new and "See all 30" in new

    listed = as_read(client.get("/referrals?section=new").get_data(as_text=True))
    assert listed.count("app-inbox__row") == 25 and "1 to 25 of 30, soonest reply date first." in listed
    assert 'href="/referrals?page=2&amp;section=new"' in listed and "All referrals" in listed
    assert as_read(client.get("/referrals?section=new&page=2").get_data(as_text=True)).count("app-inbox__row") == 5
    # An unknown section is the whole inbox.
    assert client.get("/referrals?section=nonsense").status_code == 200


def _plan_with(in_app, advocate, person, goals: int, steps: int) -> int:
    with in_app():
        plan = plans.plan_for(person.id, by=advocate)
        fields = plans.ItemFields("Housing", domain="housing", priority=1)
        need = plans.add_item(plan, ItemKind.NEED, fields, by=advocate)
        goal_id = None
        for g in range(goals):
            goal = plans.add_item(plan, ItemKind.GOAL, plans.ItemFields(f"Goal {g}"), by=advocate, parent=need)
            goal_id = goal.id
            for s in range(steps):
                plans.add_item(plan, ItemKind.STEP, plans.ItemFields(f"Step {g}.{s}"), by=advocate, parent=goal)
        db.session.commit()
        return goal_id


def test_the_plan_counts_each_goals_steps_and_the_goal_page_lists_them(client, login, in_app):
    alex = factories.advocate(name="Alex")
    sam = factories.person(alex, name="Sam")
    goal_id = _plan_with(in_app, alex, sam, goals=1, steps=3)
    login(client, alex)
    plan = as_read(client.get(f"/people/{sam.id}/plan").get_data(as_text=True))
    assert "3 steps" in plan and "0 done" in plan and "Step 0.0" not in plan
    goal = as_read(client.get(f"/people/{sam.id}/plan/goals/{goal_id}").get_data(as_text=True))
    assert all(f"Step 0.{s}" in goal for s in range(3)) and "Mark as done" in goal


def test_plan_and_goal_queries_do_not_grow_with_goals_and_steps(app, client, login, in_app):
    alex = factories.advocate(name="Alex")
    small, big = factories.person(alex, name="Small"), factories.person(alex, name="Big")
    small_goal = _plan_with(in_app, alex, small, goals=1, steps=1)
    big_goal = _plan_with(in_app, alex, big, goals=10, steps=6)
    login(client, alex)
    for path in (f"/people/{small.id}/plan", f"/people/{big.id}/plan"):
        client.get(path)  # the first look is recorded; count the ones after
    assert count_queries(app, client, f"/people/{small.id}/plan") == count_queries(
        app, client, f"/people/{big.id}/plan"
    )
    assert count_queries(app, client, f"/people/{small.id}/plan/goals/{small_goal}") == count_queries(
        app, client, f"/people/{big.id}/plan/goals/{big_goal}"
    )


def test_a_goal_page_of_someone_else_or_of_a_need_is_not_found(client, login, in_app):
    alex = factories.advocate(name="Alex")
    sam, jo = factories.person(alex, name="Sam"), factories.person(alex, name="Jo")
    goal_id = _plan_with(in_app, alex, sam, goals=1, steps=1)
    login(client, alex)
    assert client.get(f"/people/{jo.id}/plan/goals/{goal_id}").status_code == 404
    assert client.get(f"/people/{sam.id}/plan/goals/{goal_id - 1}").status_code == 404  # the need
    assert client.get(f"/people/{sam.id}/plan/goals/999999").status_code == 404


def test_the_bench_floor_exists_only_when_turned_on_and_never_in_production(app, client, login, tmp_path):
    assert client.get("/bench/floor").status_code == 404
    bench = create_app(app_config.for_tests(tmp_path, BENCH_ROUTES=True))
    response = bench.test_client().get("/bench/floor")
    assert response.status_code == 302 and "X-Query-Count" in response.headers  # signed-in only
    with pytest.raises(RuntimeError):
        create_app(app_config.for_tests(tmp_path, BENCH_ROUTES=True, APP_ENV="production"))
