from functools import cache

from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.html import conditional_escape, escape, format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.text import Truncator

from playbook import formatting
from playbook.rowurls import row_url
from records.columns import CHOICE_LABELS, STAGE_MARKERS
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


_DASH = _dash()


def _day(value):
    """A <time> of a date or a moment, read as "23 Nov 2026" (moments in the current zone)."""
    if value is None:
        return _DASH
    value = formatting.local(value)
    # Digits and ISO punctuation only: nothing to escape.
    return mark_safe(f'<time datetime="{formatting.stamp(value)}">{formatting.day(value)}</time>')


def _or_dash(value):
    return _DASH if value in (None, "") else conditional_escape(value)


_SOURCES = CHOICE_LABELS["source"]
_STATUSES = CHOICE_LABELS["status"]
_FORECASTS = CHOICE_LABELS["forecast_category"]

# The list's cells other than the name's and the stage's, drawn in Python rather than as a
# template branch per column (records.columns says which; the header loops over the same).
_CELLS = {
    "owner": lambda r: r.owner.display_name if r.owner else _dash("nobody"),
    "expected_arr": lambda r: (
        _DASH if r.expected_arr is None else formatting.grouped(r.expected_arr)
    ),
    "close_date": lambda r: _day(r.expected_close_date),
    "source": lambda r: _SOURCES.get(r.source, r.source),
    "country": lambda r: r.country,
    "industry": lambda r: r.industry,
    "employees": lambda r: r.employee_count,
    "icp": lambda r: r.icp_score,
    "status": lambda r: _STATUSES.get(r.status, r.status),
    "forecast": lambda r: _FORECASTS.get(r.forecast_category, r.forecast_category),
    "created": lambda r: _day(r.created_at),
    "updated": lambda r: _day(r.updated_at),
}


def _td(column) -> str:
    """A column's opening <td>, labelled for the card layout on narrow screens."""
    numeric = ' class="num"' if column.numeric else ""
    return f'<td{numeric} data-label="{escape(column.label)}">'


def _value(record, column):
    if column.definition is not None:
        return custom_cell(record, column)
    return _CELLS[column.key](record)


@register.simple_tag
def column_cell(record, column) -> str:
    """One <td> of the records list for `column` (records.columns)."""
    return mark_safe(f"{_td(column)}{_or_dash(_value(record, column))}</td>")


def _stage_cell(record, now) -> str:
    stage = record.stage
    if stage is None:
        return f'<td class="stage-cell" data-label="Stage">{_DASH}</td>'
    markers = "".join(conditional_escape(marker(record, now)) for marker in STAGE_MARKERS)
    return f'<td class="stage-cell" data-label="Stage">{escape(stage.name)} {markers}</td>'


@register.simple_tag(takes_context=True)
def record_rows(context, records, columns):
    """The records list's rows: the tick box, the name (with the domain and an overdue badge),
    then `columns` (records.columns after the name; the stage cell with the markers other apps
    register in records.columns.STAGE_MARKERS). Built here in one pass, with the record URL
    reversed once per page (playbook.rowurls), rather than an {% include %} per row and a tag
    per cell: the rows were half of the list page's CPU. Needs the records with owner and
    stage selected (records.selectors.record_page)."""
    slug = context["workspace"].slug
    now = timezone.now()
    openings = [None if column.is_stage else _td(column) for column in columns]
    rows = []
    for record in records:
        pk = int(record.pk)
        name = escape(record.name)
        badge = (
            '<span class="badge badge-danger">overdue task</span>'
            if getattr(record, "has_overdue_task", False)
            else ""
        )
        domain = (
            f'<br><small class="muted">{escape(record.domain)}</small>' if record.domain else ""
        )
        cells = [
            _stage_cell(record, now)
            if opening is None
            else f"{opening}{_or_dash(_value(record, column))}</td>"
            for column, opening in zip(columns, openings, strict=True)
        ]
        rows.append(
            f'<tr id="record-{pk}">\n'
            f'  <td class="bulk-select" data-label="Select"><input type="checkbox" name="ids" '
            f'value="{pk}" form="bulk-form" aria-label="Tick {name}"></td>\n'
            f'  <th scope="row">\n'
            f'    <a href="{row_url("records:detail", slug, pk)}">{name}</a>\n'
            f"    {badge}\n"
            f"    {domain}\n"
            f"  </th>\n"
            f"  {''.join(cells)}\n"
            f"</tr>\n"
        )
    return mark_safe("".join(rows))


def _task_row(task, *, slug, csrf, tasks_url, everyone) -> str:
    pk = int(task.pk)
    subject = escape(task.subject)
    if task.done:
        badge = '<span class="badge badge-ok">done</span>'
    elif task.is_overdue:
        badge = '<span class="badge badge-danger">overdue</span>'
    else:
        badge = ""
    who = ""
    if everyone:
        who = f'<br><small class="muted">For {escape(task.assignee or "nobody")}</small>'
    body = ""
    if task.body:
        body = f'<br><small class="muted">{escape(Truncator(task.body).chars(120))}</small>'
    record = task.record
    stage = f' <small class="muted">{escape(record.stage.name)}</small>' if record.stage else ""
    if task.due_at:
        due = formatting.local(task.due_at)
        when = f'<time datetime="{formatting.stamp(due)}">{formatting.day(due)} {due:%H:%M}</time>'
    else:
        when = '<span class="muted">no due date</span>'
    action, label, style = (
        ("records:activity_reopen", "Undo", ' class="outline secondary"')
        if task.done
        else ("records:activity_done", "Done", "")
    )
    url = row_url(action, slug, pk)
    done = ' class="task-done"' if task.done else ""
    hidden = f'<span class="visually-hidden">: {subject}</span>'
    return (
        f'<tr id="task-{pk}"{done}>\n'
        f"  <td>\n    {subject}\n    {badge}\n    {who}\n    {body}\n  </td>\n"
        f'  <td><a href="{row_url("records:detail", slug, task.record_id)}">'
        f"{escape(record.name)}</a>{stage}</td>\n"
        f"  <td>{when}</td>\n"
        f"  <td>\n"
        f'    <form method="post" action="{url}"\n'
        f'          hx-post="{url}" hx-target="closest tr" hx-swap="outerHTML">{csrf}\n'
        f'      <input type="hidden" name="view" value="task"><input type="hidden" name="next" '
        f'value="{tasks_url}">\n'
        f'      <button type="submit"{style}>{label}{hidden}</button>\n'
        f"    </form>\n"
        f"  </td>\n"
        f"</tr>\n"
    )


@register.simple_tag(takes_context=True)
def task_rows(context, tasks):
    """My tasks' rows (tasks with record, its stage and the assignee selected): the task, its
    record, when it is due and the Done/Undo form. One pass in Python with the URLs reversed
    once per page (playbook.rowurls), rather than a partial per row with three {% url %}s."""
    slug = context["workspace"].slug
    common = {
        "slug": slug,
        "csrf": formatting.csrf_input(context),
        "tasks_url": escape(reverse("records:tasks", args=[slug])),
        "everyone": context.get("everyone"),
    }
    return mark_safe("".join(_task_row(task, **common) for task in tasks))
