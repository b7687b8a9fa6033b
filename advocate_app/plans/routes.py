"""Views for writing a plan together: the plan page, entries, suggestions, comments and agreement."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from functools import partial

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_date, get_timezone, ngettext
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from advocate_app import db, policy
from advocate_app.accounts.auth import roles_required
from advocate_app.accounts.models import Role, User
from advocate_app.audit.services import record as audit
from advocate_app.clock import local_today
from advocate_app.forms import DateParts, DatePartsField
from advocate_app.i18n import isolated, worded
from advocate_app.needs import NEED_DOMAINS
from advocate_app.people.models import Person
from advocate_app.plans import access, bp, edits, services
from advocate_app.plans.credit import credit_line
from advocate_app.plans.forms import (
    GOAL_STATUS_LABELS,
    PRIORITY_LABELS,
    AboutForm,
    CommentForm,
    GoalForm,
    NeedForm,
    StepForm,
    address,
)
from advocate_app.plans.models import (
    AboutTopic,
    GoalStatus,
    ItemKind,
    Plan,
    PlanItem,
    PlanStatus,
    Priority,
    StepOwner,
    Voice,
)
from advocate_app.policy import Action
from advocate_app.referrals.models import Referral
from advocate_app.team import contact as team_contact
from advocate_app.team import helping as team_helping
from advocate_app.team import services as team_services
from advocate_app.team import verdicts
from advocate_app.team.models import ActionKind
from advocate_app.templating import ROLE_NAMES
from advocate_app.wording import ABOUT, ABOUT_TOPICS, STEP_OWNERS, labels, reader_of

STAFF_AND_PERSON = (Role.INDIVIDUAL, Role.ADVOCATE)


def plan_url(person: Person, anchor: str | None = None) -> str:
    """The plan page as the signed-in user reaches it (``/me`` for the person themselves)."""
    if current_user.role is Role.INDIVIDUAL:
        return url_for("people.my_plan", _anchor=anchor)
    return url_for("plans.plan", person_id=person.id, _anchor=anchor)


def entry_url(person: Person, item: PlanItem) -> str:
    """Where an entry is shown: a step on its goal's page, anything else on the plan page."""
    if item.kind is ItemKind.STEP and item.parent_id is not None:
        return url_for("plans.goal", person_id=person.id, item_id=item.parent_id, _anchor=f"item-{item.id}")
    return plan_url(person, f"item-{item.id}")


def _me():
    return current_user._get_current_object()


def _item_or_404(plan: Plan | None, item_id: int, kind: ItemKind | None = None) -> PlanItem:
    item = services.load_item(item_id)
    if plan is None or item is None or item.plan_id != plan.id or (kind is not None and item.kind is not kind):
        abort(404)
    return item


def _prepare_voice(form, person: Person) -> None:
    form.set_voice_choices(person.preferred_name, ask=current_user.role is Role.ADVOCATE)
    address(form, reader_of(current_user), person.preferred_name)


def _fields(form, **extra) -> services.ItemFields:
    voice = Voice(form.voice.data) if form.voice.data in {v.value for v in Voice} else None
    return services.ItemFields(text=form.text.data or "", voice=voice, **extra)


