"""Safe redirects: follow ``next`` only when it stays on this site."""

from __future__ import annotations

from urllib.parse import urlsplit

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
