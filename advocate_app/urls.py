"""Addresses: follow ``next`` only when it stays on this site; one address per kind for many rows."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from flask import url_for

MAX_LENGTH = 2000


def is_local_path(target: str | None) -> bool:
    """True for a path on this site (``/people/3``), false for anything that could leave it."""
    if (
        not target
        or len(target) > MAX_LENGTH
        or not target.startswith("/")
        or target.startswith("//")
        or "\\" in target
    ):
        return False
    if any(ord(ch) < 32 for ch in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


# An id no row will have, standing for the one that changes in an address made once for many rows.
_STAND_IN = 9_081_726_354_453_627


def address_for_each(endpoint: str, key: str = "item_id", **values) -> Callable[[int], str]:
    """``address(id)`` gives ``url_for(endpoint, **values, key=id)``, from one ``url_for`` for all ids: a long plan
    links every entry several ways, and building each address afresh cost more than the rest of the entry."""
    made = url_for(endpoint, **values, **{key: _STAND_IN})
    head, stand_in, tail = made.partition(str(_STAND_IN))
    if not stand_in:  # the id is not written in the address as it is (cannot happen with the int converter)
        return lambda value: url_for(endpoint, **values, **{key: value})
    return lambda value: f"{head}{value}{tail}"
