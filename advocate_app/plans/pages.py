"""What the plan pages show, built for the reader: the plan page itself (also the person's home), the
agreement in words, links to the rest of the plan, whose words an entry is, where an entry is shown."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from flask import current_app, render_template, request, url_for
from flask_babel import format_date, get_locale, get_timezone, ngettext
from flask_login import current_user
from markupsafe import Markup

from advocate_app import db, policy
from advocate_app.accounts.auth import signed_in_user
from advocate_app.accounts.models import Role
from advocate_app.audit.services import record as audit
from advocate_app.clock import local_today
from advocate_app.i18n import isolated, page_translators
from advocate_app.i18n import quick_gettext as _  # the plan page's words: through the request's catalogue
from advocate_app.needs import NEED_DOMAINS
from advocate_app.people.models import Person
from advocate_app.plans import access, outline, services, view_models
from advocate_app.plans.credit import Credit
from advocate_app.plans.forms import (
    GOAL_STATUS_LABELS,
    PRIORITY_LABELS,
)
from advocate_app.plans.models import (
    ItemKind,
    Plan,
    PlanItem,
    PlanStatus,
    RatedBy,
)
from advocate_app.policy import Action
from advocate_app.referrals import services as referral_services
from advocate_app.team import helping as team_helping
from advocate_app.team import verdicts
from advocate_app.templating import ROLE_NAMES, made_once, route_url, worded_once
from advocate_app.urls import address_for_each
from advocate_app.wording import ABOUT, ABOUT_TOPICS, STEP_OWNERS, is_the_person, labels, reader_of


def plan_url(person: Person, anchor: str | None = None) -> str:
    """The plan page as the signed-in user reaches it (``/me`` for the person themselves)."""
    if is_the_person(current_user):
        return url_for("people.my_plan", _anchor=anchor)
    return url_for("plans.plan", person_id=person.id, _anchor=anchor)


def entry_url(person: Person, item: PlanItem) -> str:
    """Where an entry is shown: a step on its goal's page, anything else on the plan page."""
    if item.kind is ItemKind.STEP and item.parent_id is not None:
        return url_for("plans.goal", person_id=person.id, item_id=item.parent_id, _anchor=f"item-{item.id}")
    return plan_url(person, f"item-{item.id}")


