"""The period a dashboard shows, read once from the query string:
`?period=month|quarter|year|custom&start=YYYY-MM-DD&end=YYYY-MM-DD`.

month, quarter and year are the current ones (the workspace's today), so a bookmarked
"this quarter" stays this quarter; custom is the range given, both days included. Figures that
come from the monthly snapshots cover the whole months the range touches (`first`..`last`);
the period's label says so. Anything malformed raises BadPeriod, which the views answer with 400.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import urlencode

from targets import periods as months

KINDS = ("month", "quarter", "year", "custom")
DEFAULT = "month"
# The longest custom range: the trend panels read at most this many snapshots.
MAX_DAYS = 366 * 5
LABELS = {"month": "This month", "quarter": "This quarter", "year": "This year", "custom": "Custom"}


class BadPeriod(ValueError):
    """The query string does not name a period; the message says how to write one."""


@dataclass(frozen=True)
class Period:
    kind: str
    start: date
    end: date  # included
    today: date

    @property
    def first(self) -> int:
        """The first month (targets.periods index) the period touches."""
        return months.of_date(self.start)

    @property
    def last(self) -> int:
        return months.of_date(self.end)

    @property
    def label(self) -> str:
        if self.kind == "month":
            return f"{self.start:%B %Y}"
        if self.kind == "quarter":
            return f"Q{(self.start.month - 1) // 3 + 1} {self.start.year}"
        if self.kind == "year":
            return str(self.start.year)
        first, last = months.label(self.first), months.label(self.last)
        return first if first == last else f"{first} to {last}"

    def query(self) -> str:
        """The query string that names this period (without "?")."""
        params = {"period": self.kind}
        if self.kind == "custom":
            params.update(start=self.start.isoformat(), end=self.end.isoformat())
        return urlencode(params)


def _day(text: str, name: str) -> date:
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise BadPeriod(f"“{text}” is not a date: write {name} as YYYY-MM-DD.") from None
    if not 2000 <= day.year <= 2100:
        raise BadPeriod(f"The {name} date must be between the years 2000 and 2100.")
    return day


def current(kind: str, today: date) -> tuple[date, date]:
    if kind == "month":
        start = today.replace(day=1)
        return start, months.first_day(months.of_date(today) + 1) - timedelta(days=1)
    if kind == "quarter":
        return months.quarter_bounds(today)
    return date(today.year, 1, 1), date(today.year, 12, 31)


def parse(params, *, today: date) -> Period:
    """The Period named by `params` (a QueryDict or dict); the default is this month."""
    kind = (params.get("period") or DEFAULT).strip()
    if kind not in KINDS:
        raise BadPeriod(f"“{kind}” is not a period: choose month, quarter, year or custom.")
    if kind != "custom":
        # The picker sends its (empty) date fields along; they only count for a custom range.
        return Period(kind, *current(kind, today), today)
    raw_start, raw_end = params.get("start") or "", params.get("end") or ""
    if not raw_start or not raw_end:
        raise BadPeriod("A custom period needs both a start and an end date.")
    start, end = _day(raw_start, "start"), _day(raw_end, "end")
    if end < start:
        raise BadPeriod("The end date must not be before the start date.")
    if (end - start).days > MAX_DAYS:
        raise BadPeriod("A custom period may span at most five years.")
    return Period(kind, start, end, today)