def render_plan(person: Person, *, read_only_plan: Plan | None = None):
    """The plan page for the person or their advocate (marked as seen by them), or for a coordinator who broke
    the glass: they only read, so nothing is marked and no control to change anything is shown.

    Steps are summarised under each goal (how many, done, overdue, new) and listed on the goal's own page,
    so the page stays small and quick however long the plan grows.
    """
    me = _me()
    reads_only = me.role is Role.COORDINATOR
    plan = read_only_plan or services.active_plan(person.id)
    items: list[PlanItem] = []
    new_ids: set[int] = set()
    agreements = {}
    baseline = None
    summaries: dict[int, services.StepSummary] = {}
    if plan is not None:
        plan = services.load_outline(plan)
        items = plan.items
        if plan.status is PlanStatus.ACTIVE and not reads_only:
            baseline = services.record_look(plan, me)
            new_ids = {i.id for i in items if i.changed_version > baseline and i.changed_by_id != me.id}
        agreements = services.latest_agreements(plan.id)
        summaries = services.step_summaries(plan.id, today=local_today(), since=baseline, reader=me)
    # Also when there is no plan yet: the view's audit event must be kept.
    db.session.commit()
    has_login = access.person_has_login(person.id)
    about = {item.topic: item for item in items if item.kind is ItemKind.ABOUT}
    children = defaultdict(list)
    for item in items:
        if item.parent_id is not None:
            children[item.parent_id].append(item)
    places = team_services.order_positions([i.id for i in items if i.kind is ItemKind.NEED])
    needs = sorted(
        (i for i in items if i.kind is ItemKind.NEED), key=lambda i: (places.get(i.id, 999), i.priority or 9, i.id)
    )
    reader = reader_of(me)
    about_topics = labels(ABOUT_TOPICS, reader, isolated(person.preferred_name))
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
        step_summaries=summaries,
        comment_counts=services.comment_counts([item.id for item in items]),
        agreement=agreement_state(plan, agreements, me, person) if plan is not None else None,
        deciders=set() if reads_only else {i.id for i in items if services.may_decide_proposal(i, me, has_login)},
        priority_labels=worded(PRIORITY_LABELS),
        goal_status_labels=worded(GOAL_STATUS_LABELS),
        is_person=me.role is Role.INDIVIDUAL,
        credit=_credit(me, person),
        may_start=policy.can(me, Action.PLAN_START, person),
        may_refer=plan is not None and _may_refer(me, person, plan),
        verdict_asks=[] if reads_only else verdicts.waiting_for(person.id),
        plan_url=plan_url(person),
        # The other plan pages stay closed to a coordinator, so they are not offered.
        more_links=[] if reads_only else _more_links(person, me),
        helping=team_helping.who_is_helping(person, viewer=me) if plan is not None and not read_only_plan else [],
        may_change_team=not reads_only and policy.can(me, Action.NEEDS_ORDER, person),
    )


def _credit(me, person: Person):
    """``credit(item)`` for the page: who the words that stand are by, worded for this reader."""
    return partial(credit_line, viewer=me, person_name=person.preferred_name, role_names=worded(ROLE_NAMES))


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
                changed.append({
                    "href": url_for("plans.goal", person_id=person.id, item_id=goal.id, since=baseline),
                    "label": ngettext("%(num)d step of the goal", "%(num)d steps of the goal", summary.changed),
                    "text": goal.text,
                })
    return changed


def _day(moment) -> str:
    return format_date(moment.astimezone(get_timezone()).date(), "d MMMM")


