"""The reads of the dashboards that no other app already has, workspace first. Each is one
indexed query; figures the monthly snapshots hold are read from them (targets.selectors) and
summed over a period here, with the same formulas as docs/METRICS.md."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count

from customers.selectors.customers import at_risk_arr
from playbook.models import Membership, Role
from records.models import Source
from targets import periods as months
from targets import selectors as target_selectors
from targets.metrics import ratio
from targets.models import MetricSnapshot, Target, source_scope_key
from targets.rollups import funnel

ZERO = Decimal("0")


@dataclass
class PeriodTotals:
    """The additive components of the workspace snapshots of a range of months, summed."""

    months: int = 0
    new_mrr: Decimal = ZERO
    expansion_mrr: Decimal = ZERO
    contraction_mrr: Decimal = ZERO
    churn_mrr: Decimal = ZERO
    reactivation_mrr: Decimal = ZERO
    new_customers: int = 0
    churned_customers: int = 0
    # Customers paying at the start of each month, summed over the months (customer-months).
    customer_months: int = 0
    wins: int = 0
    lost_deals: int = 0
    sales_accepted_leads: int = 0
    entered: dict = field(default_factory=dict)  # stage key -> records entering
    advanced: dict = field(default_factory=dict)  # stage key -> of those, entered the next
    stages: list = field(default_factory=list)  # [(key, name)] in order
    cycle_days_x_wins: Decimal = ZERO
    cycle_wins: int = 0
    has_mrr: bool = False
    last: object = None  # the last snapshot of the range (for the trailing-12 figures)

    @property
    def quick_ratio(self):
        return ratio(
            self.new_mrr + self.expansion_mrr + self.reactivation_mrr,
            self.contraction_mrr + self.churn_mrr,
        )

    @property
    def win_rate(self):
        return ratio(self.wins, self.wins + self.lost_deals)

    @property
    def acv(self):
        """Average contract value: new ARR / new customers (the planner's ACV)."""
        return ratio(self.new_mrr * 12, self.new_customers)

    @property
    def logo_churn(self):
        """The monthly logo churn over the period: customers churned in its months / customers
        paying at the start of its months (one month: that month's logo churn)."""
        return ratio(self.churned_customers, self.customer_months)

    @property
    def sales_cycle_days(self):
        """Each month's median sales cycle weighted by its wins (one month: its median)."""
        return ratio(self.cycle_days_x_wins, self.cycle_wins)

    def conversion(self, key: str):
        return ratio(self.advanced.get(key, 0), self.entered.get(key, 0))


def period_totals(workspace, *, first: int, last: int) -> PeriodTotals:
    """One query: the workspace snapshots of months first..last, summed."""
    snaps = target_selectors.snapshots(workspace, first=first, last=last)
    out = PeriodTotals(months=len(snaps))
    for snap in snaps:
        if snap.mrr_end is not None:
            out.has_mrr = True
            out.customer_months += snap.customers_start or 0
            for name in ("new_mrr", "expansion_mrr", "contraction_mrr", "churn_mrr"):
                setattr(out, name, getattr(out, name) + (getattr(snap, name) or ZERO))
            out.reactivation_mrr += snap.reactivation_mrr or ZERO
            out.new_customers += snap.new_customers or 0
            out.churned_customers += snap.churned_customers or 0
        out.wins += snap.wins or 0
        out.lost_deals += snap.lost_deals or 0
        out.sales_accepted_leads += snap.sales_accepted_leads or 0
        if snap.sales_cycle_days is not None and snap.wins:
            out.cycle_days_x_wins += snap.sales_cycle_days * snap.wins
            out.cycle_wins += snap.wins
        for stage in snap.stages or []:
            if (stage["key"], stage["name"]) not in out.stages:
                out.stages.append((stage["key"], stage["name"]))
            out.entered[stage["key"]] = out.entered.get(stage["key"], 0) + stage["entered"]
            out.advanced[stage["key"]] = out.advanced.get(stage["key"], 0) + stage["advanced"]
        out.last = snap
    return out


def at_risk(workspace) -> dict[str, tuple[int, Decimal]]:
    """Paying customers whose health is at risk (40-69) or critical (under 40): how many and
    their ARR, per band (customers.selectors.customers.at_risk_arr, one query)."""
    risk = at_risk_arr(workspace)
    return {
        "at_risk": (risk.at_risk, risk.at_risk_arr),
        "critical": (risk.critical, risk.critical_arr),
    }


def role_counts(workspace) -> dict[str, int]:
    """Active members per role, one query."""
    rows = (
        Membership.objects.of(workspace)
        .filter(is_active=True)
        .values("role")
        .annotate(n=Count("id"))
        .order_by()
    )
    counts = {row["role"]: row["n"] for row in rows}
    return {role: counts.get(role, 0) for role in Role.values}


def period_target(workspace, metric: str, *, first: int, last: int, scope_key="workspace"):
    """The target of `metric` for months first..last: the sum of the monthly targets of those
    months when every month has one, else the yearly targets of the years the range covers
    whole; None when neither (one query)."""
    found = period_targets(workspace, [metric], first=first, last=last, scope_keys=[scope_key])
    return found[(metric, scope_key)]


def period_targets(workspace, metrics, *, first: int, last: int, scope_keys) -> dict:
    """{(metric, scope key): the period's target or None} as period_target judges each, for
    every pair of `metrics` and `scope_keys`, in one query."""
    years = range(first // 12, last // 12 + 1)
    rows = (
        Target.objects.of(workspace)
        .filter(metric__in=list(metrics), scope_key__in=list(scope_keys), year__in=list(years))
        .values_list("metric", "scope_key", "year", "month", "value")
    )
    by_pair: dict = {}
    for metric, key, year, month, value in rows:
        by_pair.setdefault((metric, key), []).append((year, month, value))
    wanted = range(first, last + 1)
    whole_years = first % 12 == 0 and last % 12 == 11
    out = {}
    for metric in metrics:
        for key in scope_keys:
            found = by_pair.get((metric, key), [])
            monthly = {months.index(y, m): v for y, m, v in found if m}
            yearly = {y: v for y, m, v in found if not m}
            if all(m in monthly for m in wanted):
                out[(metric, key)] = sum((monthly[m] for m in wanted), ZERO)
            elif whole_years and all(y in yearly for y in years):
                out[(metric, key)] = sum((yearly[y] for y in years), ZERO)
            else:
                out[(metric, key)] = None
    return out


def entered_by_source(workspace, *, first: int, last: int, stage_keys) -> dict:
    """{(stage key, source): records entering the stage} over months first..last ('' for
    records without a source), summed from the monthly snapshots' per-source rows
    (targets.rollups: the same stage-entry facts as the workspace row). One query."""
    columns = {key: funnel.STAGE_METRICS[key] for key in stage_keys}
    source_of = {source_scope_key(s): s for s in ("", *Source.values)}
    rows = MetricSnapshot.objects.of(workspace).filter(
        scope_key__in=source_of,
        month__gte=months.first_day(first),
        month__lte=months.first_day(last),
    )
    out: dict = {}
    for key, *counts in rows.values_list("scope_key", *columns.values()):
        source = source_of[key]
        for stage_key, n in zip(columns, counts, strict=True):
            if n:
                out[(stage_key, source)] = out.get((stage_key, source), 0) + n
    return out