def render_plan(person: Person, *, read_only_plan: Plan | None = None):
    """The plan page for the person or their advocate (marked as seen by them), or for a coordinator who broke
    the glass: they only read, so nothing is marked and no control to change anything is shown.

    Steps are summarised under each goal (how many, done, overdue, new) and listed on the goal's own page,
    so the page stays small and quick however long the plan grows.
    """
    me = signed_in_user()
    reads_only = policy.reads_only(me, person)
    head = outline.plan_head(person.id, reader=me, plan=read_only_plan)
    plan = head.plan if head is not None else None
    items: list[PlanItem] = []
    new_ids: set[int] = set()
    agreements = {}
    baseline = None
    shown = outline.Outline(items=[], comment_counts={}, step_summaries={}, places={}, leads={}, names={})
    if plan is not None:
        if plan.status is PlanStatus.ACTIVE and not reads_only:
            baseline = services.record_look(plan, me, last_look=head.last_look, last_agreed=head.last_agreed)
        shown = outline.plan_outline(head, today=local_today(), since=baseline, reader=me)
        items = shown.items
        if baseline is not None:
            new_ids = {i.id for i in items if i.changed_version > baseline and i.changed_by_id != me.id}
        agreements = head.agreements
    summaries = shown.step_summaries
    has_login = head is not None and head.person_has_login
    about = {item.topic: item for item in items if item.kind is ItemKind.ABOUT}
    children = defaultdict(list)
    for item in items:
        if item.parent_id is not None:
            children[item.parent_id].append(item)
    # In the order the person and advocate chose to work on them, then by priority.
    places = shown.places
    needs = sorted(
        (i for i in items if i.kind is ItemKind.NEED), key=lambda i: (places.get(i.id, 999), i.priority or 9, i.id)
    )
    helping = (
        team_helping.who_is_helping(
            person,
            viewer=me,
            needs=needs,
            places=places,
            leads=shown.leads,
            names=policy.names_for(person),
            arranged=shown.arranged,
        )
        if plan is not None and not read_only_plan
        else []
    )
    # The plan's head said whether there may be any (without a plan, they are looked for).
    verdict_asks = (
        [] if reads_only or (head is not None and not head.may_ask_verdicts) else verdicts.waiting_for(person.id)
    )
    # Also when there is no plan yet: the view's audit event must be kept (and the look just written).
    db.session.commit()
    reader = reader_of(me)
    about_topics = labels(ABOUT_TOPICS, reader, isolated(person.preferred_name))
    say = page_translators()
    names = shown.names
    credit = credit_for(me, person, names)
    return render_template(
        "plans/plan.html",
        person=person,
        plan=plan,
        read_only=reads_only or (plan is not None and plan.status is not PlanStatus.ACTIVE),
        break_glass=reads_only,
        about=about,
        about_topics=about_topics,
        about_heading=ABOUT.say(reader, isolated(person.preferred_name)),
        changed_entries=_changed_entries(person, about, about_topics, needs, children, new_ids, summaries, baseline),
        needs=needs,
        children=children,
        new_ids=new_ids,
        new_count=len(new_ids) + sum(summary.changed for summary in summaries.values()),
        baseline=baseline,
        entry_lines=view_models.entry_lines(
            person, items, credit=credit, comment_counts=shown.comment_counts, names=names, say=say
        ),
        goal_lines=view_models.goal_lines(
            person, [i for i in items if i.kind is ItemKind.GOAL], summaries=summaries, since=baseline, say=say
        ),
        agreement=agreement_state(plan, agreements, me, person, names) if plan is not None else None,
        deciders=set() if reads_only else {i.id for i in items if services.may_decide_proposal(i, me, has_login)},
        priority_labels=worded_once(PRIORITY_LABELS),
        goal_status_labels=worded_once(GOAL_STATUS_LABELS),
        is_person=is_the_person(me),
        need_domains=domain_names(),
        may_start=policy.can(me, Action.PLAN_START, person),
        may_refer=plan is not None and may_refer(me, person, plan),
        plan_url=plan_url(person),
        # The other plan pages stay closed to a coordinator, so they are not offered.
        more_links=[] if reads_only else more_links(person, me),
        helping=helping,
        may_change_team=not reads_only and policy.can(me, Action.NEEDS_ORDER, person),
        verdict_asks=verdict_asks,
    )


def domain_names() -> dict:
    """``need_domains`` for a plan page: each part of life's name worded once per language, as the templates show
    it (a lazy name looked its catalogue up again every time a need was named, twice a need on the plan)."""
    # A lazy name is shown as it is translated (our own words): the same markup here.
    return made_once(
        "plans.need_domains",
        (str(get_locale()),),
        lambda: {key: Markup(str(name)) for key, name in NEED_DOMAINS.items()},  # noqa: S704 # nosec B704 # our own catalogue
    )


def credit_for(me, person: Person, names: dict[int, str]):
    """``credit(item)`` for the page: who the words that stand are by, worded for this reader.

    :param names: the writers' names by their user ids.
    """
    return Credit(viewer=me, person_name=person.preferred_name, role_names=worded_once(ROLE_NAMES), names=names)


def _changed_entries(person, about, about_topics, needs, children, new_ids, summaries, baseline) -> list[dict]:
    """The entries changed since the reader last looked, in the order the page shows them, each with a link:
    the "changes since you last looked" banner lists them so nobody scrolls past the rest to find them."""
    changed = []

    def add(item, label):
        changed.append({"href": f"#item-{item.id}", "label": label, "text": item.text})

    for topic, item in about.items():
        if item.id in new_ids:
            add(item, about_topics[topic])
    for need in needs:
        if need.id in new_ids:
            add(need, str(NEED_DOMAINS.get(need.domain, need.domain)))
        for goal in children[need.id]:
            if goal.id in new_ids:
                add(goal, _("Goal"))
            summary = summaries.get(goal.id)
            if summary and summary.changed:
                changed.append(
                    {
                        "href": url_for("plans.goal", person_id=person.id, item_id=goal.id, since=baseline),
                        "label": ngettext("%(num)d step of the goal", "%(num)d steps of the goal", summary.changed),
                        "text": goal.text,
                    }
                )
    return changed


