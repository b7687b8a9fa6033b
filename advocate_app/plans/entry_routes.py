"""Views for the entries of a plan: about me, needs, goals and steps; changing them, their history and
comments, suggested wordings and ticking steps off."""

from __future__ import annotations

from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user

from advocate_app import db, policy
from advocate_app.accounts.auth import signed_in_user
from advocate_app.accounts.models import User
from advocate_app.forms import DateParts, DatePartsField
from advocate_app.i18n import isolated
from advocate_app.people.models import Person
from advocate_app.plans import access, edits, services
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
    Priority,
    StepOwner,
    Voice,
)
from advocate_app.plans.pages import entry_url, plan_url
from advocate_app.policy import Action
from advocate_app.team import contact as team_contact
from advocate_app.team.models import ActionKind
from advocate_app.wording import ABOUT_TOPICS, STEP_OWNERS, is_the_person, reader_of


def _item_or_404(plan: Plan | None, item_id: int, kind: ItemKind | None = None, *, whole: bool = True) -> PlanItem:
    """The entry of ``plan``, or 404; ``whole`` False leaves its history and conversation unread."""
    item = services.load_item(item_id) if whole else services.load_entry(item_id)
    if plan is None or item is None or item.plan_id != plan.id or (kind is not None and item.kind is not kind):
        abort(404)
    return item


def _prepare_voice(form, person: Person) -> None:
    form.set_voice_choices(person.preferred_name, ask=not is_the_person(current_user))
    address(form, reader_of(current_user), person.preferred_name)


def _fields(form, **extra) -> services.ItemFields:
    voice = Voice(form.voice.data) if form.voice.data in {v.value for v in Voice} else None
    return services.ItemFields(text=form.text.data or "", voice=voice, **extra)


@policy.requires(Action.PLAN_WRITE)
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
            person.id, about_topic, _fields(form), base_version=form.base_version(), by=signed_in_user()
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
            {
                "label": form[c.field].label.text,
                "saved": _worded_value(c.field, c.saved, person),
                "yours": _worded_value(c.field, c.yours, person),
            }
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


@policy.requires(Action.PLAN_WRITE)
def new_need(person_id: int):
    person = access.person_for(person_id, Action.PLAN_WRITE)
    form = NeedForm()
    _prepare_voice(form, person)
    if form.validate_on_submit():
        plan = access.active_plan_for(person, start=True)
        item = services.add_item(
            plan,
            ItemKind.NEED,
            _fields(form, domain=form.domain.data, priority=int(form.priority.data)),
            by=signed_in_user(),
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
        item = services.add_item(parent.plan, kind, _fields(form, **extra(form)), by=signed_in_user(), parent=parent)
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


@policy.requires(Action.PLAN_WRITE)
def new_goal(person_id: int, item_id: int):
    return _add_under(
        person_id,
        item_id,
        kind=ItemKind.GOAL,
        form=GoalForm(),
        heading=_("Add a goal"),
        extra=lambda form: {"target_date": form.target_date.data},
    )


@policy.requires(Action.PLAN_WRITE)
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


@policy.requires(Action.PLAN_WRITE)
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
            item,
            services.ItemFields(text=form.text.data, **extra),
            base_version=form.base_version(),
            by=signed_in_user(),
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
    writes_own_words = services.voice_of(signed_in_user()) is item.voice
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


@policy.requires(Action.PLAN_FOLLOW)
def item(person_id: int, item_id: int):
    person = access.person_for(person_id, Action.PLAN_FOLLOW)
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


@policy.requires(Action.PLAN_WRITE)
def comment(person_id: int, item_id: int):
    person = access.person_for(person_id, Action.PLAN_WRITE)
    entry = _item_or_404(access.active_plan_for(person), item_id, whole=False)
    form = CommentForm()
    mode = team_contact.mode_from(request.form, signed_in_user())
    if mode is None:
        form.body.errors = [_("Choose how it was done, with the person or about them, from the list.")]
    elif form.validate_on_submit():
        comment = services.add_comment(entry, form.body.data, by=signed_in_user())
        team_contact.record_action(person.id, ActionKind.NOTE, comment.id, mode, by=signed_in_user())
        db.session.commit()
        flash(_("Comment added."), "success")
        return redirect(url_for("plans.item", person_id=person.id, item_id=entry.id, _anchor="comments"))
    return _render_item(person, services.load_item(entry.id), form)


@policy.requires(Action.PLAN_WRITE)
def decide(person_id: int, item_id: int):
    person = access.person_for(person_id, Action.PLAN_WRITE)
    entry = _item_or_404(access.active_plan_for(person), item_id)
    choice = request.form.get("decision")
    if choice not in ("accept", "keep") or entry.proposed_text is None:
        flash(_("There is no suggested wording to decide on."))
        return redirect(entry_url(person, entry))
    try:
        services.decide_proposal(
            entry, accept=choice == "accept", by=signed_in_user(), person_has_login=access.person_has_login(person.id)
        )
    except services.PlanError:
        abort(403)
    db.session.commit()
    flash(
        _("The new wording is now in the plan.") if choice == "accept" else _("The original wording stays."), "success"
    )
    return redirect(entry_url(person, entry))


@policy.requires(Action.PLAN_WRITE)
def step_done(person_id: int, item_id: int):
    person = access.person_for(person_id, Action.PLAN_WRITE)
    entry = _item_or_404(access.active_plan_for(person), item_id, ItemKind.STEP)
    done = request.form.get("done") == "1"
    mode = team_contact.mode_from(request.form, signed_in_user())
    if mode is None:
        flash(_("Choose how it was done, with the person or about them, from the list."))
        return redirect(entry_url(person, entry))
    services.set_step_done(entry, done, by=signed_in_user())
    if done:
        team_contact.record_action(person.id, ActionKind.STEP, entry.id, mode, by=signed_in_user())
    db.session.commit()
    flash(_("Step marked as done.") if entry.is_done else _("Step marked as not done."), "success")
    return redirect(entry_url(person, entry))
