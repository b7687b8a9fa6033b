"""Who an entry's words are by, said truthfully for the reader: who wrote the words that stand, and who
agreed them when they were someone else's suggestion (not whoever touched the entry last)."""

from __future__ import annotations

from flask_babel import get_locale, get_timezone, get_translations

from advocate_app.i18n import isolated
from advocate_app.plans.models import PlanItem
from advocate_app.templating import day_in


class Credit:
    """``credit(item)``: the line under each entry of a page, for one reader: "Written by Sam (Person supported),
    2 December 2026", or, once a suggestion was accepted, "Wording by Alex Morgan, agreed by you, 3 December 2026".

    A page words a line for every entry: the language, the time zone and the catalogue are looked up once, when the
    page makes its ``Credit``, and each day is worded once.

    :param viewer: the signed-in user, called "you" here; ``None`` on a page about everyone (a meeting summary).
    :param person_name: who agreed, when staff recorded the person's decision made in person.
    :param role_names: each role's name, worded for the page.
    :param names: the writers' names by their user ids (``services.writer_names``, or as the plan page read them).
    """

    def __init__(self, *, viewer, person_name: str, role_names: dict, names: dict[int, str]):
        self.viewer_id = viewer.id if viewer is not None else None
        self.person_name = person_name
        self.role_names = role_names
        self.names = names
        self.translate = get_translations().ugettext
        self.zone = get_timezone()
        self.locale = str(get_locale())
        self.days: dict = {}

    def day(self, moment) -> str:
        """The day of ``moment`` in the service's time zone, as "4 March 2026" in the page's language."""
        if moment not in self.days:
            self.days[moment] = day_in(moment.astimezone(self.zone).date(), self.locale)
        return self.days[moment]

    def __call__(self, item: PlanItem) -> str:
        def _(message: str, **variables) -> str:
            # As Flask-Babel's gettext, through the catalogue looked up once.
            text = self.translate(message)
            return text % variables if variables else text

        names = self.names
        if item.words_agreed_role:
            writer = names.get(item.worded_by_id)
            agreer = names.get(item.words_agreed_by_id)
            agreer_name = isolated(agreer if agreer is not None else self.person_name)
            day = self.day(item.worded_at or item.changed_at)
            if writer is not None and self.viewer_id is not None and item.worded_by_id == self.viewer_id:
                return _("Your wording, agreed by %(agreer)s, %(date)s", agreer=agreer_name, date=day)
            writer_name = isolated(writer) if writer is not None else _("someone")
            if agreer is not None and self.viewer_id is not None and item.words_agreed_by_id == self.viewer_id:
                return _("Wording by %(writer)s, agreed by you, %(date)s", writer=writer_name, date=day)
            return _(
                "Wording by %(writer)s, agreed by %(agreer)s, %(date)s",
                writer=writer_name,
                agreer=agreer_name,
                date=day,
            )
        author = names.get(item.author_id)
        line = _(
            "Written by %(name)s (%(role)s), %(date)s",
            name=isolated(author) if author is not None else _("someone"),
            role=self.role_names.get(item.author_role, item.author_role),
            date=self.day(item.created_at),
        )
        worded_by = names.get(item.worded_by_id)
        if worded_by is not None and item.worded_by_id != item.author_id and item.worded_at:
            line += ". " + _(
                "Last changed by %(name)s, %(date)s", name=isolated(worded_by), date=self.day(item.worded_at)
            )
        return line
