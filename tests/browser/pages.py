"""Every kind of page the app shows, as the demo users reach it, for the page-weight and accessibility checks.

Pat Rowe is added to the demo world for these checks (Alex's caseload, a login of Pat's own, a plan with
a need, a goal and a step, a check-in, consent to share with Harbour Housing Advice and a referral
there), so that every page has something on it without changing Sam, Jo or Ali, whom other browser
tests walk through.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from tests.browser.conftest import ADVOCATE, COORDINATOR, DEMO_PASSWORD, WORKER

PAT = "pat"  # Pat Rowe's own login


@dataclass(frozen=True)
class PageType:
    """One kind of page: who opens it, where (``{name}`` filled from the world's ids), and the status it answers."""

    name: str
    who: str | None
    path: str
    status: int = 200


PAGE_TYPES = [
    # Anyone
    PageType("login", None, "/login"),
    PageType("setup code", None, "/setup"),
    PageType("accessibility statement", None, "/accessibility"),
    PageType("not found", None, "/no-such-page", status=404),
    # The advocate
    PageType("caseload", ADVOCATE, "/people"),
    PageType("caseload search", ADVOCATE, "/people?q=Pat"),
    PageType("add a person", ADVOCATE, "/people/new"),
    PageType("person", ADVOCATE, "/people/{pat}"),
    PageType("edit person", ADVOCATE, "/people/{pat}/edit"),
    PageType("plan", ADVOCATE, "/people/{pat}/plan"),
    PageType("goal", ADVOCATE, "/people/{pat}/plan/goals/{goal}"),
    PageType("step history", ADVOCATE, "/people/{pat}/plan/items/{step}"),
    PageType("change a step", ADVOCATE, "/people/{pat}/plan/items/{step}/edit"),
    PageType("add a need", ADVOCATE, "/people/{pat}/plan/needs/new"),
    PageType("about me", ADVOCATE, "/people/{pat}/plan/about/matters"),
    PageType("review", ADVOCATE, "/people/{pat}/plan/review"),
    PageType("plan summary", ADVOCATE, "/people/{pat}/plan/summary"),
    PageType("journey", ADVOCATE, "/people/{pat}/journey"),
    PageType("check-in", ADVOCATE, "/people/{pat}/check-ins/new"),
    PageType("consents", ADVOCATE, "/people/{pat}/consents"),
    PageType("consent receipt", ADVOCATE, "/people/{pat}/consents/{consent}"),
    PageType("consent to share", ADVOCATE, "/people/{pat}/consents/sharing"),
    PageType("consent to texts", ADVOCATE, "/people/{pat}/consents/confirm?kind=sms"),
    PageType("sharing without consent", ADVOCATE, "/people/{pat}/overrides/new"),
    PageType("referrals of a person", ADVOCATE, "/people/{pat}/referrals"),
    PageType("find a service", ADVOCATE, "/people/{pat}/referrals/find?step={step}"),
    PageType("make a referral", ADVOCATE, "/people/{pat}/referrals/new?service={service}&step={step}"),
    PageType("access log", ADVOCATE, "/people/{pat}/access"),
    PageType("everything held", ADVOCATE, "/people/{pat}/export"),
    PageType("directory", ADVOCATE, "/directory"),
    PageType("service", ADVOCATE, "/directory/services/{service}"),
    PageType("account", ADVOCATE, "/account"),
    PageType("change password", ADVOCATE, "/account/password"),
    PageType("sign-in codes", ADVOCATE, "/account/two-factor"),
    PageType("texts about a person", ADVOCATE, "/people/{pat}/messages"),
    PageType("texts sent (development)", ADVOCATE, "/sms/console"),
    PageType("outcomes of a caseload", ADVOCATE, "/evidence"),
    PageType("what has changed for a person", ADVOCATE, "/people/{pat}/progress"),
    PageType("order of needs", ADVOCATE, "/people/{pat}/plan/order"),
    PageType("no direct contact", ADVOCATE, "/people/no-contact"),
    # The organisation worker
    PageType("inbox", WORKER, "/referrals"),
    PageType("inbox section", WORKER, "/referrals?section=new"),
    PageType("referral", WORKER, "/referrals/{referral}"),
    PageType("decline", WORKER, "/referrals/{referral}/decline"),
    PageType("shared with us", WORKER, "/shared"),
    PageType("shared person", WORKER, "/shared/{pat}"),
    PageType("edit service", WORKER, "/directory/services/{service}/edit"),
    PageType("feedback on our help", WORKER, "/organisation/verdicts"),
    # The person
    PageType("my plan", PAT, "/me"),
    PageType("my goal", PAT, "/people/{pat}/plan/goals/{goal}"),
    PageType("withdraw my agreement", PAT, "/people/{pat}/plan/agreement/withdraw"),
    PageType("my details", PAT, "/me/details"),
    PageType("my referrals", PAT, "/people/{pat}/referrals"),
    PageType("my consents", PAT, "/people/{pat}/consents"),
    PageType("who has seen my record", PAT, "/people/{pat}/access"),
    PageType("what has changed for me", PAT, "/me/progress"),
    PageType("my sign-in codes", PAT, "/account/two-factor"),
    PageType("how useful was the help", PAT, "/people/{pat}/referrals/{referral}/verdict"),
    # The coordinator
    PageType("coordinator overview", COORDINATOR, "/admin"),
    PageType("users", COORDINATOR, "/admin/users"),
    PageType("add a user", COORDINATOR, "/admin/users/new"),
    PageType("organisations", COORDINATOR, "/admin/organisations"),
    PageType("organisation", COORDINATOR, "/admin/organisations/{organisation}"),
    PageType("who advocates for whom", COORDINATOR, "/admin/people"),
    PageType("assign an advocate", COORDINATOR, "/admin/people/{pat}/advocates"),
    PageType("sharing decisions", COORDINATOR, "/admin/overrides"),
    PageType("break glass", COORDINATOR, "/admin/people/{pat}/break-glass"),
    PageType("harm links", COORDINATOR, "/admin/people/{pat}/links"),
    PageType("evidence dashboard", COORDINATOR, "/evidence"),
    PageType("anonymised export", COORDINATOR, "/evidence/export"),
    PageType("evaluation plans", COORDINATOR, "/evidence/plans"),
    PageType("write an evaluation plan", COORDINATOR, "/evidence/plans/new"),
    PageType("evaluation report", COORDINATOR, "/evidence/plans/{evaluation}"),
    PageType("amend an evaluation plan", COORDINATOR, "/evidence/plans/{evaluation}/amend"),
    PageType("partnership reviews", COORDINATOR, "/partnership/reviews"),
    PageType("partnership review", COORDINATOR, "/partnership/reviews/{organisation}"),
]


def page_id(page: PageType) -> str:
    return page.name.replace(" ", "-")


def build_pat(app) -> dict:
    """Add Pat Rowe and everything around them to the demo world (once); returns the ids the pages need."""
    from advocate_app import db
    from advocate_app.accounts import passwords
    from advocate_app.accounts.models import Role, User
    from advocate_app.clock import local_today
    from advocate_app.consent.models import Category
    from advocate_app.directory.models import Organisation, Service
    from advocate_app.evidence import evaluation
    from advocate_app.people import services as people
    from advocate_app.people.models import Person
    from advocate_app.plans import outcomes
    from advocate_app.plans import services as plans
    from advocate_app.plans.models import AboutTopic, ItemKind, RatedBy, StepOwner
    from advocate_app.referrals import services as referrals
    from tests import factories

    with app.test_request_context():
        existing = db.session.scalar(select(Person).where(Person.preferred_name == "Pat Rowe"))
        if existing is not None:
            return app.config["PAGE_TYPE_IDS"]
        alex = db.session.scalar(select(User).where(User.email == ADVOCATE))
        harbour = db.session.scalar(select(Organisation).where(Organisation.name == "Harbour Housing Advice"))
        service = db.session.scalar(select(Service).where(Service.organisation_id == harbour.id).limit(1))
        pat = people.create_person(
            people.PersonDetails(preferred_name="Pat Rowe", phone_e164="+447700900789"), advocate=alex
        )
        db.session.add(
            User(
                username=PAT,
                display_name="Pat Rowe",
                role=Role.INDIVIDUAL,
                person_id=pat.id,
                password_hash=passwords.hash_password(DEMO_PASSWORD),
            )
        )
        plan = plans.plan_for(pat.id, by=alex)
        plans.add_item(
            plan, ItemKind.ABOUT, plans.ItemFields("My children and my dog", topic=AboutTopic.MATTERS), by=alex
        )
        need = plans.add_item(
            plan, ItemKind.NEED, plans.ItemFields("Somewhere safe to live", domain="housing", priority=1), by=alex
        )
        goal = plans.add_item(plan, ItemKind.GOAL, plans.ItemFields("Move before the winter"), by=alex, parent=need)
        step = plans.add_item(
            plan,
            ItemKind.STEP,
            plans.ItemFields("Ring the housing advice line", owner=StepOwner.ORGANISATION, due_date=local_today()),
            by=alex,
            parent=goal,
        )
        outcomes.record_check_in(
            pat.id, domain="housing", score=4, rated_by=RatedBy.TOGETHER, taken_on=local_today(), by=alex
        )
        given = factories.sharing(pat, harbour, list(Category), by=alex, purpose="help Pat find a home")
        referral = referrals.make_referral(
            pat, service, categories=[Category.NEEDS], by=alex, today=local_today(), step=step, note="Evenings only."
        )
        coordinator = db.session.scalar(select(User).where(User.email == COORDINATOR))
        fields = evaluation.PlanFields(
            title="Safer at home",
            question="Do people feel better about their housing six months after their plan starts?",
            measures=list(evaluation.MEASURES),
            organisation_id=None,
            cohort_from=local_today().replace(day=1),
            cohort_to=local_today().replace(day=1),
            follow_up_months=[3, 6],
            window_days=30,
            min_cell=5,
            baseline_months=3,
        )
        evaluation_plan = evaluation.write_draft(None, fields, by=coordinator)
        evaluation.lock(evaluation_plan, by=coordinator)
        fields.follow_up_months = [3, 6, 12]
        evaluation.amend(evaluation_plan, fields, "The funder asked for a year.", by=coordinator)
        db.session.commit()
        ids = {
            "evaluation": evaluation_plan.id,
            "pat": pat.id,
            "goal": goal.id,
            "step": step.id,
            "consent": given.id,
            "service": service.id,
            "referral": referral.id,
            "organisation": harbour.id,
        }
    app.config["PAGE_TYPE_IDS"] = ids
    return ids
