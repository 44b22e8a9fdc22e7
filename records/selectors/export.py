"""The records list as a CSV: the same filters and sort as the page, every matching row (not
only one page), the columns the list shows and the workspace's custom fields.

Rows are read in keyset batches in the list's own order (the indexes that serve the page serve
each batch), never all at once; see playbook/csvio.py for the streaming and the formula guard.
"""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import QuerySet

from playbook.csvio import scoped_batches
from records import keyset
from records.models import ICP_SORT, CustomFieldDefinition, CustomFieldKind, Record, RecordStatus
from records.models import Source as RecordSource
from records.selectors.records import Sort

BATCH = 2000
COLUMNS = [
    ("name", "Name"),
    ("domain", "Domain"),
    ("stage__name", "Stage"),
    ("owner__email", "Owner"),
    ("source", "Source"),
    ("country", "Country"),
    ("icp_score", "ICP"),
    ("status", "Status"),
    ("created_at", "Created"),
    ("updated_at", "Last activity"),
]
_SOURCES = dict(RecordSource.choices)
_STATUSES = dict(RecordStatus.choices)


def export_header(definitions: list[CustomFieldDefinition]) -> list[str]:
    return [label for _, label in COLUMNS] + [d.label for d in definitions]


def _custom_cell(definition: CustomFieldDefinition, value):
    if value is None or value == "":
        return None
    if definition.kind == CustomFieldKind.BOOLEAN:
        return bool(value)
    return value  # numbers stay numbers, dates are ISO text already, text is text


def export_rows(
    workspace,
    queryset: QuerySet[Record],
    *,
    sort: Sort,
    descending: bool,
    definitions: list[CustomFieldDefinition],
) -> Iterator[list]:
    """Every record of `queryset` (live_records(workspace) narrowed by the filters) as a list of
    cells in export_header's order, in the list's sort order. A generator: it queries as it is
    consumed, one batch of BATCH rows at a time, each in the workspace's scope."""
    order = keyset.Order(sort.field, descending=descending)
    queryset = queryset.of(workspace)
    if sort.field == "icp_sort":
        queryset = queryset.annotate(icp_sort=ICP_SORT)
    fields = [f for f, _ in COLUMNS] + ["id", "custom_fields", sort.field]
    ordered = queryset.order_by(*order.order_by()).values(*dict.fromkeys(fields))

    def fetch(after):
        rows = ordered if after is None else ordered.filter(order.after(*after))
        batch = list(rows[:BATCH])
        last = batch[-1] if len(batch) == BATCH else None  # a short batch is the last one
        cells = [_cells(row, definitions) for row in batch]
        return cells, (last[sort.field], last["id"]) if last else None

    return scoped_batches(workspace.pk, fetch)


def _cells(row: dict, definitions) -> list:
    cells = [row[field] for field, _ in COLUMNS]
    cells[4] = _SOURCES.get(row["source"], row["source"])
    cells[7] = _STATUSES.get(row["status"], row["status"])
    custom = row["custom_fields"] or {}
    return cells + [_custom_cell(d, custom.get(d.key)) for d in definitions]