def agreement_state(plan: Plan, agreements: dict, me, person: Person) -> dict:
    """The agreement box in words for the reader: who agreed which version when ("You and Alex agreed version
    4 on 2 December"), whether it changed since, and whether there is anything new for the reader to agree."""
    person_side, advocate_side = agreements.get(Role.INDIVIDUAL.value), agreements.get(Role.ADVOCATE.value)

    def who(agreement, side: str) -> str:
        if agreement is not None and agreement.user_id == me.id:
            return _("You")
        if side == Role.INDIVIDUAL.value:
            return isolated(person.preferred_name)
        return isolated(agreement.user.display_name) if agreement is not None and agreement.user else _("The advocate")

    lines = []
    if person_side and advocate_side and person_side.version == advocate_side.version:
        later = max(person_side.agreed_at, advocate_side.agreed_at)
        names = sorted([who(person_side, "individual"), who(advocate_side, "advocate")], key=lambda n: n != _("You"))
        lines.append(
            _("%(first)s and %(second)s agreed version %(version)d on %(date)s.", first=names[0], second=names[1],
              version=person_side.version, date=_day(later))
        )
    else:
        for side, agreement in ((Role.INDIVIDUAL.value, person_side), (Role.ADVOCATE.value, advocate_side)):
            if agreement is None:
                lines.append(
                    _("You have not agreed it yet.")
                    if side == me.role.value
                    else _("%(who)s has not agreed it yet.", who=who(None, side))
                )
            else:
                lines.append(
                    _("%(name)s agreed version %(version)d on %(date)s.", name=who(agreement, side),
                      version=agreement.version, date=_day(agreement.agreed_at))
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


def _may_refer(me, person: Person, plan: Plan) -> bool:
    return me.role is not Role.COORDINATOR and plan.status is PlanStatus.ACTIVE and policy.can(
        me, Action.REFERRAL_MAKE, person
    )


@bp.get("/people/<int:person_id>/plan/goals/<int:item_id>")
@roles_required(*STAFF_AND_PERSON, Role.COORDINATOR)
def goal(person_id: int, item_id: int):
    """One goal and its steps: ticking them off, who does them, and the referrals made from them.

    ``?since=`` is the plan version the reader had seen before opening the plan, so the steps changed
    after it are marked here as they were counted on the plan page.
    """
    me = _me()
    person = access.person_for(person_id)
    entry = services.load_item(item_id)
    if entry is None or entry.kind is not ItemKind.GOAL or entry.plan.person_id != person.id:
        abort(404)
    if me.role in (Role.ADVOCATE, Role.COORDINATOR):
        audit("view", actor=me, person_id=person.id, object_type="plan_item", object_id=entry.id)
    db.session.commit()
    plan = entry.plan
    reads_only = me.role is Role.COORDINATOR
    steps = services.load_steps(entry)
    since = request.args.get("since", type=int)
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
        comment_counts=services.comment_counts([entry.id, *(s.id for s in steps)]),
        deciders=set()
        if reads_only
        else {i.id for i in [entry, *steps] if services.may_decide_proposal(i, me, has_login)},
        goal_status_labels=worded(GOAL_STATUS_LABELS),
        owner_labels=labels(STEP_OWNERS, reader_of(me), isolated(person.preferred_name)),
        is_person=me.role is Role.INDIVIDUAL,
        credit=_credit(me, person),
        may_refer=_may_refer(me, person, plan),
        step_referrals=_referrals_by_step([s.id for s in steps], me, person.id),
        back=entry_url(person, entry) if plan.status is PlanStatus.ACTIVE else url_for(
            "plans.earlier_plan", person_id=person.id, plan_id=plan.id, _anchor=f"item-{entry.id}"
        ),
    )


def _referrals_by_step(step_ids: list[int], me, person_id: int) -> dict[int, list]:
    """The referrals made from each of these steps that ``me`` may see, oldest first, in one query whatever the
    number of steps."""
    if not step_ids:
        return {}
    rows = db.session.scalars(
        select(Referral)
        .where(Referral.step_id.in_(step_ids), policy.referrals_shown_to(me, person_id))
        .options(joinedload(Referral.service), joinedload(Referral.organisation))
        .order_by(Referral.created_at, Referral.id)
    )
    by_step: dict[int, list] = defaultdict(list)
    for referral in rows:
        by_step[referral.step_id].append(referral)
    return by_step


