"""playbook.formatting writes what the template filters write (it stands in for them in rows
drawn in Python)."""

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.template.defaultfilters import floatformat

from playbook import formatting


@pytest.mark.parametrize(
    "value",
    [
        Decimal("0"),
        Decimal("0.4"),
        Decimal("0.5"),
        Decimal("-0.4"),
        Decimal("-0.5"),
        Decimal("999.5"),
        Decimal("1234567.49"),
        Decimal("1234567.50"),
        Decimal("100000000"),
        Decimal("-2500.5"),
        12,
        12.5,
        1234567,
        "1234.5",
    ],
)
def test_grouped_is_floatformat_0g(value):
    assert formatting.grouped(value) == floatformat(value, "0g")


def test_grouped_of_what_is_no_number_is_empty_as_the_filter():
    assert formatting.grouped("n/a") == floatformat("n/a", "0g") == ""


@pytest.mark.parametrize(
    "value",
    [
        date(2026, 1, 5),
        date(2026, 9, 30),
        date(999, 12, 31),
        datetime(2026, 2, 3, 14, 5, tzinfo=UTC),
        datetime(2026, 5, 31, 23, 30, 1, 123456, tzinfo=UTC),
        datetime(2026, 7, 1, 1, 0, tzinfo=timezone(timedelta(hours=2))),
    ],
)
def test_day_and_stamp_are_the_date_filter(value):
    # In a template, as the pages do: a moment is shown in the current time zone.
    def shown_by_filter(fmt):
        return Template(f'{{{{ v|date:"{fmt}" }}}}').render(Context({"v": value}))

    shown = formatting.local(value)
    assert formatting.day(shown) == shown_by_filter("j M Y")
    assert formatting.stamp(shown) == shown_by_filter(
        "c" if isinstance(value, datetime) else "Y-m-d"
    )
