"""The renewals page: renewals due within a window, their ARR, health, NPS, status, and the
customer's open upsell opportunities. Keyset-paginated by term end."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import (
    Count,
    DecimalField,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Sum,
)

from customers.models import (
    AlertStatus,
    ClassifiedMovement,
    ExpansionOpportunity,
    MovementKind,
    RenewalAlert,
    SubscriptionStatus,
    SurveyResponse,
)
from customers.selectors.customers import health_band
from records import keyset
from targets.metrics import ratio
from targets.periods import quarter_bounds

WINDOWS = (30, 60, 90, 120)
SALT = "customers.renewals"
ORDER = keyset.Order("term_end")
# Outcomes stay on the page this long after the term end (renewed, churned).
RECENT_DAYS = 30
ZERO = Decimal("0")
_MONEY = DecimalField(max_digits=14, decimal_places=2)


# The renewal_status rules below as conditions on alert rows, for counting them in SQL (the
# renewals home). tests/customers/test_renewals.py checks that both readings agree.
CHURNED = Q(subscription__status=SubscriptionStatus.CANCELLED)
RENEWED = ~CHURNED & Q(subscription__term_end__gt=F("term_end"))


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


def renewal_rows(
    workspace,
    *,
    today: date,
    window: int = max(WINDOWS),
    owner_id: int | None = None,
    include_hidden: bool = False,
    upcoming: bool = False,
    ended: tuple[date, date] | None = None,
    outcome: str = "",
):
    """One row per (subscription, term end): its tightest alert. By default the terms ending
    within `window` days and those ended in the last RECENT_DAYS; `upcoming`: only terms ending
    today or later; `ended`: the terms that ended between two dates instead (hidden alerts
    included: an outcome is an outcome), `outcome` "renewed" or "churned" narrowing them.
    Hidden: dismissed alerts and alerts snoozed until after today, unless `include_hidden`."""
    tighter = RenewalAlert.objects.of(workspace).filter(
        subscription_id=OuterRef("subscription_id"),
        term_end=OuterRef("term_end"),
        window__lt=OuterRef("window"),
    )
    rows = RenewalAlert.objects.of(workspace)
    if ended is not None:
        rows = rows.filter(term_end__gte=ended[0], term_end__lte=ended[1])
        include_hidden = True
    else:
        since = today if upcoming else today - timedelta(days=RECENT_DAYS)
        rows = rows.filter(term_end__gte=since, term_end__lte=today + timedelta(days=window))
    if outcome:
        rows = rows.filter({"renewed": RENEWED, "churned": CHURNED}[outcome])
    rows = rows.exclude(Exists(tighter))
    if ended is not None:
        # A churned subscription's MRR is 0 now: what was lost is the MRR before its churn row
        # (the ledger's classified view, filtered by record so it stays one customer's rows).
        before = (
            ClassifiedMovement.objects.of(workspace)
            .filter(
                record_id=OuterRef("record_id"),
                subscription_id=OuterRef("subscription_id"),
                kind=MovementKind.CHURN,
            )
            .order_by("-effective_on", "-id")
            .values("previous_mrr")[:1]
        )
        rows = rows.annotate(mrr_before_churn=Subquery(before, output_field=_MONEY))
    if owner_id is not None:
        rows = rows.filter(owner_id=owner_id)
    if not include_hidden:
        rows = rows.exclude(status=AlertStatus.DISMISSED).exclude(
            Q(status=AlertStatus.SNOOZED) & Q(snoozed_until__gt=today)
        )
    return rows


def renewals_due(
    workspace,
    *,
    window: int,
    today: date,
    owner_id: int | None = None,
    include_hidden: bool = False,
    upcoming: bool = False,
    ended: tuple[date, date] | None = None,
    outcome: str = "",
    cursor: str | None = None,
    size: int = 50,
) -> keyset.Page:
    """The renewals page: renewal_rows with the customer's latest NPS and open upsells,
    keyset-paginated by term end."""
    rows = renewal_rows(
        workspace,
        today=today,
        window=window,
        owner_id=owner_id,
        include_hidden=include_hidden,
        upcoming=upcoming,
        ended=ended,
        outcome=outcome,
    )
    # What the page shows beside each row (the counts on the home need none of it).
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
    rows = rows.select_related("subscription", "record", "owner", "record__customer").annotate(
        nps=Subquery(latest_nps, output_field=IntegerField()),
        open_upsells=Subquery(open_upsells, output_field=IntegerField()),
    )
    scope = f"renewals:{window}:{upcoming}:{ended}:{outcome}"
    page = keyset.paginate(rows, ORDER, salt=SALT, scope=scope, cursor=cursor, size=size)
    for alert in page.items:
        alert.renewal_status = renewal_status(alert)
    return page


# --- the renewals home's figures ---------------------------------------------------------------


@dataclass(frozen=True)
class Window:
    days: int
    count: int
    arr: Decimal
    at_risk: int  # of them, customers with health under 70
    unscored: int


def renewals_by_window(workspace, *, owner_id, today: date) -> list[Window]:
    """Upcoming renewals (term end today or later, not dismissed or snoozed) due within each
    window, with their subscriptions' ARR and how many of the customers are at risk. One
    query: the windows nest, so conditional sums over the widest window's rows."""
    rows = renewal_rows(
        workspace, window=max(WINDOWS), today=today, owner_id=owner_id, upcoming=True
    )
    sums = {}
    for days in WINDOWS:
        within = Q(term_end__lte=today + timedelta(days=days))
        sums[f"n{days}"] = Count("id", filter=within)
        sums[f"mrr{days}"] = Sum("subscription__mrr", filter=within)
        sums[f"risk{days}"] = Count("id", filter=within & _band("below_70"))
        sums[f"unscored{days}"] = Count("id", filter=within & _band("unscored"))
    got = rows.aggregate(**sums)
    return [
        Window(
            days,
            got[f"n{days}"],
            (got[f"mrr{days}"] or ZERO) * 12,
            got[f"risk{days}"],
            got[f"unscored{days}"],
        )
        for days in WINDOWS
    ]


def _band(key: str) -> Q:
    """A customer-list health band, read from an alert's record's customer row."""
    return health_band(key, prefix="record__customer__")


@dataclass(frozen=True)
class Outcomes:
    first: date
    last: date
    renewed: int
    renewed_arr: Decimal
    churned: int
    churned_arr: Decimal

    @property
    def renewal_rate(self):
        return ratio(self.renewed, self.renewed + self.churned)


def renewed_vs_churned(workspace, *, owner_id, today: date) -> Outcomes:
    """Terms that ended this quarter (so far), renewed or churned, as the renewals page says
    them: renewed = the subscription's term moved past that end; churned = cancelled. ARR:
    the renewed subscriptions' ARR now, the churned ones' ARR before the churn. One query."""
    first, last = quarter_bounds(today)
    rows = renewal_rows(workspace, today=today, owner_id=owner_id, ended=(first, min(last, today)))
    got = rows.aggregate(
        renewed=Count("id", filter=RENEWED),
        renewed_mrr=Sum("subscription__mrr", filter=RENEWED),
        churned=Count("id", filter=CHURNED),
        churned_mrr=Sum("mrr_before_churn", filter=CHURNED),
    )
    return Outcomes(
        first,
        last,
        got["renewed"],
        (got["renewed_mrr"] or ZERO) * 12,
        got["churned"],
        (got["churned_mrr"] or ZERO) * 12,
    )
