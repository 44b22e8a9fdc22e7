"""Every read of the targets pages, workspace first. Pages read the monthly snapshots, never
the raw stage history or MRR ledger (only the "records behind an actual" list reads those, one
bounded page at a time)."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from pipeline.selectors.forecast import totals
from pipeline.selectors.queues import DealFilters, deals
from playbook.models import Membership
from targets import periods
from targets.metrics import ratio
from targets.models import CEILING_METRICS, Metric, MetricSnapshot, SeasonalityCurve, Target
from targets.planner import DEFAULTS, Assumption

ZERO = Decimal("0")

# Each target metric read from a snapshot: a column, or ARR from the MRR movements (x 12).
SNAPSHOT_COLUMN = {
    Metric.LEADS: "leads",
    Metric.MQLS: "mqls",
    Metric.SQLS: "sqls",
    Metric.OPPORTUNITIES: "opportunities",
    Metric.WINS: "wins",
    Metric.ACTIVITIES: "activities",
    Metric.SALES_ACCEPTED_LEADS: "sales_accepted_leads",
}


def metric_value(snap: MetricSnapshot, metric: str) -> Decimal | None:
    """The month's actual of `metric` in one snapshot (None when the snapshot lacks it)."""
    if metric in SNAPSHOT_COLUMN:
        value = getattr(snap, SNAPSHOT_COLUMN[metric])
        return None if value is None else Decimal(value)
    parts = {
        "new": snap.new_mrr,
        "expansion": snap.expansion_mrr,
        "contraction": snap.contraction_mrr,
        "churn": snap.churn_mrr,
        "reactivation": snap.reactivation_mrr,
    }
    if metric == Metric.NEW_ARR:
        mrr = parts["new"]
    elif metric == Metric.EXPANSION_ARR:
        mrr = parts["expansion"]
    elif metric == Metric.CHURNED_ARR:
        mrr = parts["churn"]
    else:
        if any(v is None for v in parts.values()):
            return None
        mrr = (
            parts["new"]
            + parts["expansion"]
            + parts["reactivation"]
            - parts["contraction"]
            - parts["churn"]
        )
    return None if mrr is None else mrr * 12


def targets(workspace, *, year: int) -> list[Target]:
    return list(
        Target.objects.of(workspace)
        .filter(year=year)
        .select_related("user")
        .order_by("month", "metric", "scope", "team", "user__full_name", "id")
    )


def target_years(workspace) -> list[int]:
    years = Target.objects.of(workspace).order_by().values_list("year", flat=True).distinct()
    return sorted(years)


def curves(workspace) -> list[SeasonalityCurve]:
    return list(SeasonalityCurve.objects.of(workspace))


def members(workspace) -> list[Membership]:
    return list(
        Membership.objects.of(workspace)
        .filter(is_active=True, user__is_active=True)
        .select_related("user")
        .order_by("user__full_name", "user__email")
    )


def period_months(target: Target) -> tuple[int, int]:
    if target.month:
        m = periods.index(target.year, target.month)
        return m, m
    return periods.index(target.year, 1), periods.index(target.year, 12)


def elapsed_share(first: int, last: int, today: date) -> Decimal:
    """How much of months first..last has passed by the end of `today` (0 to 1)."""
    start = periods.first_day(first)
    end = periods.first_day(last + 1)
    if today < start:
        return Decimal(0)
    if today >= end:
        return Decimal(1)
    return Decimal((today - start).days + 1) / Decimal((end - start).days)


@dataclass
class Achievement:
    target: Target
    actual: Decimal | None
    elapsed: Decimal
    computed_at: object

    @property
    def first_label(self) -> str:
        return periods.label(period_months(self.target)[0])

    @property
    def last_label(self) -> str:
        return periods.label(period_months(self.target)[1])

    @property
    def attained(self) -> Decimal | None:
        return ratio(self.actual, self.target.value)

    @property
    def expected(self) -> Decimal:
        """Where the actual should be by now, if the period went evenly."""
        return self.target.value * self.elapsed

    @property
    def on_pace(self) -> bool | None:
        if self.actual is None:
            return None
        if self.target.metric in CEILING_METRICS:
            return self.actual <= self.expected
        return self.actual >= self.expected

    @property
    def pace(self) -> Decimal | None:
        """Actual / where it should be by now (1.0 = exactly on pace)."""
        return ratio(self.actual, self.expected)


