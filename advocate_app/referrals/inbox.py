"""The organisation's inbox as one page: how many referrals are in each section, the rows shown (a preview of
every section, or one section a page at a time) and whose names may show."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Row

from advocate_app.accounts.models import User
from advocate_app.paging import Page, page_of
from advocate_app.referrals import services

SECTIONS = services.INBOX_SECTIONS


@dataclass
class InboxPage:
    """What the inbox shows."""

    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SECTIONS, 0))
    # Each row: the referral's id, person_name (None unless the organisation may see it: something is shared right
    # now), service_name, urgency, status and respond_by.
    sections: dict[str, list[Row]] = field(default_factory=lambda: {name: [] for name in SECTIONS})
    page: Page = field(default_factory=lambda: page_of(0, 1))
    # The worker's organisation, named in the heading.
    organisation_name: str | None = None


def inbox_page(worker: User, today: date, chosen: str | None, page_number: int) -> InboxPage:
    """The inbox of ``worker``'s organisation: every section's first few, or ``chosen`` a page at a time.

    A fixed number of queries whatever the rows: the counts (with the organisation's name), and the rows (with the
    names the organisation may see).
    """
    shown = InboxPage()
    if worker.organisation_id is None:
        return shown
    shown.counts, shown.organisation_name = services.inbox_counts(worker.organisation_id, today)
    if chosen:
        shown.page = page_of(shown.counts[chosen], page_number)
        shown.sections[chosen] = services.inbox_rows(
            worker.organisation_id, today, chosen, limit=shown.page.size, offset=shown.page.offset
        )
    else:
        shown.sections = services.inbox_preview(worker.organisation_id, today)
    return shown
