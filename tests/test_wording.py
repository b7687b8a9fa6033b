"""The right words to the right reader: Sam reads about themselves, Alex (their advocate) reads about Sam.

Pages of each side are rendered in every language and searched for the wordings meant for the other side,
as the one helper (``advocate_app.wording``) words them. Then the credit under an entry, the accessible
names of its controls, agreeing the plan, the list of changes, empty "about me" sections and the short
way to a referral.
"""

from __future__ import annotations

import html
import re

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from advocate_app import db
from advocate_app.accounts.models import User
from advocate_app.consent.models import Category
from advocate_app.directory.models import CapacityStatus, Service, ServiceLanguage, ServiceNeedDomain
from advocate_app.plans import services as plans
from advocate_app.plans.models import AboutTopic, ItemKind, PlanAgreement, PlanItem, StepOwner
from advocate_app.referrals.models import Referral
from advocate_app.sms import messages
from advocate_app.wording import ABOUT, ABOUT_TOPICS, CATEGORIES, FORM_LABELS, STEP_OWNERS, Reader, sms_template
from tests import factories
from tests.conftest import as_read, form_post

LANGUAGES = ["en", "cy", "pl", "ur"]
NEED = "Somewhere safe to live, away from the old area and near my sister"
GOAL = "Move before the winter"
STEP = "Ring the housing advice line"


@pytest.fixture
def visit(app, in_app):
    """Alex advocates for Sam (who has a login); Sam's plan has a need, a goal and a step; Sam agreed to share
    everything with Harbour Housing Advice, which has an open housing service."""
    alex = factories.advocate(name="Alex Morgan")
    sam = factories.person(alex, name="Sam")
    sam_login = factories.individual(sam, username="sam")
    harbour = factories.organisation("Harbour Housing Advice")
    with in_app():
        service = Service(
            organisation_id=harbour.id,
            name="Housing advice line",
            capacity_status=CapacityStatus.OPEN,
            response_target_days=3,
            need_domains=[ServiceNeedDomain(domain="housing")],
            languages=[ServiceLanguage(language="en")],
        )
        db.session.add(service)
        alex_user = db.session.get(User, alex.id)
        plan = plans.start_plan(sam.id, by=alex_user)
        need = plans.add_item(
            plan, ItemKind.NEED, plans.ItemFields(NEED, domain="housing", priority=1), by=alex_user
        )
        goal = plans.add_item(plan, ItemKind.GOAL, plans.ItemFields(GOAL), by=alex_user, parent=need)
        step = plans.add_item(
            plan, ItemKind.STEP, plans.ItemFields(STEP, owner=StepOwner.ADVOCATE), by=alex_user, parent=goal
        )
        factories.sharing(sam, harbour, list(Category), by=alex_user, purpose="help find a safe home")
        db.session.commit()
        ids = {"need": need.id, "goal": goal.id, "step": step.id, "service": service.id}
    return alex, sam, sam_login, ids


def _speak(in_app, users, language):
    with in_app():
        for user in users:
            db.session.get(User, user.id).locale = language
        db.session.commit()


def _labels(page: str) -> list[str]:
    """The visible text of every label and legend on the page."""
    found = re.findall(r"<(?:label|legend)[^>]*>(.*?)</(?:label|legend)>", page, re.S)
    return [html.unescape(re.sub(r"<[^>]+>", "", text)).strip() for text in found]


def _headings(page: str) -> list[str]:
    found = re.findall(r"<h[1-4][^>]*>(.*?)</h[1-4]>", page, re.S)
    return [html.unescape(re.sub(r"<[^>]+>|\s+", " ", re.sub(r"<strong.*?</strong>", "", t, flags=re.S))).strip()
            for t in found]


