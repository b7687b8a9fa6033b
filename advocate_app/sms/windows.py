"""Safe windows: when, in UK time, a text may arrive on someone's phone."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from advocate_app.clock import LOCAL_ZONE

# Staff get their reminders in working hours only.
STAFF_WINDOW = (time(8, 0), time(20, 0))


def local_midnight(day: date) -> datetime:
    """The start of ``day`` in the UK, as a UTC instant."""
    return datetime.combine(day, time(0, 0), LOCAL_ZONE).astimezone(UTC)


def next_safe_moment(windows: dict[int, tuple[time, time]], after: datetime) -> datetime | None:
    """The first instant at or after ``after`` inside one of the weekly ``windows``.

    :param windows: weekday (0 = Monday) → (from, until), in UK local time.
    :returns: ``None`` when the person has no safe window at all.
    """
    if not windows:
        return None
    local = after.astimezone(LOCAL_ZONE)
    for offset in range(8):
        day = local.date() + timedelta(days=offset)
        window = windows.get(day.weekday())
        if window is None:
            continue
        starts = datetime.combine(day, window[0], LOCAL_ZONE)
        ends = datetime.combine(day, window[1], LOCAL_ZONE)
        if ends <= starts or local >= ends:
            continue
        return max(starts, local).astimezone(UTC)
    return None


def hold_until_safe_window(
    windows: dict[int, tuple[time, time]], *, now: datetime, earliest: datetime
) -> datetime | None:
    """When a message due from ``earliest`` may go out: now, a later window opening, or never (``None``)."""
    return next_safe_moment(windows, max(now, earliest))


def every_day(window: tuple[time, time]) -> dict[int, tuple[time, time]]:
    """The same window on all seven days."""
    return dict.fromkeys(range(7), window)
