"""Reads of the MRR ledger: classified movements and MRR on a date (docs/customers.md)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db.models import OuterRef, Subquery, Sum

from customers.models import ClassifiedMovement, MrrMovement, Subscription

ZERO = Decimal("0.00")


def classified_movements(workspace, *, record=None):
    """Every ledger row of `workspace` (or of one customer) with its derived `kind`, `delta` and
    the customer's MRR just before and after it, in the derivation's order. A queryset: filter
    by `effective_on` and aggregate in the database (`.values("kind").annotate(Sum("delta"))`).
    Filtering by date does not change the kinds: they are computed over the whole history."""
    rows = ClassifiedMovement.objects.of(workspace)
    if record is not None:
        rows = rows.filter(record=record)
    return rows.order_by("effective_on", "id")


def customer_mrr_on(workspace, record, day: date) -> Decimal:
    """The customer's total MRR on `day` (after every row effective that day)."""
    last = (
        classified_movements(workspace, record=record)
        .filter(effective_on__lte=day)
        .order_by("-effective_on", "-id")
        .values_list("customer_mrr_after", flat=True)
        .first()
    )
    return ZERO if last is None else Decimal(last)


def subscriptions_mrr_on(workspace, day: date, *, record=None):
    """Subscriptions annotated with `mrr_on`: each one's MRR on `day` (its latest row effective
    on or before it; NULL before it started)."""
    latest = (
        MrrMovement.objects.of(workspace)
        .filter(subscription=OuterRef("pk"), effective_on__lte=day)
        .order_by("-effective_on", "-id")
        .values("mrr")[:1]
    )
    subs = Subscription.objects.of(workspace)
    if record is not None:
        subs = subs.filter(record=record)
    return subs.annotate(mrr_on=Subquery(latest))


def workspace_mrr_on(workspace, day: date) -> Decimal:
    """The workspace's total MRR on `day`."""
    total = subscriptions_mrr_on(workspace, day).aggregate(total=Sum("mrr_on"))["total"]
    return ZERO if total is None else Decimal(total)


def current_mrr(workspace, record) -> Decimal:
    """A customer's MRR now: the sum of its active subscriptions."""
    total = (
        Subscription.objects.of(workspace)
        .filter(record=record, status="active")
        .aggregate(total=Sum("mrr"))["total"]
    )
    return ZERO if total is None else total