def _worded(app, language, worded, reader, name="Sam"):
    with app.test_request_context(), force_locale(language):
        return worded.say(reader, name)


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_side_reads_the_words_meant_for_them_in_every_language(
    app, client, new_client, login, in_app, visit, language
):
    alex, sam, sam_login, ids = visit
    _speak(in_app, [alex, sam_login], language)
    phone, office = client, new_client()
    login(phone, sam_login)
    login(office, alex)

    def words(table, reader):
        return {key: _worded(app, language, worded, reader) for key, worded in table.items()}

    # Who will do a step: "Sam / You" for Alex, "Me / My advocate" for Sam.
    step_form = f"/people/{sam.id}/plan/items/{ids['goal']}/steps/new"
    staff_owners = words(STEP_OWNERS, Reader.ADVOCATE)
    person_owners = words(STEP_OWNERS, Reader.PERSON)
    staff_labels = _labels(as_read(office.get(step_form).get_data(as_text=True)))
    person_labels = _labels(as_read(phone.get(step_form).get_data(as_text=True)))
    assert [staff_owners[o] for o in StepOwner] == [label for label in staff_labels if label in staff_owners.values()]
    assert staff_owners[StepOwner.ME] == "Sam"
    for owner in (StepOwner.ME, StepOwner.ADVOCATE):
        assert person_owners[owner] not in staff_labels
        assert staff_owners[owner] not in person_labels
        assert person_owners[owner] in person_labels

    # What Harbour will see: "Sam's contact details" on Alex's referral form, never "your contact details".
    referral_form = as_read(office.get(
        f"/people/{sam.id}/referrals/new?service={ids['service']}&step={ids['step']}"
    ).get_data(as_text=True))
    referral_labels = _labels(referral_form)
    def as_label(words):  # a phrase for inside a sentence, labelling a box
        return words[:1].upper() + words[1:]

    for category, worded in CATEGORIES.items():
        staff_words = as_label(_worded(app, language, worded, Reader.ADVOCATE))
        person_words = as_label(_worded(app, language, worded, Reader.PERSON))
        assert staff_words in referral_labels
        if person_words != staff_words:
            assert person_words not in referral_labels, (category, person_words)

    # The questions of the plan's forms, and the "about" sections, about Sam for Alex and to Sam for Sam.
    need_form = f"/people/{sam.id}/plan/needs/new"
    about_form = f"/people/{sam.id}/plan/about/matters"
    goal_form = f"/people/{sam.id}/plan/items/{ids['need']}/goals/new"
    for path, key in ((need_form, "need_text"), (about_form, "about_text"), (goal_form, "goal_target_date")):
        staff_labels = _labels(as_read(office.get(path).get_data(as_text=True)))
        person_labels = _labels(as_read(phone.get(path).get_data(as_text=True)))
        staff_words = _worded(app, language, FORM_LABELS[key], Reader.ADVOCATE)
        person_words = _worded(app, language, FORM_LABELS[key], Reader.PERSON)
        assert staff_words in staff_labels and person_words not in staff_labels, (path, staff_labels)
        assert person_words in person_labels and staff_words not in person_labels, (path, person_labels)

    staff_plan = _headings(as_read(office.get(f"/people/{sam.id}/plan").get_data(as_text=True)))
    person_plan = _headings(as_read(phone.get("/me").get_data(as_text=True)))
    staff_about = _worded(app, language, ABOUT, Reader.ADVOCATE)
    person_about = _worded(app, language, ABOUT, Reader.PERSON)
    assert staff_about in staff_plan and person_about not in staff_plan
    assert person_about in person_plan and staff_about not in person_plan
    staff_topics = words(ABOUT_TOPICS, Reader.ADVOCATE)
    person_topics = words(ABOUT_TOPICS, Reader.PERSON)
    for page, own, other in (
        (as_read(office.get(f"/people/{sam.id}/plan").get_data(as_text=True)), staff_topics, person_topics),
        (as_read(phone.get("/me").get_data(as_text=True)), person_topics, staff_topics),
    ):
        for topic in AboutTopic:
            assert html.escape(own[topic], quote=False) in page or own[topic] in html.unescape(page)
            if other[topic] != own[topic]:
                assert other[topic] not in html.unescape(page), (topic, other[topic])


