"""Plan and measure: targets (annual or monthly, for the workspace, a team or a person), the
seasonality curves that spread annual targets over months, and the monthly metric snapshots
that every targets page reads instead of the raw stage history and MRR ledger.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from playbook.models import Team, TenantModel
from records.models import Source


class Metric(models.TextChoices):
    NEW_ARR = "new_arr", "New ARR"
    EXPANSION_ARR = "expansion_arr", "Expansion ARR"
    CHURNED_ARR = "churned_arr", "Churned ARR (ceiling)"
    NET_NEW_ARR = "net_new_arr", "Net new ARR"
    LEADS = "leads", "Leads"
    MQLS = "mqls", "MQLs"
    SQLS = "sqls", "SQLs"
    OPPORTUNITIES = "opportunities", "Opportunities"
    WINS = "wins", "Wins"
    ACTIVITIES = "activities", "Activities"
    SALES_ACCEPTED_LEADS = "sales_accepted_leads", "Sales-accepted leads"


MONEY_METRICS = frozenset(
    {Metric.NEW_ARR, Metric.EXPANSION_ARR, Metric.CHURNED_ARR, Metric.NET_NEW_ARR}
)
# A ceiling is attained by staying under it: less churn is better.
CEILING_METRICS = frozenset({Metric.CHURNED_ARR})


class Scope(models.TextChoices):
    WORKSPACE = "workspace", "Whole workspace"
    TEAM = "team", "Team"
    PERSON = "person", "Person"
    SOURCE = "source", "Lead source"


# What a lead source's snapshot row counts: records entering each stage, by the record's source
# (targets.rollups). Only these metrics can have a per-source target.
SOURCE_METRICS = frozenset(
    {Metric.LEADS, Metric.MQLS, Metric.SQLS, Metric.OPPORTUNITIES, Metric.WINS}
)


def scope_key(scope: str, team: str = "", user_id: int | None = None, source: str = "") -> str:
    """One string naming a scope, so that a unique constraint (NULLs never collide in SQL)
    can say "one target per metric, period and scope"."""
    if scope == Scope.TEAM:
        return f"team:{team}"
    if scope == Scope.PERSON:
        return f"person:{user_id}"
    if scope == Scope.SOURCE:
        return source_scope_key(source)
    return "workspace"


def source_scope_key(source: str) -> str:
    """A lead source's scope: "source:none" is the records without one (snapshots only)."""
    return f"source:{source or 'none'}"


class Target(TenantModel):
    """A value to reach (or, for a ceiling, to stay under) for one metric over a year
    (month = 0) or one month of it, for the workspace, a team, a person or a lead source."""

    workspace = models.ForeignKey(
        "playbook.Workspace", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    metric = models.CharField(max_length=24, choices=Metric.choices)
    year = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    # 0 is the whole year; 1-12 a month of it.
    month = models.PositiveSmallIntegerField(default=0, validators=[MaxValueValidator(12)])
    scope = models.CharField(max_length=10, choices=Scope.choices, default=Scope.WORKSPACE)
    team = models.CharField(max_length=20, choices=Team.choices, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    source = models.CharField("lead source", max_length=20, choices=Source.choices, blank=True)
    scope_key = models.CharField(max_length=40)
    value = models.DecimalField(max_digits=14, decimal_places=2)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "year", "month", "metric", "scope_key"],
                name="target_unique_period_scope",
            ),
            models.CheckConstraint(condition=Q(value__gte=0), name="target_value_not_negative"),
            models.CheckConstraint(condition=Q(month__lte=12), name="target_month_in_year"),
        ]
        ordering = ["year", "month", "metric", "scope_key"]

    def __str__(self):
        return f"{self.get_metric_display()} {self.period_label}: {self.value}"

    @property
    def period_label(self) -> str:
        return f"{self.year}" if self.month == 0 else f"{self.year}-{self.month:02d}"

    @property
    def is_money(self) -> bool:
        return self.metric in MONEY_METRICS

    @property
    def is_ceiling(self) -> bool:
        return self.metric in CEILING_METRICS


class SeasonalityCurve(TenantModel):
    """Twelve monthly shares in percent (they sum to 100) that spread an annual target."""

    name = models.CharField(max_length=80)
    weights = models.JSONField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "name"], name="curve_unique_name"),
        ]
        ordering = ["name", "id"]

    def __str__(self):
        return self.name

    @property
    def shares(self) -> list[Decimal]:
        return [Decimal(str(w)) for w in self.weights]


def _money():
    return models.DecimalField(max_digits=16, decimal_places=2, null=True, blank=True)


def _count():
    return models.IntegerField(null=True, blank=True)


class MetricSnapshot(TenantModel):
    """One month of figures for the workspace (scope_key "workspace") or, for the metrics that
    targets use, one team ("team:sales") or person ("person:<user id>").

    Only additive components are stored; every ratio is computed from them when read
    (targets.metrics), so a zero denominator reads "n/a" instead of a stored 0. Columns that a
    scope does not measure stay NULL. Written only by targets.rollups (an upsert per month and
    scope), so rebuilding a month twice gives the same row.
    """

    workspace = models.ForeignKey(
        "playbook.Workspace", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    month = models.DateField(help_text="The first day of the month.")
    scope_key = models.CharField(max_length=40)
    team = models.CharField(max_length=20, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )

    # MRR, from the ledger's event-by-event movements.
    mrr_start = _money()
    mrr_end = _money()
    new_mrr = _money()
    expansion_mrr = _money()
    contraction_mrr = _money()
    churn_mrr = _money()
    reactivation_mrr = _money()
    customers_start = _count()
    customers_end = _count()
    new_customers = _count()
    churned_customers = _count()
    # The cohort paying at month start, judged at month end: their MRR then, and the sum of
    # min(end, start) per customer (what was kept without expansion).
    cohort_mrr_end = _money()
    cohort_mrr_kept = _money()
    # The same over twelve months: the cohort paying 12 months before this month's end.
    t12_mrr_start = _money()
    t12_mrr_end = _money()
    t12_mrr_kept = _money()

    # The funnel, from the stage history.
    leads = _count()
    mqls = _count()
    sqls = _count()
    opportunities = _count()
    wins = _count()
    lost_deals = _count()
    sales_accepted_leads = _count()
    activities = _count()
    sales_cycle_days = models.DecimalField(max_digits=8, decimal_places=1, null=True, blank=True)
    # [{"key", "name", "entered", "advanced"}] per active stage in order: records entering the
    # stage in the month, and how many of those entered the next stage by the month's end.
    stages = models.JSONField(default=list, blank=True)

    computed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "month", "scope_key"], name="snapshot_unique_month_scope"
            ),
        ]
        indexes = [
            models.Index(fields=["workspace", "scope_key", "month"], name="snapshot_ws_scope"),
        ]
        ordering = ["month"]

    def __str__(self):
        return f"{self.month:%Y-%m} {self.scope_key}"
