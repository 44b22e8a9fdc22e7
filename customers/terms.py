"""Calendar arithmetic for subscription terms: whole months, ends of months kept sane."""

from datetime import date

from dateutil.relativedelta import relativedelta


def add_months(day: date, months: int) -> date:
    """`day` plus `months` calendar months; the 31st (or 29 February) falls back to the last
    day of a shorter month: 2024-01-31 + 1 month = 2024-02-29, 2024-02-29 + 12 = 2025-02-28."""
    return day + relativedelta(months=months)