def test_english_staff_pages_carry_no_words_written_for_the_person(client, login, visit):
    alex, sam, _sam_login, ids = visit
    login(client, alex)
    person_pronouns = re.compile(
        r">\s*(Me|My advocate|About me|What matters to me|My strengths|Who supports me)\s*<"
        r"|your (contact details|needs|plan)|In your own words|What do you need\?|When would you like"
    )
    for path in (
        f"/people/{sam.id}/plan",
        f"/people/{sam.id}/plan/goals/{ids['goal']}",
        f"/people/{sam.id}/plan/items/{ids['goal']}/steps/new",
        f"/people/{sam.id}/plan/needs/new",
        f"/people/{sam.id}/plan/about/strengths",
        f"/people/{sam.id}/referrals/new?service={ids['service']}&step={ids['step']}",
        f"/people/{sam.id}/referrals",
    ):
        page = as_read(client.get(path).get_data(as_text=True))
        assert not person_pronouns.search(page), (path, person_pronouns.search(page).group(0))


def test_credit_after_an_accepted_suggestion_says_who_wrote_the_words_and_who_agreed_them(
    client, new_client, login, in_app, visit
):
    alex, sam, sam_login, ids = visit
    phone, office = client, new_client()
    login(phone, sam_login)
    login(office, alex)
    # Sam writes what matters to them; Alex suggests other words for it.
    form_post(phone, f"/people/{sam.id}/plan/about/matters", {"text": "My children"})
    with in_app():
        matters = db.session.scalar(select(PlanItem).where(PlanItem.topic == AboutTopic.MATTERS))
        matters_id = matters.id
    form_post(office, f"/people/{sam.id}/plan/items/{matters_id}/edit", {"text": "My children and my dog"})

    # While the suggestion waits, what stands is Sam's: nobody "last changed" it.
    page = as_read(office.get(f"/people/{sam.id}/plan").get_data(as_text=True))
    assert "Last changed by" not in page
    assert "Written by Sam (Person supported)" in page

    form_post(phone, f"/people/{sam.id}/plan/items/{matters_id}/decision", {"decision": "accept"}, token_from="/me")
    on_phone = as_read(phone.get("/me").get_data(as_text=True))
    in_office = as_read(office.get(f"/people/{sam.id}/plan").get_data(as_text=True))
    assert re.search(r"Wording by Alex Morgan, agreed by you, \d+ \w+ \d{4}", on_phone)
    assert re.search(r"Your wording, agreed by Sam, \d+ \w+ \d{4}", in_office)
    assert "In my advocate&#39;s words" in on_phone or "In my advocate's words" in on_phone
    assert "In my words" not in on_phone.split(f'id="item-{matters_id}"')[1].split("</section>")[0]


def test_last_changed_names_who_wrote_what_stands(client, new_client, login, in_app, visit):
    alex, sam, sam_login, ids = visit
    phone, office = client, new_client()
    login(phone, sam_login)
    login(office, alex)
    # Alex wrote Sam's need in Sam's own words during a visit; Sam then rewords it (their own words).
    with in_app():
        need = db.session.get(PlanItem, ids["need"])
        need.voice = need.voice.PERSON
        db.session.commit()
    form_post(phone, f"/people/{sam.id}/plan/items/{ids['need']}/edit", {"text": "A safe home", "priority": "1"},
              token_from="/me")
    page = as_read(office.get(f"/people/{sam.id}/plan").get_data(as_text=True))
    assert re.search(r"Written by Alex Morgan \(Advocate\), [^.]+\. Last changed by Sam, ", page)


def test_controls_name_the_whole_entry_they_act_on(client, new_client, login, in_app, visit):
    alex, sam, sam_login, ids = visit
    phone, office = client, new_client()
    login(phone, sam_login)
    login(office, alex)
    form_post(phone, f"/people/{sam.id}/plan/items/{ids['need']}/edit", {"text": "Near my sister", "priority": "1"},
              token_from="/me")
    hidden = f'<span class="govuk-visually-hidden">: {html.escape(NEED, quote=True)}</span>'
    office_page = as_read(office.get(f"/people/{sam.id}/plan").get_data(as_text=True))
    phone_page = as_read(phone.get("/me").get_data(as_text=True))
    assert re.search(r">Use the new wording" + re.escape(hidden), office_page)
    assert re.search(r">Keep the original" + re.escape(hidden), office_page)
    assert re.search(r">Change" + re.escape(hidden), office_page)
    assert re.search(r">Withdraw my suggestion" + re.escape(hidden), phone_page)


