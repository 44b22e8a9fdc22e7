"""The customer list and the MRR ledger as CSV rows, read in keyset batches as the download is
sent (playbook/csvio.py): never every row at once."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import F

from customers.models import (
    ClassifiedMovement,
    Customer,
    MovementAction,
    MovementKind,
    MrrMovement,
)
from customers.selectors.customers import ORDER, CustomerFilters, customers
from playbook.csvio import scoped_batches
from records import keyset

BATCH = 2000
# The ledger is read a batch of customers at a time: the classified-movements view partitions by
# customer, so a filter on the customers is pushed below its window functions (a filter on the
# date would make every batch classify the whole ledger again).
LEDGER_CUSTOMERS = 500

CUSTOMER_HEADER = [
    "Customer",
    "Domain",
    "MRR",
    "ARR",
    "Health",
    "CSM",
    "Renewal owner",
    "Last activity",
]
LEDGER_HEADER = [
    "Customer",
    "Domain",
    "Subscription",
    "Plan",
    "Effective on",
    "Action",
    "Kind",
    "MRR from that date",
    "Change",
    "Customer MRR before",
    "Customer MRR after",
]
_ACTIONS = dict(MovementAction.choices)
_KINDS = dict(MovementKind.choices)


def customer_export_rows(
    workspace, filters: CustomerFilters, *, today, engagement_days
) -> Iterator[list]:
    """Every customer the list's `filters` select, largest MRR first (the list's order)."""
    rows = (
        customers(workspace, filters, today=today, engagement_days=engagement_days)
        .order_by(*ORDER.order_by())
        .values(
            "id",
            "mrr",
            "health_score",
            "record__name",
            "record__domain",
            "record__owner__email",
            "renewal_owner__email",
            "record__last_activity_at",
        )
    )

    def fetch(after):
        batch = list((rows if after is None else rows.filter(ORDER.after(*after)))[:BATCH])
        cells = [
            [
                r["record__name"],
                r["record__domain"],
                r["mrr"],
                r["mrr"] * 12,
                r["health_score"],
                r["record__owner__email"],
                r["renewal_owner__email"],
                r["record__last_activity_at"],
            ]
            for r in batch
        ]
        last = batch[-1] if len(batch) == BATCH else None  # a short batch is the last one
        return cells, (last["mrr"], last["id"]) if last else None

    return scoped_batches(workspace.pk, fetch)


def ledger_export_rows(workspace) -> Iterator[list]:
    """Every ledger row of the workspace's customers (not of deleted records) with its derived
    kind, customer by customer (in the order they became customers), each in date order."""
    by_record = keyset.Order("record_id")
    customer_ids = (
        Customer.objects.of(workspace)
        .filter(record__deleted_at__isnull=True)
        .order_by(*by_record.order_by())
        .values_list("record_id", "id")
    )

    def fetch(after):
        chunk = customer_ids if after is None else customer_ids.filter(by_record.after(*after))
        chunk = list(chunk[:LEDGER_CUSTOMERS])
        if not chunk:
            return [], None
        more = chunk[-1] if len(chunk) == LEDGER_CUSTOMERS else None
        movements = (
            ClassifiedMovement.objects.of(workspace)
            .filter(record_id__in=[record_id for record_id, _ in chunk])
            .order_by("record_id", "effective_on", "id")
            .values_list(
                F("record__name"),
                F("record__domain"),
                F("subscription__external_id"),
                F("subscription__plan"),
                "effective_on",
                "action",
                "kind",
                "mrr",
                "delta",
                "customer_mrr_before",
                "customer_mrr_after",
            )
        )
        cells = [
            [*row[:5], _ACTIONS.get(row[5], row[5]), _KINDS.get(row[6], ""), *row[7:]]
            for row in movements
        ]
        return cells, more

    return scoped_batches(workspace.pk, fetch)


def ledger_row_count(workspace) -> int:
    """How many rows ledger_export_rows gives (for the audit log)."""
    return MrrMovement.objects.of(workspace).filter(record__deleted_at__isnull=True).count()
