"""The funnel planner's arithmetic (no database): from next year's new-ARR target and the
funnel's assumptions to the wins, opportunities, SQLs, MQLs and leads needed per month, and the
headcount they imply (docs/targets.md, "Funnel planner").

    wins = new ARR / ACV;  opportunities = wins / win rate;  SQLs = opportunities / (SQL ->
    Opportunity);  MQLs = SQLs / (MQL -> SQL);  leads = MQLs / (Lead -> MQL)

New ARR (and so wins) falls in each month by the seasonality curve; the funnel's earlier stages
are needed one sales cycle earlier. Headcount (seed 004): AEs = new ARR / AE quota; inbound SDRs
= the busiest month's MQLs / the companies an SDR handles (~133: 400 contacts at 3 a company);
outbound SDRs = AEs / AEs per outbound SDR (1 for every 2-3 AEs, ideally 2).
"""

import math
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, Decimal

from targets.models import Metric
from targets.shares import CENT, apportion

DAYS_PER_MONTH = Decimal("30.4375")
HUNDRED = Decimal(100)

# Used when the workspace has no history to measure; the planner marks them and asks the
# leader to confirm them before distributing.
DEFAULTS = {
    "acv": Decimal("12000"),
    "win_rate": Decimal("20"),
    "lead_to_mql": Decimal("30"),
    "mql_to_sql": Decimal("40"),
    "sql_to_opportunity": Decimal("50"),
    "sales_cycle_days": Decimal("90"),
    "ae_quota": Decimal("600000"),
    "companies_per_sdr": Decimal("133"),
    "aes_per_outbound_sdr": Decimal("2"),
}
# The funnel from the top, and the conversion assumption that leads into each next stage.
FUNNEL = [
    (Metric.LEADS, "lead_to_mql"),
    (Metric.MQLS, "mql_to_sql"),
    (Metric.SQLS, "sql_to_opportunity"),
    (Metric.OPPORTUNITIES, "win_rate"),
]


@dataclass(frozen=True)
class Assumption:
    """One planning input: its value, how many records it was measured on (0 = a default)."""

    name: str
    label: str
    value: Decimal
    count: int = 0
    measured_on: str = ""

    @property
    def is_default(self) -> bool:
        return self.count == 0


@dataclass
class Plan:
    year: int
    new_arr: Decimal
    acv: Decimal
    win_rate: Decimal  # percent
    lead_to_mql: Decimal
    mql_to_sql: Decimal
    sql_to_opportunity: Decimal
    sales_cycle_days: Decimal
    ae_quota: Decimal
    companies_per_sdr: Decimal
    aes_per_outbound_sdr: Decimal
    curve: list[Decimal] = field(default_factory=lambda: [Decimal(1)] * 12)

    @property
    def offset_months(self) -> int:
        """The sales cycle in whole months (half a month or more rounds up)."""
        return int((self.sales_cycle_days / DAYS_PER_MONTH).quantize(Decimal(1)))

    def annual(self) -> dict[str, Decimal]:
        wins = self.new_arr / self.acv
        out = {Metric.NEW_ARR: self.new_arr, Metric.WINS: wins}
        needed = wins
        for metric, rate in reversed(FUNNEL):
            needed = needed / (getattr(self, rate) / HUNDRED)
            out[metric] = needed
        out[Metric.SALES_ACCEPTED_LEADS] = out[Metric.SQLS]
        return out

    def _weights(self) -> list[Decimal]:
        total = sum(self.curve, Decimal(0))
        return [Decimal(w) / total for w in self.curve]

    def monthly(self) -> dict[str, dict[int, Decimal]]:
        """Fractional needs per metric and month index; earlier stages shifted by the cycle."""
        annual, weights = self.annual(), self._weights()
        first = self.year * 12
        out: dict[str, dict[int, Decimal]] = {}
        for metric, total in annual.items():
            shift = 0 if metric in (Metric.NEW_ARR, Metric.WINS) else self.offset_months
            out[metric] = {first + i - shift: total * w for i, w in enumerate(weights)}
        return out

    def monthly_targets(self) -> dict[str, dict[int, Decimal]]:
        """What "Distribute" saves: whole records (each metric's annual need rounded up, then
        apportioned over its months) and new ARR in cents, adding up to the annual figures."""
        out = {}
        for metric, months in self.monthly().items():
            keys = list(months)
            weights = [months[k] for k in keys]
            if metric == Metric.NEW_ARR:
                total, quantum = self.new_arr.quantize(CENT), CENT
            else:
                total, quantum = sum(weights).to_integral_value(ROUND_CEILING), Decimal(1)
            out[metric] = dict(zip(keys, apportion(total, weights, quantum), strict=True))
        return out

    def rows(self) -> list[dict]:
        """The planner table: one row per month from the first month anything is needed."""
        monthly = self.monthly()
        months = sorted({m for values in monthly.values() for m in values})
        return [
            {"month": m, **{metric: monthly[metric].get(m) for metric in monthly}} for m in months
        ]

    def headcount(self) -> dict[str, int]:
        monthly = self.monthly()
        busiest_mqls = max(monthly[Metric.MQLS].values())
        aes = math.ceil(self.new_arr / self.ae_quota)
        return {
            "aes": aes,
            "inbound_sdrs": math.ceil(busiest_mqls / self.companies_per_sdr),
            "outbound_sdrs": math.ceil(aes / self.aes_per_outbound_sdr),
        }
