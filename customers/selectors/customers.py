"""The customer list: filterable by CSM, health band, renewal window, MRR and "engagement due",
keyset-paginated by MRR (largest first) like the records list."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.core.cache import cache
from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.utils import timezone

from customers.models import (
    Customer,
    CustomerSettings,
    ExpansionOpportunity,
    OpportunityStatus,
    Subscription,
)
from customers.selectors import surveys
from records import keyset
from records.models import Record

SALT = "customers.list"
ZERO = Decimal("0")
ORDER = keyset.Order("mrr", descending=True)
# Health bands by score (docs/customers.md); "below_70" is at risk and critical together, the
# customers whose ARR is at risk (docs/METRICS.md).
BAND_BOUNDS = {
    "healthy": (70, None),
    "at_risk": (40, 70),
    "critical": (None, 40),
    "below_70": (None, 70),
}
# The bands a customer falls in exactly one of, worst first (the CSM home's chart order).
BAND_ORDER = [
    ("critical", "Critical (<40)"),
    ("at_risk", "At risk (40-69)"),
    ("healthy", "Healthy (70+)"),
    ("unscored", "Not scored"),
]


def health_band(key: str, prefix: str = "") -> Q:
    """Customers (or rows reaching them through `prefix`, e.g. "record__customer__") whose
    health score is in band `key`."""
    field = f"{prefix}health_score"
    if key == "unscored":
        return Q(**{f"{field}__isnull": True})
    low, high = BAND_BOUNDS[key]
    q = Q()
    if low is not None:
        q &= Q(**{f"{field}__gte": low})
    if high is not None:
        q &= Q(**{f"{field}__lt": high})
    return q


HEALTH_BANDS = {key: health_band(key) for key in [*BAND_BOUNDS, "unscored"]}


@dataclass(frozen=True)
class CustomerFilters:
    csm_id: int | None = None
    health: str = ""
    renewal_days: int | None = None
    mrr_min: Decimal | None = None
    mrr_max: Decimal | None = None
    engagement_due: bool = False
    renewal_owner_id: int | None = None
    upsell: bool = False  # with an open upsell or cross-sell opportunity
    answered: str = ""  # "nps" or "csat": answered one in the scores' window (last 90 days)


def settings_or_defaults(workspace) -> CustomerSettings:
    """The workspace's customer settings, or the defaults (unsaved) when none were saved: a
    read, for pages that must not write (customers.services.settings_of creates the row)."""
    return CustomerSettings.objects.of(workspace).first() or CustomerSettings(workspace=workspace)


def _engagement_due(workspace, days: int) -> Q:
    since = timezone.now() - timedelta(days=days)
    return Q(record__last_activity_at__isnull=True) | Q(record__last_activity_at__lt=since)


def customers(
    workspace, filters: CustomerFilters, *, today: date, engagement_days: int | None = None
):
    """The customers `filters` select (engagement_days: N of "engagement due", when asked)."""
    rows = Customer.objects.of(workspace).filter(record__deleted_at__isnull=True)
    if filters.csm_id is not None:
        # The record's workspace said as well (it is the customer's): PostgreSQL then finds the
        # CSM's records by the owner index (workspace, owner, ...), which carries their last
        # activity, instead of scanning around it.
        rows = rows.filter(record__workspace_id=workspace.pk, record__owner_id=filters.csm_id)
    if filters.renewal_owner_id is not None:
        rows = rows.filter(renewal_owner_id=filters.renewal_owner_id)
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
    if filters.upsell:
        rows = rows.filter(
            Exists(
                ExpansionOpportunity.objects.of(workspace).filter(
                    record_id=OuterRef("record_id"), status="open"
                )
            )
        )
    if filters.engagement_due:
        rows = rows.filter(mrr__gt=0).filter(_engagement_due(workspace, engagement_days))
    if filters.answered:
        # The answers the NPS and CSAT figures count (surveys.responses), customer by customer.
        answers = surveys.responses(workspace, today=today).filter(kind=filters.answered)
        rows = rows.filter(Exists(answers.filter(record_id=OuterRef("record_id"))))
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


@dataclass(frozen=True)
class AtRisk:
    at_risk: int  # health 40-69
    at_risk_arr: Decimal
    critical: int  # health under 40
    critical_arr: Decimal


def at_risk_arr(workspace, *, renewal_owner_id: int | None = None) -> AtRisk:
    """Paying customers (a churned one has no ARR to lose) whose health is at risk (40-69) or
    critical (under 40): how many and their ARR (current MRR x 12), per band; of one renewal
    owner, or of every customer (the leader's company health). One query."""
    # "Not deleted" as an anti-join on the few deleted records (their partial index): a join
    # to every live record to read deleted_at scanned the whole records table (118 ms at 100k
    # records, 11 ms this way).
    deleted = Record.objects.of(workspace).filter(
        pk=OuterRef("record_id"), deleted_at__isnull=False
    )
    # Under 70 only (both bands): the range of customer_ws_paying_health the figures need.
    rows = (
        Customer.objects.of(workspace)
        .filter(HEALTH_BANDS["below_70"], mrr__gt=0)
        .exclude(Exists(deleted))
    )
    if renewal_owner_id is not None:
        rows = rows.filter(renewal_owner_id=renewal_owner_id)
    # Counted by health_score (never null in a band), not id: id is not in the index, and
    # reading it would visit every row.
    got = rows.aggregate(
        at_risk_n=Count("health_score", filter=HEALTH_BANDS["at_risk"]),
        at_risk_mrr=Sum("mrr", filter=HEALTH_BANDS["at_risk"]),
        critical_n=Count("health_score", filter=HEALTH_BANDS["critical"]),
        critical_mrr=Sum("mrr", filter=HEALTH_BANDS["critical"]),
    )
    return AtRisk(
        got["at_risk_n"],
        (got["at_risk_mrr"] or ZERO) * 12,
        got["critical_n"],
        (got["critical_mrr"] or ZERO) * 12,
    )


@dataclass(frozen=True)
class Upsells:
    customers: int
    count: int
    arr: Decimal  # the expected MRR after each upsell or of each cross-sell, x 12


def upsell_opportunities(workspace, *, owner_id, today: date) -> Upsells:
    """Open upsell and cross-sell opportunities on the customers whose renewal owner is
    `owner_id`: the customers (the customer list's "Open upsell" filter), the opportunities and
    their expected ARR. Two queries."""
    with_upsell = customers(
        workspace,
        CustomerFilters(renewal_owner_id=owner_id, upsell=True),
        today=today,
    )
    opportunities = ExpansionOpportunity.objects.of(workspace).filter(
        Exists(with_upsell.filter(record_id=OuterRef("record_id"))),
        status=OpportunityStatus.OPEN,
    )
    got = opportunities.aggregate(n=Count("id"), mrr=Sum("expected_mrr"))
    return Upsells(with_upsell.count(), got["n"], (got["mrr"] or ZERO) * 12)