def _day(moment) -> str:
    return format_date(moment.astimezone(get_timezone()).date(), "d MMMM")


def agreement_state(plan: Plan, agreements: dict, me, person: Person, names: dict[int, str]) -> dict:
    """The agreement box in words for the reader: who agreed which version when ("You and Alex agreed version
    4 on 2 December"), whether it changed since, and whether there is anything new for the reader to agree.

    :param names: who agreed, by their user ids (``outline.PlanHead.names``).
    """
    person_side, advocate_side = agreements.get(Role.INDIVIDUAL.value), agreements.get(Role.ADVOCATE.value)
    # The reader's own side of the agreement, if they are a party to the plan (a coordinator is not).
    my_side = is_the_person(me) if policy.can(me, Action.PLAN_WRITE, person) else None

    def who(agreement, persons_side: bool) -> str:
        if agreement is not None and agreement.user_id == me.id:
            return _("You")
        if persons_side:
            return isolated(person.preferred_name)
        name = names.get(agreement.user_id) if agreement is not None else None
        return isolated(name) if name is not None else _("The advocate")

    lines = []
    if person_side and advocate_side and person_side.version == advocate_side.version:
        later = max(person_side.agreed_at, advocate_side.agreed_at)
        names = sorted([who(person_side, True), who(advocate_side, False)], key=lambda n: n != _("You"))
        lines.append(
            _(
                "%(first)s and %(second)s agreed version %(version)d on %(date)s.",
                first=names[0],
                second=names[1],
                version=person_side.version,
                date=_day(later),
            )
        )
    else:
        for side, agreement in ((True, person_side), (False, advocate_side)):
            if agreement is None:
                lines.append(
                    _("You have not agreed it yet.")
                    if side == my_side
                    else _("%(who)s has not agreed it yet.", who=who(None, side))
                )
            else:
                lines.append(
                    _(
                        "%(name)s agreed version %(version)d on %(date)s.",
                        name=who(agreement, side),
                        version=agreement.version,
                        date=_day(agreement.agreed_at),
                    )
                )
    agreed_versions = [a.version for a in (person_side, advocate_side) if a is not None]
    mine = next((a for a in (person_side, advocate_side) if a is not None and a.user_id == me.id), None)
    if mine is not None and mine.version < plan.version:
        changed = _("It has changed since you agreed it.")
    elif agreed_versions and min(agreed_versions) < plan.version:
        changed = _("It has changed since then.")
    else:
        changed = None
    return {
        "lines": lines,
        "changed_since": changed,
        "both_current": len(agreed_versions) == 2 and min(agreed_versions) == plan.version,
        "may_agree": plan.version > 0 and (mine is None or mine.version < plan.version),
        "mine": mine,
    }


def may_refer(me, person: Person, plan: Plan) -> bool:
    return plan.status is PlanStatus.ACTIVE and policy.can(me, Action.REFERRAL_MAKE, person)


def person_address(endpoint: str):
    """``address(person_id)``: ``url_for(endpoint, person_id=...)``, with the address made once for the app (it
    depends only on the route and where the app is mounted, as ``templating.route_url``'s addresses do)."""
    return made_once(
        "plans.person_addresses",
        (request.script_root, endpoint),
        lambda: address_for_each(endpoint, "person_id"),
    )


