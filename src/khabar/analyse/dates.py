"""Partial ISO dates ("2023", "2023-02", "2023-02-14", "2023-02-14T10:00Z") as day intervals.

Stored dates are as precise as the text allowed; analysis compares them as [first day, last day]
intervals so that "February 2023" and "14 February 2023" overlap instead of being unequal strings.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta


def first_day(value: str | None) -> date | None:
    """The first day an ISO date (or partial date) covers; None when it cannot be read."""
    if not value:
        return None
    v = value.strip()
    try:
        if len(v) >= 10:
            return date.fromisoformat(v[:10])
        if len(v) == 7:
            return date(int(v[:4]), int(v[5:7]), 1)
        if len(v) == 4:
            return date(int(v), 1, 1)
    except ValueError:
        return None
    return None


def last_day(value: str | None) -> date | None:
    """The last day an ISO date (or partial date) covers."""
    if not value:
        return None
    v = value.strip()
    try:
        if len(v) >= 10:
            return date.fromisoformat(v[:10])
        if len(v) == 7:
            y, m = int(v[:4]), int(v[5:7])
            return date(y, m, calendar.monthrange(y, m)[1])
        if len(v) == 4:
            return date(int(v), 12, 31)
    except ValueError:
        return None
    return None


def interval(start: str | None, end: str | None) -> tuple[date, date] | None:
    s = first_day(start) or first_day(end)
    e = last_day(end) or last_day(start)
    if s is None or e is None:
        return None
    return (s, e) if s <= e else (e, s)


def gap_days(a: tuple[date, date], b: tuple[date, date]) -> int:
    """Days between two intervals (0 when they overlap)."""
    return max(0, (b[0] - a[1]).days, (a[0] - b[1]).days)


def week_start(d: date) -> date:
    """Monday of d's ISO week: weekly series are keyed by it."""
    return d - timedelta(days=d.weekday())
