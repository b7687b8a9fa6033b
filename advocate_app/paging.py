"""Long lists shown a page at a time: which page was asked for, and how many there are."""

from __future__ import annotations

from dataclasses import dataclass

from flask import request

PAGE_SIZE = 25


@dataclass(frozen=True)
class Page:
    """Page ``number`` (from 1) of a list of ``total`` rows, ``size`` rows at a time."""

    number: int
    total: int
    size: int = PAGE_SIZE

    @property
    def count(self) -> int:
        """How many pages there are (at least one, even for an empty list)."""
        return max(1, -(-self.total // self.size))

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size

    @property
    def first_row(self) -> int:
        return min(self.total, self.offset + 1)

    @property
    def last_row(self) -> int:
        return min(self.total, self.offset + self.size)

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.count


def requested_page() -> int:
    """The page number in the query string (``?page=3``); anything odd is page 1."""
    number = request.args.get("page", type=int) or 1
    return max(1, min(number, 100_000))


def page_of(total: int, number: int, size: int = PAGE_SIZE) -> Page:
    """The page asked for, moved back to the last page when the list has become shorter."""
    page = Page(number=1, total=total, size=size)
    return Page(number=min(max(1, number), page.count), total=total, size=size)
