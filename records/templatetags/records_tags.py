from datetime import datetime
from functools import cache

from django import template
from django.template.defaultfilters import date as date_filter
from django.template.defaultfilters import floatformat
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.timezone import template_localtime

from records.contact_data import country_names, format_phone
from records.custom_fields import display_value

register = template.Library()


@register.filter
def phone(e164: str) -> str:
    """An E.164 number as people read it: +49 30 901820."""
    return format_phone(e164) if e164 else ""


@register.simple_tag
@cache
def country_datalist():
    """The <datalist id="countries"> the country inputs suggest from: 245 options, rendered
    once per process (as select widgets they cost a list page a tenth of its time)."""
    options = format_html_join("", '<option value="{}">', ((n,) for n in country_names()))
    return format_html('<datalist id="countries">{}</datalist>', options)


@register.simple_tag
def custom_cell(record, column) -> str:
    """A custom field column's cell: the value the record's own row carries (custom_fields is
    read with the page's one query), as the record page shows it."""
    definition = column.definition
    return display_value(definition, (record.custom_fields or {}).get(definition.key))


def _dash(text="—"):
    return format_html('<span class="muted">{}</span>', text)


def _day(value):
    """A <time> of a date or a moment, read as "23 Nov 2026" (moments in the current zone)."""
    if value is None:
        return _dash()
    if isinstance(value, datetime):
        value = template_localtime(value)
        stamp = date_filter(value, "c")
    else:
        stamp = date_filter(value, "Y-m-d")
    return format_html('<time datetime="{}">{}</time>', stamp, date_filter(value, "j M Y"))


def _or_dash(value):
    return _dash() if value in (None, "") else value


# The list's cells other than the name's and the stage's (those stay in record_row.html: the
# stage cell carries the pipeline's marker). Drawn here rather than as a template branch per
# column: a row of eleven cells costs a third less this way.
_CELLS = {
    "owner": lambda r: r.owner.display_name if r.owner else _dash("nobody"),
    "expected_arr": lambda r: (
        _dash() if r.expected_arr is None else floatformat(r.expected_arr, "0g")
    ),
    "close_date": lambda r: _day(r.expected_close_date),
    "source": lambda r: r.get_source_display(),
    "country": lambda r: r.country,
    "industry": lambda r: r.industry,
    "employees": lambda r: r.employee_count,
    "icp": lambda r: r.icp_score,
    "status": lambda r: r.get_status_display(),
    "forecast": lambda r: r.get_forecast_category_display(),
    "created": lambda r: _day(r.created_at),
    "updated": lambda r: _day(r.updated_at),
}


@register.simple_tag
def column_cell(record, column) -> str:
    """One <td> of the records list for `column` (records.columns), labelled for the card
    layout on narrow screens."""
    if column.definition is not None:
        value = custom_cell(record, column)
    else:
        value = _CELLS[column.key](record)
    return format_html(
        '<td{} data-label="{}">{}</td>',
        mark_safe(' class="num"') if column.numeric else "",
        column.label,
        _or_dash(value),
    )
