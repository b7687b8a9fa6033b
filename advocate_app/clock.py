"""Today's date where the people are: the UK, whatever the server's clock zone."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

LOCAL_ZONE = ZoneInfo("Europe/London")


def local_today() -> date:
    """The date in the UK now."""
    return datetime.now(LOCAL_ZONE).date()