def _more_links(person: Person, me) -> list[dict]:
    """Links from the plan to the rest of it, for those who may follow them."""
    wanted = [
        ("plans.journey", _("How things are going"), True),
        ("plans.summary", _("Plan summary to print"), True),
        ("plans.review", _("Reviews"), policy.can(me, Action.PLAN_START, person)),
        ("plans.earlier_plans", _("Earlier plans"), True),
        (
            "referrals.person_referrals",
            _("My referrals") if me.role is Role.INDIVIDUAL else _("Referrals"),
            policy.can(me, Action.REFERRALS_OF_PERSON, person),
        ),
        (
            "consent.consents",
            _("Who can see my information") if me.role is Role.INDIVIDUAL else _("Consent and sharing"),
            policy.can(me, Action.CONSENT_VIEW, person),
        ),
        (
            "records.access",
            _("Who has seen my record") if me.role is Role.INDIVIDUAL else _("Who has seen this record"),
            policy.can(me, Action.ACCESS_LOG_VIEW, person),
        ),
        (
            "records.export_page",
            _("Everything held about me") if me.role is Role.INDIVIDUAL else _("Everything held about them"),
            policy.can(me, Action.RECORD_EXPORT, person),
        ),
    ]
    links = [
        {"url": url_for(endpoint, person_id=person.id), "label": label}
        for endpoint, label, allowed in wanted
        if allowed and endpoint in current_app.view_functions
    ]
    if me.role is Role.INDIVIDUAL:
        links.append({"url": url_for("people.my_details"), "label": _("My details and how you may contact me")})
    return links


@bp.get("/people/<int:person_id>/plan")
@roles_required(*STAFF_AND_PERSON, Role.COORDINATOR)
def plan(person_id: int):
    """The plan; a coordinator reaches it only while their break glass is open (the policy decides)."""
    person = access.person_for(person_id)
    if current_user.role in (Role.ADVOCATE, Role.COORDINATOR):
        audit("view", actor=_me(), person_id=person.id, object_type="plan")
    return render_plan(person)


@bp.route("/people/<int:person_id>/plan/about/<topic>", methods=["GET", "POST"])
@roles_required(*STAFF_AND_PERSON)
def about(person_id: int, topic: str):
    person = access.person_for(person_id, Action.PLAN_WRITE)
    try:
        about_topic = AboutTopic(topic)
    except ValueError:
        abort(404)
    plan = access.active_plan_for(person)
    existing = None
    if plan is not None:
        existing = next(
            (i for i in services.load_plan(plan.id).items if i.kind is ItemKind.ABOUT and i.topic is about_topic), None
        )
    form = AboutForm()
    _prepare_voice(form, person)
    result = None
    if form.validate_on_submit():
        result = edits.save_about(
            person.id, about_topic, _fields(form), base_version=form.base_version(), by=_me()
        )
        if result.outcome is not edits.Outcome.COLLISION:
            db.session.commit()
            _flash_result(result)
            return redirect(entry_url(person, services.load_item(result.item_id)))
        # Nothing was saved: the answer written meanwhile is shown beside this one.
        db.session.commit()
        existing = services.load_item(result.item_id)
        form.entry_version.data = str(result.version)
    if not form.is_submitted() and existing is not None:
        form.text.data = existing.text
    if not form.is_submitted():
        form.entry_version.data = str(existing.version if existing is not None else 0)
    return render_template(
        "plans/item_form.html",
        form=form,
        person=person,
        heading=ABOUT_TOPICS[about_topic].say(reader_of(current_user), isolated(person.preferred_name)),
        item=existing,
        back=plan_url(person),
        collision=_collision_view(form, result, person),
    )


def _flash_outcome(outcome: str) -> None:
    messages = {
        "added": _("Added to the plan."),
        "edited": _("Saved."),
        "proposed": _("Your wording is saved beside the original until it is agreed."),
        "unchanged": _("Nothing was changed."),
    }
    flash(messages[outcome], "success")


def _flash_result(result: edits.SaveResult) -> None:
    """Say what became of a change; when someone else's change was kept beside it, say that too."""
    if result.outcome is edits.Outcome.REFUSED:
        flash(_("This plan can no longer be changed: nothing was saved."))
        return
    _flash_outcome(
        {edits.Outcome.APPLIED: "edited", edits.Outcome.SUGGESTED: "proposed"}.get(result.outcome, result.outcome.value)
    )
    if result.kept:
        flash(_("This entry was also changed by someone else after you opened it. Their change is kept with yours."))


