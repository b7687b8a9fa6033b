"""Rows and lines the plan pages show, built here for the templates (which only lay them out)."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import NamedTuple

from flask_babel import get_locale, get_timezone
from flask_babel import gettext as _
from markupsafe import Markup, escape

from advocate_app.i18n import worded
from advocate_app.plans.credit import Credit
from advocate_app.templating import ROLE_NAMES, day_in
from advocate_app.urls import address_for_each


def _day(value) -> str:
    """A day (a moment first put in the service's time zone) as "4 March 2026", in the reader's language."""
    if isinstance(value, datetime):
        value = value.astimezone(get_timezone()).date()
    return day_in(value, str(get_locale()))


def check_in_tables(journeys, raters: dict) -> dict[str, list]:
    """Each part of life's check-ins as table rows: date, score, whose rating, the note (isolated, its line
    breaks kept)."""
    return {
        journey.domain: [
            [
                {"text": row.day},
                {"text": row.score, "format": "numeric"},
                {"text": raters[row.rated_by]},
                {"html": Markup('<span class="app-pre-wrap"><bdi>{}</bdi></span>').format(row.note or "")},
            ]
            for row in journey.rows
        ]
        for journey in journeys
    }


def latest_check_in_rows(latest, raters: dict) -> list:
    """The newest score in each part of life: part of life, score, date, whose rating."""
    return [
        [{"text": label}, {"text": row.score, "format": "numeric"}, {"text": row.day}, {"text": raters[row.rated_by]}]
        for label, row in latest
    ]


def agreement_rows(person, plan, agreements: dict, last_review, *, review_overdue: bool) -> list:
    """Who has agreed the plan (the person, their advocate), when it is next reviewed and when it last was."""
    role_names = worded(ROLE_NAMES)
    rows = []
    for side in ("individual", "advocate"):
        agreement = agreements.get(side)
        who = person.preferred_name if side == "individual" else _("The advocate")
        if agreement:
            text = _(
                "%(name)s agreed version %(version)d on %(date)s.",
                name=agreement.user.display_name if agreement.user else who,
                version=agreement.version,
                date=_day(agreement.agreed_at),
            )
            if agreement.version < plan.version:
                text += " " + _("It has changed since then.")
        else:
            text = _("%(who)s has not agreed it yet.", who=who)
        key = Markup("<bdi>{}</bdi>").format(person.preferred_name) if side == "individual" else role_names["advocate"]
        rows.append({"key": {"text": key}, "value": {"text": text}})
    if plan and plan.next_review_date:
        next_review = _day(plan.next_review_date) + (f" ({_('Overdue')})" if review_overdue else "")
    else:
        next_review = _("Not set")
    rows.append({"key": {"text": _("Next review")}, "value": {"text": next_review}})
    last = _day(last_review.held_on) if last_review else _("None held yet")
    rows.append({"key": {"text": _("Last review")}, "value": {"text": last}})
    return rows


def summary_credit(person, names: dict[int, str]):
    """``credit(item)`` for the meeting summary: who the words are by, about everyone (nobody is "you" on a
    page printed for a meeting).

    :param names: the writers' names by their user ids (``services.writer_names``).
    """
    return Credit(viewer=None, person_name=person.preferred_name, role_names=worded(ROLE_NAMES), names=names)


# The lines of each entry and goal on the plan page, worded here once for the reader: a long plan has many entries,
# and a call made from a template costs several times the same call made here (and a named tuple is quicker to make
# than a frozen dataclass). Words come from the page's own
# translators (``say``: ``i18n.page_translators``), so they are the same markup the templates made.


class EntryLines(NamedTuple):
    """What an entry shows besides its words: who wrote them, its links (to change it, to its history) and who
    suggested the new wording waiting beside it (None: nobody, or nobody known)."""

    credit: str
    history: Markup
    change_url: str
    history_url: str
    proposer: str | None


def entry_lines(person, items, *, credit, comment_counts: dict, names: dict, say: dict) -> dict[int, EntryLines]:
    """Each entry's lines, by its id.

    :param credit: ``credit(item)``, who the words that stand are by, worded for the reader (``pages.credit_for``).
    :param names: the writers' names by their user ids.
    :param say: the page's translators (``i18n.page_translators()``).
    """
    ngettext = say["ngettext"]
    change_url = address_for_each("plans.edit_item", person_id=person.id)
    history_url = address_for_each("plans.item", person_id=person.id)
    histories = {}
    lines = {}
    for item in items:
        count = comment_counts.get(item.id, 0)
        if count not in histories:
            histories[count] = ngettext("History and %(num)d comment", "History and %(num)d comments", count)
        lines[item.id] = EntryLines(
            credit(item), histories[count], change_url(item.id), history_url(item.id), names.get(item.proposed_by_id)
        )
    return lines


class GoalLines(NamedTuple):
    """A goal's lines on the plan: the day it aims for, and where its steps are with how many are done, overdue and
    changed since the reader last looked (each None when there is nothing to say)."""

    aiming: Markup | None
    steps_url: str
    steps: Markup
    done: Markup | None
    overdue: Markup | None
    changed: Markup | None


def goal_lines(person, goals, *, summaries: dict, since: int | None, say: dict) -> dict[int, GoalLines]:
    """Each goal's lines, by its id.

    :param summaries: each goal's ``outline.StepSummary`` (none for a goal without steps).
    :param since: the plan version the reader had seen, carried to the goal's page to mark the same steps there.
    """
    _, ngettext = say["_"], say["ngettext"]
    locale = str(get_locale())
    steps_url = address_for_each("plans.goal", person_id=person.id, since=since)
    # Goals share their days and counts: each sentence is worded once for each day or number.
    # A day as the ``short_date`` filter says it: our own words, escaped, so the sentence does not isolate it.
    aiming = cache(lambda day: _("Aiming for %(date)s", date=escape(day_in(day, locale))))
    steps = cache(lambda total: ngettext("%(num)d step", "%(num)d steps", total))
    done = cache(lambda count: _("%(done)d done", done=count))
    overdue = cache(lambda count: ngettext("%(num)d overdue", "%(num)d overdue", count))
    changed = cache(
        lambda count: ngettext("%(num)d changed since you last looked", "%(num)d changed since you last looked", count)
    )
    no_steps = _("No steps yet")
    lines = {}
    for goal in goals:
        summary = summaries.get(goal.id)
        lines[goal.id] = GoalLines(
            aiming=aiming(goal.target_date) if goal.target_date else None,
            steps_url=steps_url(goal.id),
            steps=steps(summary.total) if summary else no_steps,
            done=done(summary.done) if summary else None,
            overdue=overdue(summary.overdue) if summary and summary.overdue else None,
            changed=changed(summary.changed) if summary and summary.changed else None,
        )
    return lines