def test_agreement_comes_after_the_plan_and_is_offered_only_when_there_is_something_new(
    client, new_client, login, visit
):
    alex, sam, sam_login, ids = visit
    phone, office = client, new_client()
    login(phone, sam_login)
    login(office, alex)
    page = as_read(phone.get("/me").get_data(as_text=True))
    assert page.index(NEED) < page.index('id="agreement"')
    assert "You have not agreed it yet." in page and "Alex Morgan has not agreed it yet." not in page
    assert "I agree with this plan" in page

    form_post(phone, f"/people/{sam.id}/plan/agree", {}, token_from="/me")
    form_post(office, f"/people/{sam.id}/plan/agree", {}, token_from=f"/people/{sam.id}/plan")
    page = as_read(phone.get("/me").get_data(as_text=True))
    assert re.search(r"You and Alex Morgan agreed version \d+ on \d+ \w+\.", page)
    assert "I agree with this plan" not in page


def test_withdrawing_agreement_asks_first_on_a_page_with_one_heading(client, login, in_app, visit):
    _alex, sam, sam_login, _ids = visit
    login(client, sam_login)
    form_post(client, f"/people/{sam.id}/plan/agree", {}, token_from="/me")
    page = as_read(client.get("/me").get_data(as_text=True))
    assert f'href="/people/{sam.id}/plan/agreement/withdraw"' in page

    confirm = as_read(client.get(f"/people/{sam.id}/plan/agreement/withdraw").get_data(as_text=True))
    assert confirm.count("<h1") == 1
    assert "Are you sure you want to withdraw your agreement to the plan?" in confirm
    with in_app():
        assert db.session.scalar(select(PlanAgreement.withdrawn_at)) is None  # asking changed nothing

    done = form_post(client, f"/people/{sam.id}/plan/agreement/withdraw", {})
    assert done.status_code == 302
    page = as_read(client.get("/me").get_data(as_text=True))
    assert "You have withdrawn your agreement to the plan." in page
    assert "You have not agreed it yet." in page and "I agree with this plan" in page
    with in_app():
        assert db.session.scalar(select(PlanAgreement.withdrawn_at)) is not None  # kept, marked withdrawn


def test_changes_since_you_last_looked_are_listed_with_links_to_each(client, new_client, login, visit):
    alex, sam, sam_login, ids = visit
    phone, office = client, new_client()
    login(phone, sam_login)
    login(office, alex)
    phone.get("/me")  # Sam has seen the plan as Alex wrote it
    goal_edit = f"/people/{sam.id}/plan/items/{ids['goal']}/edit"
    form_post(office, goal_edit, {"text": "Move by spring", "goal_status": "in_progress"})
    form_post(office, f"/people/{sam.id}/plan/items/{ids['step']}/done", {"done": "1"},
              token_from=f"/people/{sam.id}/plan/goals/{ids['goal']}")
    page = as_read(phone.get("/me").get_data(as_text=True))
    assert "2 entries have changed since you last looked:" in page
    banner = page.split('class="app-highlight app-summary-box app-changes"')[1].split("</div>")[0]
    links = re.findall(r'href="([^"]+)"', banner)
    assert links[0] == f"#item-{ids['goal']}"
    assert links[1].startswith(f"/people/{sam.id}/plan/goals/{ids['goal']}?since=")
    text = re.sub(r"<[^>]+>", "", banner)
    assert "Goal: Move by spring" in text and "1 step of the goal: Move by spring" in text


