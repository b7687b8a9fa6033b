"""Who an entry's words are by, said truthfully for the reader: who wrote the words that stand, and who
agreed them when they were someone else's suggestion (not whoever touched the entry last)."""

from __future__ import annotations

from flask_babel import get_locale, get_timezone

from advocate_app.i18n import isolated
from advocate_app.i18n import quick_gettext as _  # a line for every entry: through the request's catalogue
from advocate_app.plans.models import PlanItem
from advocate_app.templating import day_in


def _day(moment) -> str:
    return day_in(moment.astimezone(get_timezone()).date(), str(get_locale()))


def credit_line(item: PlanItem, *, viewer, person_name: str, role_names: dict) -> str:
    """The line under an entry: "Written by Sam (Person supported), 2 December 2026", or, once a suggestion
    was accepted, "Wording by Alex Morgan, agreed by you, 3 December 2026".

    :param viewer: the signed-in user, called "you" here; ``None`` on a page about everyone (a meeting summary).
    :param person_name: who agreed, when staff recorded the person's decision made in person.
    """
    if item.words_agreed_role:
        writer = item.worded_by
        agreer = item.words_agreed_by
        agreer_name = isolated(agreer.display_name if agreer else person_name)
        day = _day(item.worded_at or item.changed_at)
        if writer is not None and viewer is not None and writer.id == viewer.id:
            return _("Your wording, agreed by %(agreer)s, %(date)s", agreer=agreer_name, date=day)
        writer_name = isolated(writer.display_name) if writer else _("someone")
        if agreer is not None and viewer is not None and agreer.id == viewer.id:
            return _("Wording by %(writer)s, agreed by you, %(date)s", writer=writer_name, date=day)
        return _(
            "Wording by %(writer)s, agreed by %(agreer)s, %(date)s", writer=writer_name, agreer=agreer_name, date=day
        )
    line = _(
        "Written by %(name)s (%(role)s), %(date)s",
        name=isolated(item.author.display_name) if item.author else _("someone"),
        role=role_names.get(item.author_role, item.author_role),
        date=_day(item.created_at),
    )
    if item.worded_by is not None and item.worded_by_id != item.author_id and item.worded_at:
        line += ". " + _(
            "Last changed by %(name)s, %(date)s", name=isolated(item.worded_by.display_name), date=_day(item.worded_at)
        )
    return line