def _collision_view(form, result: edits.SaveResult | None, person: Person) -> dict | None:
    """Both versions of every field in question, worded for the page, when a save met a later change."""
    if result is None or result.outcome is not edits.Outcome.COLLISION:
        return None
    changed_by = db.session.get(User, result.changed_by_id) if result.changed_by_id else None
    return {
        "by_me": changed_by is not None and changed_by.id == current_user.id,
        "by": changed_by.display_name if changed_by is not None else _("someone"),
        "rows": [
            {"label": form[c.field].label.text, "saved": _worded_value(c.field, c.saved, person),
             "yours": _worded_value(c.field, c.yours, person)}
            for c in result.collisions
        ],
    }


def _worded_value(name: str, value, person: Person) -> str:
    """A field's plain value (a code, an ISO date) as the page says it to whoever reads it."""
    if value in (None, ""):
        return _("Not given")
    if name == "priority":
        return str(PRIORITY_LABELS.get(Priority(int(value)), value))
    if name == "goal_status":
        return str(GOAL_STATUS_LABELS.get(GoalStatus(value), value))
    if name == "owner":
        return STEP_OWNERS[StepOwner(value)].say(reader_of(current_user), isolated(person.preferred_name))
    if name in ("target_date", "due_date"):
        return format_date(date.fromisoformat(value), "long")
    return str(value)


@bp.route("/people/<int:person_id>/plan/needs/new", methods=["GET", "POST"])
@roles_required(*STAFF_AND_PERSON)
def new_need(person_id: int):
    person = access.person_for(person_id, Action.PLAN_WRITE)
    form = NeedForm()
    _prepare_voice(form, person)
    if form.validate_on_submit():
        plan = access.active_plan_for(person, start=True)
        item = services.add_item(
            plan, ItemKind.NEED, _fields(form, domain=form.domain.data, priority=int(form.priority.data)), by=_me()
        )
        db.session.commit()
        _flash_outcome("added")
        return redirect(entry_url(person, item))
    return render_template(
        "plans/item_form.html", form=form, person=person, heading=_("Add a need"), back=plan_url(person)
    )


def _add_under(person_id: int, item_id: int, *, kind: ItemKind, form, heading: str, extra) -> object:
    """Add a goal under a need, or a step under a goal: the same journey for both."""
    parent_kind = ItemKind.NEED if kind is ItemKind.GOAL else ItemKind.GOAL
    person = access.person_for(person_id, Action.PLAN_WRITE)
    parent = _item_or_404(access.active_plan_for(person), item_id, parent_kind)
    _prepare_voice(form, person)
    if form.validate_on_submit():
        item = services.add_item(parent.plan, kind, _fields(form, **extra(form)), by=_me(), parent=parent)
        db.session.commit()
        _flash_outcome("added")
        return redirect(entry_url(person, item))
    return render_template(
        "plans/item_form.html",
        form=form,
        person=person,
        heading=heading,
        parent=parent,
        back=url_for("plans.goal", person_id=person.id, item_id=parent.id)
        if kind is ItemKind.STEP
        else entry_url(person, parent),
        new=True,
    )


@bp.route("/people/<int:person_id>/plan/items/<int:item_id>/goals/new", methods=["GET", "POST"])
@roles_required(*STAFF_AND_PERSON)
def new_goal(person_id: int, item_id: int):
    return _add_under(
        person_id,
        item_id,
        kind=ItemKind.GOAL,
        form=GoalForm(),
        heading=_("Add a goal"),
        extra=lambda form: {"target_date": form.target_date.data},
    )


