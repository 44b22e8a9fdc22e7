"""The few expressions PostgreSQL and SQLite spell differently. Everything else in the rollup
SQL is portable (CTEs, window functions, UNION ALL, recursive month grids), so both databases
run the same set-based queries; SQLite is the embedded default, PostgreSQL the fast path.

Every fragment here is inserted into SQL that runs with parameters, so a literal percent sign
is written `%%`.
"""

from datetime import UTC, datetime

from django.db import connection


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


def month_of_timestamp(column: str, bounds: list[tuple[int, str]]) -> str:
    """The month index (year * 12 + month - 1) of a timestamp on the workspace's calendar: a
    move at 23:30 UTC on 31 January is a February move in Berlin. PostgreSQL converts with the
    query parameter %(tz)s (the workspace's zone name). SQLite has no time zones: `bounds`
    (periods.utc_bounds, each month's first instant in UTC text, as Django stores timestamps)
    become a CASE over the range the query reads; a timestamp outside it is never selected."""
    if is_postgres():
        return (
            f"(EXTRACT(YEAR FROM {column} AT TIME ZONE %(tz)s)::int * 12"
            f" + EXTRACT(MONTH FROM {column} AT TIME ZONE %(tz)s)::int - 1)"
        )
    # Literals computed from dates (digits, dashes, colons), never user text.
    whens = " ".join(f"WHEN {column} < '{at}' THEN {m - 1}" for m, at in bounds)
    return f"(CASE {whens} ELSE {bounds[-1][0]} END)"


def timestamp_param(value: datetime) -> datetime | str:
    """An aware datetime as a query parameter compared with timestamp columns. SQLite compares
    text, and Django stores its timestamps as naive UTC text (`str()` of the datetime), so the
    parameter must be written the same way: an offset such as "+01:00" would compare as text."""
    if is_postgres():
        return value
    return str(value.astimezone(UTC).replace(tzinfo=None))


def month_of_date(column: str) -> str:
    """A date is already a calendar day of the workspace (a ledger row's effective date)."""
    if is_postgres():
        return f"(EXTRACT(YEAR FROM {column})::int * 12 + EXTRACT(MONTH FROM {column})::int - 1)"
    return (
        f"(CAST(strftime('%%Y', {column}) AS INTEGER) * 12"
        f" + CAST(strftime('%%m', {column}) AS INTEGER) - 1)"
    )


def days_between(later: str, earlier: str) -> str:
    """Fractional days from `earlier` to `later` (two timestamps)."""
    if is_postgres():
        return f"(EXTRACT(EPOCH FROM ({later} - {earlier})) / 86400.0)"
    return f"(julianday({later}) - julianday({earlier}))"


def false() -> str:
    return "false" if is_postgres() else "0"


def true() -> str:
    return "true" if is_postgres() else "1"