def test_empty_about_me_sections_are_one_short_invitation_after_what_is_written(client, login, visit):
    alex, sam, _sam_login, _ids = visit
    login(client, alex)
    page = as_read(client.get(f"/people/{sam.id}/plan").get_data(as_text=True))
    assert "Nothing written yet." not in page
    assert page.count("Nothing written yet about:") == 1
    # Nothing about Sam is written yet: the needs lead.
    assert page.index(NEED) < page.index("About Sam")

    form_post(client, f"/people/{sam.id}/plan/about/strengths", {"text": "Patient", "voice": "person"})
    page = as_read(client.get(f"/people/{sam.id}/plan").get_data(as_text=True))
    assert page.index("About Sam") < page.index(NEED)
    assert "Not written yet:" in page and page.count("app-about-empty__list") == 1


def test_a_referral_straight_from_a_need_adds_its_step_to_the_plan(client, login, in_app, visit):
    alex, sam, _sam_login, ids = visit
    login(client, alex)
    plan_page = as_read(client.get(f"/people/{sam.id}/plan").get_data(as_text=True))
    find = f"/people/{sam.id}/referrals/find?need={ids['need']}"
    assert f'href="{html.escape(find)}"' in plan_page
    found = as_read(client.get(find).get_data(as_text=True))
    refer = f"/people/{sam.id}/referrals/new?service={ids['service']}&need={ids['need']}"
    assert html.escape(refer) in found
    sent = form_post(client, refer, {"categories": ["contact", "needs"], "urgency": "routine", "note": ""})
    assert sent.status_code == 302
    with in_app():
        referral = db.session.scalar(select(Referral))
        step = db.session.get(PlanItem, referral.step_id)
        assert step.kind is ItemKind.STEP and step.owner is StepOwner.ORGANISATION
        assert step.text == "Referred to Housing advice line" and step.owner_detail == "Housing advice line"
        # Under the need's goal that is still being worked on.
        assert step.parent_id == ids["goal"]


def test_a_need_without_a_goal_gets_one_with_the_referral(client, login, in_app, visit):
    alex, sam, _sam_login, ids = visit
    login(client, alex)
    with in_app():
        plan = plans.active_plan(sam.id)
        need = plans.add_item(
            plan, ItemKind.NEED, plans.ItemFields("Money", domain="money", priority=2), by=db.session.get(User, alex.id)
        )
        db.session.commit()
        need_id = need.id
    refer = f"/people/{sam.id}/referrals/new?service={ids['service']}&need={need_id}"
    assert form_post(client, refer, {"categories": ["needs"], "urgency": "routine"}).status_code == 302
    with in_app():
        step = db.session.get(PlanItem, db.session.scalar(select(Referral.step_id)))
        goal = db.session.get(PlanItem, step.parent_id)
        assert goal.parent_id == need_id and goal.text == "Get help from Housing advice line"


def test_a_refused_referral_from_a_need_leaves_the_plan_as_it_was(client, login, in_app, visit):
    alex, sam, _sam_login, ids = visit
    login(client, alex)
    with in_app():
        before = db.session.scalar(select(func.count(PlanItem.id)))
    refer = f"/people/{sam.id}/referrals/new?service={ids['service']}&need={ids['need']}"
    page = form_post(client, refer, {"urgency": "routine"})
    assert page.status_code == 200 and "Choose what they may see" in page.get_data(as_text=True)
    with in_app():
        assert db.session.scalar(select(func.count(PlanItem.id))) == before


def test_the_referrals_page_offers_to_make_one(client, new_client, login, visit):
    alex, sam, sam_login, _ids = visit
    login(client, alex)
    page = as_read(client.get(f"/people/{sam.id}/referrals").get_data(as_text=True))
    assert "No referrals yet." in page
    assert f'href="/people/{sam.id}/referrals/find">Make a referral' in page
    phone = new_client()
    login(phone, sam_login)
    assert "Make a referral" not in as_read(phone.get(f"/people/{sam.id}/referrals").get_data(as_text=True))


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_review_reminder_by_text_is_worded_for_whoever_gets_it(app, language):
    with app.app_context():
        to_person = messages.render(sms_template("review_due", Reader.PERSON), language, **messages.SAMPLE_VALUES)
        to_advocate = messages.render(sms_template("review_due", Reader.ADVOCATE), language, **messages.SAMPLE_VALUES)
    # The person is asked to reply about "our" catch-up; the advocate is only reminded of it.
    assert to_person != to_advocate