@bp.route("/people/<int:person_id>/plan/items/<int:item_id>/steps/new", methods=["GET", "POST"])
@roles_required(*STAFF_AND_PERSON)
def new_step(person_id: int, item_id: int):
    return _add_under(
        person_id,
        item_id,
        kind=ItemKind.STEP,
        form=StepForm(),
        heading=_("Add a step"),
        extra=lambda form: {
            "owner": StepOwner(form.owner.data),
            "owner_detail": form.owner_detail.data,
            "due_date": form.due_date.data,
        },
    )


_FORMS = {ItemKind.ABOUT: AboutForm, ItemKind.NEED: NeedForm, ItemKind.GOAL: GoalForm, ItemKind.STEP: StepForm}


def _fill(form, item: PlanItem) -> None:
    form.text.data = item.proposed_text if item.proposed_by_id == current_user.id else item.text
    if item.kind is ItemKind.NEED:
        form.domain.data = item.domain
        form.priority.data = str(item.priority) if item.priority else None
    elif item.kind is ItemKind.GOAL:
        form.target_date.process(None, item.target_date)
        form.goal_status.data = item.goal_status.value if item.goal_status else GoalStatus.NOT_STARTED.value
    elif item.kind is ItemKind.STEP:
        form.owner.data = item.owner.value if item.owner else None
        form.owner_detail.data = item.owner_detail or ""
        form.due_date.process(None, item.due_date)


@bp.route("/people/<int:person_id>/plan/items/<int:item_id>/edit", methods=["GET", "POST"])
@roles_required(*STAFF_AND_PERSON)
def edit_item(person_id: int, item_id: int):
    person = access.person_for(person_id, Action.PLAN_WRITE)
    item = _item_or_404(access.active_plan_for(person), item_id)
    form = _FORMS[item.kind]()
    # The voice of an existing entry is not re-chosen: rewording someone else's words makes a suggestion.
    form.set_voice_choices(person.preferred_name, ask=False)
    address(form, reader_of(current_user), person.preferred_name)
    if item.kind is ItemKind.NEED:
        form.domain.data = item.domain  # the area of a need stays as it was written
    result = None
    if form.validate_on_submit():
        extra = {}
        if item.kind is ItemKind.NEED:
            extra = {"priority": int(form.priority.data)}
        elif item.kind is ItemKind.GOAL:
            extra = {"target_date": form.target_date.data, "goal_status": GoalStatus(form.goal_status.data)}
        elif item.kind is ItemKind.STEP:
            extra = {
                "owner": StepOwner(form.owner.data),
                "owner_detail": form.owner_detail.data,
                "due_date": form.due_date.data,
            }
        result = edits.save_entry(
            item, services.ItemFields(text=form.text.data, **extra), base_version=form.base_version(), by=_me()
        )
        # A collision saved nothing; committing ends the transaction that held the entry.
        db.session.commit()
        if result.outcome is not edits.Outcome.COLLISION:
            _flash_result(result)
            return redirect(entry_url(person, item))
        _keep_saved_where_unchanged(form, item, result)
    if not form.is_submitted():
        _fill(form, item)
        form.entry_version.data = str(item.version)
    writes_own_words = services.voice_of(_me()) is item.voice
    return render_template(
        "plans/item_form.html",
        form=form,
        person=person,
        item=item,
        heading=_("Change this entry"),
        back=entry_url(person, item),
        suggesting=not writes_own_words,
        collision=_collision_view(form, result, person),
    )


def _keep_saved_where_unchanged(form, item: PlanItem, result: edits.SaveResult) -> None:
    """After a collision the form is shown again on the saved version: what this person changed stays as
    they typed it, every other field shows what is saved now (so saving again cannot undo it)."""
    typed = {name: form[name].data for name in result.yours}
    _fill(form, item)
    for name in ("target_date", "due_date"):
        if name in form and name not in typed and form[name].data is None:
            form[name].raw_parts = DateParts()
    for name, value in typed.items():
        if isinstance(form[name], DatePartsField):
            form[name].process(None, value)
            if value is None:
                form[name].raw_parts = DateParts()
        else:
            form[name].data = value
    form.entry_version.data = str(result.version)


