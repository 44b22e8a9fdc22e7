"""Months as plain integers (year * 12 + month - 1), so SQL on PostgreSQL and SQLite can
group, join and step through them with the same arithmetic."""

import calendar
import re
from datetime import UTC, date, datetime, time, tzinfo

MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")


def index(year: int, month: int) -> int:
    return year * 12 + month - 1


def of_date(day: date) -> int:
    return index(day.year, day.month)


def first_day(month_index: int) -> date:
    return date(month_index // 12, month_index % 12 + 1, 1)


def start(month_index: int, tz: tzinfo = UTC) -> datetime:
    """The month's first instant in the time zone `tz` (the workspace's: its months are its
    calendar months), as an aware datetime."""
    return datetime.combine(first_day(month_index), time.min, tzinfo=tz)


def utc_bounds(first: int, last: int, tz: tzinfo) -> list[tuple[int, str]]:
    """(month, its first instant in UTC as 'YYYY-MM-DD HH:MM:SS') for months first..last + 1:
    where each of the workspace's months begins on the UTC clock, which is how SQLite stores
    timestamps."""
    return [
        (m, start(m, tz).astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S"))
        for m in range(first, last + 2)
    ]


def label(month_index: int) -> str:
    return f"{month_index // 12:04d}-{month_index % 12 + 1:02d}"


def days_in(month_index: int) -> int:
    return calendar.monthrange(month_index // 12, month_index % 12 + 1)[1]


def parse(text: str) -> int:
    """ "2026-03" -> its index; ValueError with a message a user can act on otherwise."""
    match = MONTH_RE.match((text or "").strip())
    if not match or not 1 <= int(match.group(2)) <= 12 or int(match.group(1)) < 1900:
        raise ValueError(f"“{text}” is not a month: write it as YYYY-MM, e.g. 2026-03.")
    return index(int(match.group(1)), int(match.group(2)))


def quarter_bounds(day: date) -> tuple[date, date]:
    """The first and last day of the calendar quarter `day` falls in."""
    first = index(day.year, (day.month - 1) // 3 * 3 + 1)
    return first_day(first), date.fromordinal(first_day(first + 3).toordinal() - 1)


def today_index(workspace) -> int:
    """This month, on the workspace's calendar."""
    return of_date(workspace.today())
