"""A period of whole calendar months (UK time), the unit every evidence figure is counted over."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from advocate_app.clock import LOCAL_ZONE

MONTH_PATTERN = re.compile(r"(\d{4})-(\d{2})")


def parse_month(text: str) -> date:
    """The first day of a month written ``YYYY-MM``.

    :raises ValueError: for anything else.
    """
    match = MONTH_PATTERN.fullmatch((text or "").strip())
    if not match:
        raise ValueError(text)
    year, month = int(match.group(1)), int(match.group(2))
    if not 1 <= month <= 12 or year < 1900:
        raise ValueError(text)
    return date(year, month, 1)


def add_months(first_day: date, months: int) -> date:
    """The first day of the month ``months`` after (or before) ``first_day``'s."""
    index = first_day.year * 12 + first_day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def month_key(value: date | datetime | None) -> str:
    """A date coarsened to its month, ``YYYY-MM`` (a moment is first put in UK time)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return _moment_month(value.year, value.month, value.day, value.hour, value.tzinfo)
    return f"{value.year:04d}-{value.month:02d}"


@functools.lru_cache(maxsize=65536)
def _moment_month(year: int, month: int, day: int, hour: int, zone) -> str:
    # The UK month of a moment depends only on its hour (UK offsets are whole hours): an export of
    # hundreds of thousands of timestamps converts each hour once.
    local = datetime(year, month, day, hour, tzinfo=zone or UTC).astimezone(LOCAL_ZONE)
    return f"{local.year:04d}-{local.month:02d}"


def uk_day(moment: datetime) -> date:
    """The UK calendar day of a moment stored in UTC."""
    return moment.astimezone(LOCAL_ZONE).date()


@dataclass(frozen=True)
class Period:
    """From the first day of ``first`` month to the end of ``last`` month, inclusive."""

    first: date
    last: date

    @classmethod
    def of_months(cls, first: str, last: str) -> Period:
        """A period from two ``YYYY-MM`` months; :raises ValueError: when either is malformed or they are reversed."""
        start, end = parse_month(first), parse_month(last)
        if end < start:
            raise ValueError("reversed")
        return cls(start, end)

    @classmethod
    def twelve_months_to(cls, today: date) -> Period:
        """The twelve months up to and including the month of ``today``."""
        this_month = today.replace(day=1)
        return cls(add_months(this_month, -11), this_month)

    @property
    def end(self) -> date:
        """The first day after the period."""
        return add_months(self.last, 1)

    @property
    def months(self) -> int:
        return (self.last.year - self.first.year) * 12 + self.last.month - self.first.month + 1

    @property
    def starts_at(self) -> datetime:
        """The period's first moment (UK midnight), in UTC, for comparing with stored timestamps."""
        return datetime.combine(self.first, time(), LOCAL_ZONE).astimezone(UTC)

    @property
    def ends_at(self) -> datetime:
        """The first moment after the period, in UTC."""
        return datetime.combine(self.end, time(), LOCAL_ZONE).astimezone(UTC)

    @property
    def label(self) -> str:
        return f"{month_key(self.first)} to {month_key(self.last)}"