def more_links(person: Person, me) -> list[dict]:
    """Links from the plan to the rest of it, for those who may follow them."""
    wanted = [
        ("plans.journey", _("How things are going"), True),
        ("plans.summary", _("Plan summary to print"), True),
        ("plans.review", _("Reviews"), policy.can(me, Action.PLAN_START, person)),
        ("plans.earlier_plans", _("Earlier plans"), True),
        (
            "referrals.person_referrals",
            _("My referrals") if is_the_person(me) else _("Referrals"),
            policy.can(me, Action.REFERRALS_OF_PERSON, person),
        ),
        (
            "consent.consents",
            _("Who can see my information") if is_the_person(me) else _("Consent and sharing"),
            policy.can(me, Action.CONSENT_VIEW, person),
        ),
        (
            "records.access",
            _("Who has seen my record") if is_the_person(me) else _("Who has seen this record"),
            policy.can(me, Action.ACCESS_LOG_VIEW, person),
        ),
        (
            "records.export_page",
            _("Everything held about me") if is_the_person(me) else _("Everything held about them"),
            policy.can(me, Action.RECORD_EXPORT, person),
        ),
    ]
    links = [
        {"url": person_address(endpoint)(person.id), "label": label}
        for endpoint, label, allowed in wanted
        if allowed and endpoint in current_app.view_functions
    ]
    if policy.can(me, Action.OWN_RECORD):
        links.append({"url": route_url("people.my_details"), "label": _("My details and how you may contact me")})
    return links


def rater_labels(person: Person, *, first_person: bool) -> dict[RatedBy, str]:
    """Whose rating a check-in is: in the person's own words when they read it, otherwise about them."""
    if first_person:
        return {
            RatedBy.PERSON: _("My rating"),
            RatedBy.ADVOCATE: _("My advocate's rating"),
            RatedBy.TOGETHER: _("Agreed together"),
        }
    return {
        RatedBy.PERSON: _("%(name)s's rating", name=isolated(person.preferred_name)),
        RatedBy.ADVOCATE: _("Advocate's rating"),
        RatedBy.TOGETHER: _("Agreed together"),
    }


def audit_staff_view(person: Person, object_type: str, object_id: int | None = None) -> None:
    # The person looking at their own record is not an access to record; staff looking is.
    if not is_the_person(signed_in_user()):
        audit("view", actor=signed_in_user(), person_id=person.id, object_type=object_type, object_id=object_id)


def long_date(day: date) -> str:
    return format_date(day, "d MMMM yyyy")


def review_overdue(plan: Plan | None) -> bool:
    return bool(plan and plan.next_review_date and plan.next_review_date < local_today())


def render_goal(person: Person, entry: PlanItem, *, since: int | None):
    """A goal's page: its steps, who does them and the referrals made from them, for the person, their advocate
    or (read-only) a coordinator who broke the glass.

    :param since: the plan version the reader had seen before opening the plan: the steps changed after it are
        marked here as they were counted on the plan page.
    """
    me = signed_in_user()
    plan = entry.plan
    reads_only = policy.reads_only(me, person)
    steps = services.load_steps(entry)
    names = services.writer_names([entry, *steps])
    has_login = access.person_has_login(person.id)
    new_ids = (
        {s.id for s in steps if s.changed_version > since and s.changed_by_id != me.id}
        if since is not None and not reads_only
        else set()
    )
    return render_template(
        "plans/goal.html",
        person=person,
        plan=plan,
        goal=entry,
        need=db.session.get(PlanItem, entry.parent_id) if entry.parent_id else None,
        steps=steps,
        read_only=reads_only or plan.status is not PlanStatus.ACTIVE,
        break_glass=reads_only,
        new_ids=new_ids,
        entry_lines=view_models.entry_lines(
            person,
            [entry, *steps],
            credit=credit_for(me, person, names),
            comment_counts=services.comment_counts([entry.id, *(s.id for s in steps)]),
            names=names,
            say=page_translators(),
        ),
        deciders=set()
        if reads_only
        else {i.id for i in [entry, *steps] if services.may_decide_proposal(i, me, has_login)},
        goal_status_labels=worded_once(GOAL_STATUS_LABELS),
        owner_labels=labels(STEP_OWNERS, reader_of(me), isolated(person.preferred_name)),
        is_person=is_the_person(me),
        may_refer=may_refer(me, person, plan),
        step_referrals=referral_services.by_step([s.id for s in steps], me, person.id),
        back=entry_url(person, entry)
        if plan.status is PlanStatus.ACTIVE
        else url_for("plans.earlier_plan", person_id=person.id, plan_id=plan.id, _anchor=f"item-{entry.id}"),
    )
