"""The renewals page: renewals due within a window, their ARR, health, NPS, status, and the
customer's open upsell opportunities. Keyset-paginated by term end."""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import Count, Exists, IntegerField, OuterRef, Q, Subquery

from customers.models import (
    AlertStatus,
    ExpansionOpportunity,
    RenewalAlert,
    SubscriptionStatus,
    SurveyResponse,
)
from records import keyset

WINDOWS = (30, 60, 90, 120)
SALT = "customers.renewals"
ORDER = keyset.Order("term_end")
# Outcomes stay on the page this long after the term end (renewed, churned).
RECENT_DAYS = 30


def renewal_status(alert) -> str:
    sub = alert.subscription
    if sub.status == SubscriptionStatus.CANCELLED:
        return "churned"
    if sub.term_end > alert.term_end:
        return "renewed"
    last = alert.record.last_activity_at
    if last is not None and last > alert.created_at:
        return "in progress"
    return "not started"


def renewals_due(
    workspace,
    *,
    window: int,
    today: date,
    owner_id: int | None = None,
    include_hidden: bool = False,
    cursor: str | None = None,
    size: int = 50,
) -> keyset.Page:
    """One row per (subscription, term end): its tightest alert. Hidden: dismissed alerts and
    alerts snoozed until after today, unless `include_hidden`."""
    tighter = RenewalAlert.objects.of(workspace).filter(
        subscription_id=OuterRef("subscription_id"),
        term_end=OuterRef("term_end"),
        window__lt=OuterRef("window"),
    )
    latest_nps = (
        SurveyResponse.objects.of(workspace)
        .filter(record_id=OuterRef("record_id"), kind="nps")
        .order_by("-responded_on", "-id")
        .values("score")[:1]
    )
    open_upsells = (
        ExpansionOpportunity.objects.of(workspace)
        .filter(record_id=OuterRef("record_id"), status="open")
        .values("record_id")
        .annotate(n=Count("id"))
        .values("n")[:1]
    )
    rows = (
        RenewalAlert.objects.of(workspace)
        .filter(
            term_end__gte=today - timedelta(days=RECENT_DAYS),
            term_end__lte=today + timedelta(days=window),
        )
        .exclude(Exists(tighter))
        .select_related("subscription", "record", "owner", "record__customer")
        .annotate(
            nps=Subquery(latest_nps, output_field=IntegerField()),
            open_upsells=Subquery(open_upsells, output_field=IntegerField()),
        )
    )
    if owner_id is not None:
        rows = rows.filter(owner_id=owner_id)
    if not include_hidden:
        rows = rows.exclude(status=AlertStatus.DISMISSED).exclude(
            Q(status=AlertStatus.SNOOZED) & Q(snoozed_until__gt=today)
        )
    page = keyset.paginate(
        rows, ORDER, salt=SALT, scope=f"renewals:{window}", cursor=cursor, size=size
    )
    for alert in page.items:
        alert.renewal_status = renewal_status(alert)
    return page