@bp.get("/people/<int:person_id>/plan/items/<int:item_id>")
@roles_required(*STAFF_AND_PERSON)
def item(person_id: int, item_id: int):
    person = access.person_for(person_id)
    entry = services.load_item(item_id)
    if entry is None or entry.plan.person_id != person.id:
        abort(404)
    return _render_item(person, entry, CommentForm())


REVISION_ACTIONS = {
    "created": (lambda: _("Written")),
    "edited": (lambda: _("Changed")),
    "proposed": (lambda: _("New wording suggested")),
    "accepted": (lambda: _("New wording agreed")),
    "accepted_in_person": (lambda: _("New wording agreed in person")),
    "kept_original": (lambda: _("Original wording kept")),
    "kept_original_in_person": (lambda: _("Original wording kept, decided in person")),
    "withdrawn": (lambda: _("Suggestion withdrawn")),
    "done": (lambda: _("Marked as done")),
    "not_done": (lambda: _("Marked as not done")),
}


# The fields of an entry its history shows besides the wording, in the order they are listed.
HISTORY_FIELDS = {
    "priority": (lambda: _("Priority")),
    "target_date": (lambda: _("Target date")),
    "goal_status": (lambda: _("How it is going")),
    "owner": (lambda: _("Who does it")),
    "owner_detail": (lambda: _("Detail about who")),
    "due_date": (lambda: _("Due date")),
}


def revision_changes(entry: PlanItem, person: Person) -> dict[int, list[dict]]:
    """For each revision of an entry, the fields (other than the wording) it set or changed, worded for the page:
    the first revision lists what was given, later ones what differs from the one before."""
    changes: dict[int, list[dict]] = {}
    before: dict = {}
    for revision in entry.revisions:
        fields = revision.fields or {}
        changes[revision.id] = [
            {"label": label(), "value": _worded_value(name, fields.get(name), person)}
            for name, label in HISTORY_FIELDS.items()
            if name in fields and fields.get(name) != before.get(name) and (before or fields.get(name) is not None)
        ]
        before = fields
    return changes


def _render_item(person: Person, entry: PlanItem, form: CommentForm):
    return render_template(
        "plans/item.html",
        person=person,
        item=entry,
        form=form,
        back=entry_url(person, entry),
        revision_actions={key: label() for key, label in REVISION_ACTIONS.items()},
        revision_changes=revision_changes(entry, person),
    )


@bp.post("/people/<int:person_id>/plan/items/<int:item_id>/comments")
@roles_required(*STAFF_AND_PERSON)
def comment(person_id: int, item_id: int):
    person = access.person_for(person_id, Action.PLAN_WRITE)
    entry = _item_or_404(access.active_plan_for(person), item_id)
    form = CommentForm()
    mode = team_contact.mode_from(request.form, _me())
    if mode is None:
        form.body.errors = [_("Choose how it was done, with the person or about them, from the list.")]
    elif form.validate_on_submit():
        comment = services.add_comment(entry, form.body.data, by=_me())
        team_contact.record_action(person.id, ActionKind.NOTE, comment.id, mode, by=_me())
        db.session.commit()
        flash(_("Comment added."), "success")
        return redirect(url_for("plans.item", person_id=person.id, item_id=entry.id, _anchor="comments"))
    return _render_item(person, services.load_item(entry.id), form)


@bp.post("/people/<int:person_id>/plan/items/<int:item_id>/decision")
@roles_required(*STAFF_AND_PERSON)
def decide(person_id: int, item_id: int):
    person = access.person_for(person_id, Action.PLAN_WRITE)
    entry = _item_or_404(access.active_plan_for(person), item_id)
    choice = request.form.get("decision")
    if choice not in ("accept", "keep") or entry.proposed_text is None:
        flash(_("There is no suggested wording to decide on."))
        return redirect(entry_url(person, entry))
    try:
        services.decide_proposal(
            entry, accept=choice == "accept", by=_me(), person_has_login=access.person_has_login(person.id)
        )
    except services.PlanError:
        abort(403)
    db.session.commit()
    flash(
        _("The new wording is now in the plan.") if choice == "accept" else _("The original wording stays."), "success"
    )
    return redirect(entry_url(person, entry))


