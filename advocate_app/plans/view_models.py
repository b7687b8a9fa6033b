"""Rows and lines the plan pages show, built here for the templates (which only lay them out)."""

from __future__ import annotations

from datetime import datetime
from functools import partial

from flask_babel import get_locale, get_timezone
from flask_babel import gettext as _
from markupsafe import Markup

from advocate_app.i18n import worded
from advocate_app.plans.credit import credit_line
from advocate_app.templating import ROLE_NAMES, day_in


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


def summary_credit(person):
    """``credit(item)`` for the meeting summary: who the words are by, about everyone (nobody is "you" on a
    page printed for a meeting)."""
    return partial(credit_line, viewer=None, person_name=person.preferred_name, role_names=worded(ROLE_NAMES))
