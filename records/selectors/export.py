"""The records list as a CSV: the same filters and sort as the page, every matching row (not
only one page), and the columns the page shows (records.columns, the one definition of both).

Rows are read in keyset batches in the list's own order (the indexes that serve the page serve
each batch), never all at once; see playbook/csvio.py for the streaming and the formula guard.
"""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import QuerySet

from playbook.csvio import scoped_batches
from records import columns as cols
from records import keyset
from records.models import ICP_SORT, Record
from records.selectors.records import Sort

BATCH = 2000


def export_header(columns: list[cols.Column]) -> list[str]:
    return cols.export_header(columns)


def export_rows(
    workspace,
    queryset: QuerySet[Record],
    *,
    sort: Sort,
    descending: bool,
    columns: list[cols.Column],
) -> Iterator[list]:
    """Every record of `queryset` (live_records(workspace) narrowed by the filters) as a list of
    cells in export_header's order, in the list's sort order. A generator: it queries as it is
    consumed, one batch of BATCH rows at a time, each in the workspace's scope."""
    order = keyset.Order(sort.field, descending=descending)
    queryset = queryset.of(workspace)
    if sort.field == "icp_sort":
        queryset = queryset.annotate(icp_sort=ICP_SORT)
    fields = [*cols.export_fields(columns), "id", sort.field]
    ordered = queryset.order_by(*order.order_by()).values(*dict.fromkeys(fields))

    def fetch(after):
        rows = ordered if after is None else ordered.filter(order.after(*after))
        batch = list(rows[:BATCH])
        last = batch[-1] if len(batch) == BATCH else None  # a short batch is the last one
        cells = [cols.export_cells(columns, row) for row in batch]
        return cells, (last[sort.field], last["id"]) if last else None

    return scoped_batches(workspace.pk, fetch)