@bp.post("/people/<int:person_id>/plan/items/<int:item_id>/done")
@roles_required(*STAFF_AND_PERSON)
def step_done(person_id: int, item_id: int):
    person = access.person_for(person_id, Action.PLAN_WRITE)
    entry = _item_or_404(access.active_plan_for(person), item_id, ItemKind.STEP)
    done = request.form.get("done") == "1"
    mode = team_contact.mode_from(request.form, _me())
    if mode is None:
        flash(_("Choose how it was done, with the person or about them, from the list."))
        return redirect(entry_url(person, entry))
    services.set_step_done(entry, done, by=_me())
    if done:
        team_contact.record_action(person.id, ActionKind.STEP, entry.id, mode, by=_me())
    db.session.commit()
    flash(_("Step marked as done.") if entry.is_done else _("Step marked as not done."), "success")
    return redirect(entry_url(person, entry))


@bp.post("/people/<int:person_id>/plan/agree")
@roles_required(*STAFF_AND_PERSON)
def agree(person_id: int):
    person = access.person_for(person_id, Action.PLAN_WRITE)
    current = access.active_plan_for(person)
    if current is None:
        abort(404)
    services.agree(current, by=_me())
    db.session.commit()
    flash(_("You have agreed this version of the plan."), "success")
    return redirect(plan_url(person, "agreement"))


@bp.route("/people/<int:person_id>/plan/agreement/withdraw", methods=["GET", "POST"])
@roles_required(*STAFF_AND_PERSON)
def withdraw_agreement(person_id: int):
    """Are you sure? Then the signed-in user's agreement to the plan is taken back (one confirmation)."""
    person = access.person_for(person_id, Action.PLAN_WRITE)
    current = access.active_plan_for(person)
    if current is None:
        abort(404)
    if request.method == "POST":
        if services.withdraw_agreement(current, by=_me()):
            db.session.commit()
            flash(_("You have withdrawn your agreement to the plan."), "success")
        else:
            flash(_("You had not agreed this plan, so there was nothing to withdraw."))
        return redirect(plan_url(person, "agreement"))
    return render_template(
        "plans/withdraw_agreement.html", person=person, back=plan_url(person, "agreement"),
        is_person=current_user.role is Role.INDIVIDUAL,
    )


@bp.post("/people/<int:person_id>/plan/new")
@roles_required(Role.ADVOCATE)
def start_new_plan(person_id: int):
    person = access.person_for(person_id, Action.PLAN_START)
    services.start_plan(person.id, by=_me())
    db.session.commit()
    flash(_("A new plan has been started. The earlier plan is kept and can still be read."), "success")
    return redirect(plan_url(person))


@bp.get("/people/<int:person_id>/plans")
@roles_required(*STAFF_AND_PERSON)
def earlier_plans(person_id: int):
    person = access.person_for(person_id)
    plans = db.session.scalars(
        select(Plan).where(Plan.person_id == person.id, Plan.status == PlanStatus.ARCHIVED).order_by(Plan.id.desc())
    ).all()
    return render_template("plans/earlier.html", person=person, plans=plans, back=plan_url(person))


@bp.get("/people/<int:person_id>/plans/<int:plan_id>")
@roles_required(*STAFF_AND_PERSON)
def earlier_plan(person_id: int, plan_id: int):
    person = access.person_for(person_id)
    old = access.plan_or_404(person, plan_id)
    if old.status is PlanStatus.ACTIVE:
        return redirect(plan_url(person))
    return render_plan(person, read_only_plan=old)
