"""Numbers and dates as the pages write them, for rows drawn in Python (list rows, board cards).

The same text as the template filters (`floatformat:"0g"`, `date:"j M Y"`, `date:"c"`) under
the app's fixed "en" formats (USE_I18N off, tests/records/test_formats.py), without their
per-value format lookups: a page of 25 rows formats ~75 dates and numbers, and the filters'
lookups cost a list page about a tenth of its CPU (docs/PERFORMANCE.md, "Where the workers' CPU
goes"). tests/playbook/test_formatting.py checks each against its filter."""

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils.html import escape
from django.utils.timezone import template_localtime

_MONTHS = ("", "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_ONE = Decimal(1)


def grouped(value) -> str:
    """`value|floatformat:"0g"`: rounded half up to a whole number, thousands with commas."""
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value))
        whole = number.quantize(_ONE, ROUND_HALF_UP)
    except (InvalidOperation, ValueError, TypeError):
        return ""
    if not whole:
        return "0"  # no "-0"
    return f"{whole:,.0f}"


def local(value: date) -> date:
    """A moment in the current time zone (as the `date` filter shows it); a date as it is."""
    return template_localtime(value) if isinstance(value, datetime) else value


def day(value: date) -> str:
    """`value|date:"j M Y"` of a date or a moment already made local: "3 Feb 2026"."""
    return f"{value.day} {_MONTHS[value.month]} {value.year:04d}"


def stamp(value: date) -> str:
    """`value|date:"c"` of a moment already made local, `value|date:"Y-m-d"` of a date."""
    return value.isoformat()


def csrf_input(context) -> str:
    """What `{% csrf_token %}` writes, for rows drawn in Python: taken once per page."""
    token = context.get("csrf_token")
    if not token or token == "NOTPROVIDED":
        return ""
    return f'<input type="hidden" name="csrfmiddlewaretoken" value="{escape(token)}">'
