"""The few expressions PostgreSQL and SQLite spell differently. Everything else in the rollup
SQL is portable (CTEs, window functions, UNION ALL, recursive month grids), so both databases
run the same set-based queries; SQLite is the embedded default, PostgreSQL the fast path.

Every fragment here is inserted into SQL that runs with parameters, so a literal percent sign
is written `%%`.
"""

from django.db import connection


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


def month_of_timestamp(column: str) -> str:
    """The month index (year * 12 + month - 1) of a timestamp, in UTC."""
    if is_postgres():
        return (
            f"(EXTRACT(YEAR FROM {column} AT TIME ZONE 'UTC')::int * 12"
            f" + EXTRACT(MONTH FROM {column} AT TIME ZONE 'UTC')::int - 1)"
        )
    # Django stores SQLite datetimes as UTC text, so strftime reads the UTC month.
    return (
        f"(CAST(strftime('%%Y', {column}) AS INTEGER) * 12"
        f" + CAST(strftime('%%m', {column}) AS INTEGER) - 1)"
    )


def month_of_date(column: str) -> str:
    if is_postgres():
        return f"(EXTRACT(YEAR FROM {column})::int * 12 + EXTRACT(MONTH FROM {column})::int - 1)"
    return month_of_timestamp(column)


def days_between(later: str, earlier: str) -> str:
    """Fractional days from `earlier` to `later` (two timestamps)."""
    if is_postgres():
        return f"(EXTRACT(EPOCH FROM ({later} - {earlier})) / 86400.0)"
    return f"(julianday({later}) - julianday({earlier}))"


def false() -> str:
    return "false" if is_postgres() else "0"


def true() -> str:
    return "true" if is_postgres() else "1"