def achievements(workspace, target_list: list[Target], *, today: date) -> list[Achievement]:
    """Actual, % attained and pace of each target, from the snapshots (one query)."""
    if not target_list:
        return []
    spans = {t.pk: period_months(t) for t in target_list}
    first = min(s[0] for s in spans.values())
    last = max(s[1] for s in spans.values())
    snaps = MetricSnapshot.objects.of(workspace).filter(
        scope_key__in={t.scope_key for t in target_list},
        month__gte=periods.first_day(first),
        month__lte=periods.first_day(last),
    )
    by_scope: dict[str, dict[int, MetricSnapshot]] = {}
    for snap in snaps:
        by_scope.setdefault(snap.scope_key, {})[periods.of_date(snap.month)] = snap
    out = []
    for t in target_list:
        lo, hi = spans[t.pk]
        months = by_scope.get(t.scope_key, {})
        values = [metric_value(months[m], t.metric) for m in range(lo, hi + 1) if m in months]
        known = [v for v in values if v is not None]
        # A scope with no snapshot in the period did nothing in it: 0, once the workspace's
        # own snapshots exist for the period (otherwise nothing is computed yet: None).
        actual = sum(known, Decimal(0)) if known or t.scope_key != "workspace" else None
        computed = max((s.computed_at for s in months.values()), default=None)
        out.append(Achievement(t, actual, elapsed_share(lo, hi, today), computed))
    return out


def snapshots(workspace, *, first: int, last: int, key: str = "workspace"):
    return list(
        MetricSnapshot.objects.of(workspace).filter(
            scope_key=key, month__gte=periods.first_day(first), month__lte=periods.first_day(last)
        )
    )


def snapshot_range(workspace) -> tuple[int, int] | None:
    months = MetricSnapshot.objects.of(workspace).filter(scope_key="workspace")
    first = months.order_by("month").values_list("month", flat=True).first()
    last = months.order_by("-month").values_list("month", flat=True).first()
    if first is None:
        return None
    return periods.of_date(first), periods.of_date(last)


def planner_history(workspace, *, today: date) -> dict[str, Assumption]:
    """The planner's assumptions measured on the last twelve closed months' snapshots, each
    with the number of records behind it; a default (count 0) where there is nothing."""
    last = periods.of_date(today) - 1
    snaps = snapshots(workspace, first=last - 11, last=last)

    def total(attr):
        return sum((getattr(s, attr) or 0 for s in snaps), 0)

    out = {}

    def put(name, label, value, count, measured_on):
        # A measured 0 (no win among the closed deals) cannot be planned with: the default.
        if value is None or count == 0 or value <= 0:
            out[name] = Assumption(name, label, DEFAULTS[name])
        else:
            out[name] = Assumption(name, label, Decimal(value), count, measured_on)

    new_customers = total("new_customers")
    acv = ratio(total("new_mrr") * 12, new_customers)
    put(
        "acv",
        "Average contract value (ARR)",
        acv and acv.quantize(Decimal(1)),
        new_customers,
        "new customers",
    )
    closed = total("wins") + total("lost_deals")
    win = ratio(total("wins") * 100, closed)
    put("win_rate", "Win rate (%)", win and win.quantize(Decimal("0.1")), closed, "closed deals")
    entered: dict[str, int] = {}
    for snap in snaps:
        for stage in snap.stages or []:
            entered[stage["key"]] = entered.get(stage["key"], 0) + stage["entered"]
    for name, (a, b), label in (
        ("lead_to_mql", ("lead", "mql"), "Lead → MQL (%)"),
        ("mql_to_sql", ("mql", "sql"), "MQL → SQL (%)"),
        ("sql_to_opportunity", ("sql", "opportunity"), "SQL → Opportunity (%)"),
    ):
        rate = ratio(entered.get(b, 0) * 100, entered.get(a, 0))
        # Over a window, a stage's later entries can include records that entered the earlier
        # stage before it; the rate is capped at 100 % for planning.
        rate = rate and min(rate, Decimal(100)).quantize(Decimal("0.1"))
        put(name, label, rate or None, entered.get(a, 0), f"records entering {a.upper()}")
    cycles = [(s.sales_cycle_days, s.wins) for s in snaps if s.sales_cycle_days is not None]
    wins = sum(w for _, w in cycles)
    cycle = ratio(sum((d * w for d, w in cycles), Decimal(0)), wins)
    put(
        "sales_cycle_days", "Sales cycle (days)", cycle and cycle.quantize(Decimal(1)), wins, "wins"
    )
    for name, label in (
        ("ae_quota", "AE quota (new ARR per AE per year)"),
        ("companies_per_sdr", "Companies an inbound SDR handles"),
        ("aes_per_outbound_sdr", "AEs per outbound SDR"),
    ):
        put(name, label, None, 0, "")
    return out


