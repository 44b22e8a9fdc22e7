"""The period of a dashboard, from the query string (dashboards/periods.py)."""

from datetime import date

import pytest

from dashboards import periods
from targets import periods as months

TODAY = date(2026, 5, 17)


@pytest.mark.parametrize(
    ("params", "start", "end", "label"),
    [
        ({}, date(2026, 5, 1), date(2026, 5, 31), "May 2026"),
        ({"period": "month", "start": "", "end": ""}, date(2026, 5, 1), date(2026, 5, 31), None),
        ({"period": "quarter"}, date(2026, 4, 1), date(2026, 6, 30), "Q2 2026"),
        ({"period": "year"}, date(2026, 1, 1), date(2026, 12, 31), "2026"),
        (
            {"period": "custom", "start": "2025-11-20", "end": "2026-02-03"},
            date(2025, 11, 20),
            date(2026, 2, 3),
            "2025-11 to 2026-02",
        ),
        (
            {"period": "custom", "start": "2026-02-01", "end": "2026-02-01"},
            date(2026, 2, 1),
            date(2026, 2, 1),
            "2026-02",
        ),
    ],
)
def test_periods(params, start, end, label):
    period = periods.parse(params, today=TODAY)
    assert (period.start, period.end) == (start, end)
    assert (period.first, period.last) == (months.of_date(start), months.of_date(end))
    if label:
        assert period.label == label
    # The period's own query string names it again.
    from django.http import QueryDict

    again = periods.parse(QueryDict(period.query()), today=TODAY)
    assert again == period


def test_quarters_at_the_edges_of_the_year():
    assert periods.parse({"period": "quarter"}, today=date(2026, 12, 31)).start == date(2026, 10, 1)
    assert periods.parse({"period": "quarter"}, today=date(2026, 1, 1)).end == date(2026, 3, 31)
    assert periods.parse({"period": "month"}, today=date(2024, 2, 10)).end == date(2024, 2, 29)


@pytest.mark.parametrize(
    "params",
    [
        {"period": "week"},
        {"period": "custom"},
        {"period": "custom", "start": "2026-01-01"},
        {"period": "custom", "start": "2026-02-30", "end": "2026-03-01"},
        {"period": "custom", "start": "2026-03-01", "end": "2026-01-01"},
        {"period": "custom", "start": "1999-12-31", "end": "2026-01-01"},
        {"period": "custom", "start": "2020-01-01", "end": "2026-01-01"},
        {"period": "custom", "start": "2026-01-01", "end": "9999-01-01"},
    ],
)
def test_bad_periods_say_why(params):
    with pytest.raises(periods.BadPeriod) as exc:
        periods.parse(params, today=TODAY)
    assert str(exc.value)
