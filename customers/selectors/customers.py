"""The customer list: filterable by CSM, health band, renewal window, MRR and "engagement due",
keyset-paginated by MRR (largest first) like the records list."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.core.cache import cache
from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from customers.models import Customer, Subscription
from records import keyset

SALT = "customers.list"
ORDER = keyset.Order("mrr", descending=True)
HEALTH_BANDS = {
    "healthy": Q(health_score__gte=70),
    "at_risk": Q(health_score__gte=40, health_score__lt=70),
    "critical": Q(health_score__lt=40),
    "unscored": Q(health_score__isnull=True),
}


@dataclass(frozen=True)
class CustomerFilters:
    csm_id: int | None = None
    health: str = ""
    renewal_days: int | None = None
    mrr_min: Decimal | None = None
    mrr_max: Decimal | None = None
    engagement_due: bool = False


def _engagement_due(workspace, days: int) -> Q:
    since = timezone.now() - timedelta(days=days)
    return Q(record__last_activity_at__isnull=True) | Q(record__last_activity_at__lt=since)


def customers(workspace, filters: CustomerFilters, *, today: date, engagement_days: int):
    rows = Customer.objects.of(workspace).filter(record__deleted_at__isnull=True)
    if filters.csm_id is not None:
        rows = rows.filter(record__owner_id=filters.csm_id)
    if filters.health:
        rows = rows.filter(HEALTH_BANDS[filters.health])
    if filters.renewal_days is not None:
        rows = rows.filter(
            Exists(
                Subscription.objects.of(workspace).filter(
                    record_id=OuterRef("record_id"),
                    status="active",
                    term_end__lte=today + timedelta(days=filters.renewal_days),
                )
            )
        )
    if filters.mrr_min is not None:
        rows = rows.filter(mrr__gte=filters.mrr_min)
    if filters.mrr_max is not None:
        rows = rows.filter(mrr__lte=filters.mrr_max)
    if filters.engagement_due:
        rows = rows.filter(mrr__gt=0).filter(_engagement_due(workspace, engagement_days))
    return rows


def customer_page_of(workspace, filters, *, today, engagement_days, cursor=None, size=50):
    rows = customers(workspace, filters, today=today, engagement_days=engagement_days)
    rows = rows.select_related("record", "record__owner", "renewal_owner")
    return keyset.paginate(rows, ORDER, salt=SALT, scope="mrr", cursor=cursor, size=size)


# The per-CSM counts of engagements due are read on every view of the customer list but count
# every paying customer (measured: 60-290 ms at 100k customers), so they are kept this long.
DUE_COUNTS_SECONDS = 300


def engagements_due_by_csm(workspace, *, engagement_days: int) -> dict[int | None, int]:
    """Paying customers with no engagement in `engagement_days`, counted per CSM: one query,
    or none for DUE_COUNTS_SECONDS after it ran (a count over every customer must not run on
    every page view)."""
    # The workspace's creation time tells apart workspaces that reuse an id (test databases).
    key = f"customers:due:{workspace.pk}:{workspace.created_at.timestamp()}:{engagement_days}"
    counts = cache.get(key)
    if counts is None:
        counts = _engagements_due_by_csm(workspace, engagement_days)
        cache.set(key, counts, DUE_COUNTS_SECONDS)
    return counts


def _engagements_due_by_csm(workspace, engagement_days: int) -> dict[int | None, int]:
    rows = (
        Customer.objects.of(workspace)
        .filter(mrr__gt=0, record__deleted_at__isnull=True)
        .filter(_engagement_due(workspace, engagement_days))
        .values("record__owner_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {row["record__owner_id"]: row["n"] for row in rows}