# --- quota and forecast (the AE home) ------------------------------------------------------------


def year_end(today: date) -> date:
    return date(today.year, 12, 31)


@dataclass
class Forecast:
    quota: Target | None
    won: Achievement | None  # the seller's new-ARR actual this year, when a quota exists
    open_weighted: Decimal
    open_count: int
    undated_count: int  # open deals without an expected close date: not in the forecast

    @property
    def won_arr(self) -> Decimal:
        return (self.won.actual if self.won and self.won.actual is not None else ZERO).quantize(
            Decimal("1")
        )

    @property
    def forecast(self) -> Decimal:
        return self.won_arr + self.open_weighted

    @property
    def coverage(self) -> Decimal | None:
        return ratio(self.forecast, self.quota.value if self.quota else None)

    @property
    def gap(self) -> Decimal | None:
        return None if self.quota is None else max(self.quota.value - self.forecast, ZERO)


def _targets(workspace, scope: str, metric: str, year: int) -> dict[int, Target]:
    """The targets of `metric` in `year` for one scope key ("person:<id>", "team:sales"), by
    month (0 = the whole year)."""
    rows = Target.objects.of(workspace).filter(metric=metric, year=year, scope_key=scope)
    return {t.month: t for t in rows}


def weighted_forecast(workspace, *, scope: str, owner_id: int | None, today: date) -> Forecast:
    """New ARR won this year + the weighted value of the open deals of `owner_id` (None: every
    seller) expected to close by the year's end, against the new-ARR target of `scope` for the
    year (the quota). At most five queries."""
    quota = _targets(workspace, scope, Metric.NEW_ARR, today.year).get(0)
    won = achievements(workspace, [quota], today=today)[0] if quota else None
    dated = totals(deals(workspace, DealFilters(owner_id=owner_id, close_to=year_end(today))))
    undated = (
        deals(workspace, DealFilters(owner_id=owner_id))
        .filter(expected_close_date__isnull=True)
        .count()
    )
    return Forecast(
        quota=quota,
        won=won,
        open_weighted=dated["weighted"],
        open_count=dated["count"],
        undated_count=undated,
    )


@dataclass
class WinsVsTarget:
    month: Achievement | None
    year: Achievement | None


def wins_vs_target(workspace, *, scope: str, today: date) -> WinsVsTarget:
    """The wins of `scope` ("person:<id>", "team:sales") this month and this year against its
    wins targets (from the snapshots, as the targets page reads them). Two queries."""
    by_month = _targets(workspace, scope, Metric.WINS, today.year)
    wanted = [t for t in (by_month.get(today.month), by_month.get(0)) if t is not None]
    got = {a.target.month: a for a in achievements(workspace, wanted, today=today)}
    return WinsVsTarget(month=got.get(today.month), year=got.get(0))
