"""Every metric of the monthly table, computed from a snapshot's stored components (the
definitions and formulas are in docs/METRICS.md). A ratio whose denominator is zero is None,
shown and exported as "n/a" (never 0, never an error)."""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from itertools import pairwise

from targets import periods

NA = "n/a"
ZERO = Decimal("0")


def ratio(numerator, denominator) -> Decimal | None:
    if numerator is None or denominator is None or denominator == 0:
        return None
    return Decimal(numerator) / Decimal(denominator)


@dataclass(frozen=True)
class Column:
    name: str
    label: str
    kind: str  # money | count | ratio | days


# The monthly table's columns, in the order; metrics.csv writes them after `month`.
MRR_COLUMNS = [
    Column("mrr_start", "MRR at start", "money"),
    Column("mrr_end", "MRR at end", "money"),
    Column("new", "New", "money"),
    Column("expansion", "Expansion", "money"),
    Column("contraction", "Contraction", "money"),
    Column("churn", "Churn", "money"),
    Column("reactivation", "Reactivation", "money"),
    Column("net_new", "Net new MRR", "money"),
    Column("arr_end", "ARR at end", "money"),
    Column("customers_start", "Customers at start", "count"),
    Column("customers_end", "Customers at end", "count"),
    Column("new_customers", "New customers", "count"),
    Column("churned_customers", "Churned customers", "count"),
    Column("logo_churn_rate", "Logo churn", "ratio"),
    Column("gross_mrr_churn_rate", "Gross MRR churn", "ratio"),
    Column("net_mrr_churn_rate", "Net MRR churn", "ratio"),
    Column("nrr", "NRR", "ratio"),
    Column("grr", "GRR", "ratio"),
    Column("arpa_end", "ARPA at end", "money"),
    Column("quick_ratio", "Quick ratio", "ratio"),
    Column("nrr_t12", "NRR, trailing 12 months", "ratio"),
    Column("grr_t12", "GRR, trailing 12 months", "ratio"),
]
FUNNEL_TAIL = [
    Column("wins", "Wins", "count"),
    Column("lost_deals", "Deals lost", "count"),
    Column("win_rate", "Win rate", "ratio"),
    Column("median_sales_cycle_days", "Median sales cycle (days)", "days"),
    Column("sales_accepted_leads", "Sales-accepted leads", "count"),
]


def stage_columns(stages: list[dict]) -> list[Column]:
    """Records entering each stage, and the conversion from each stage to the next."""
    cols = [Column(f"entered_{s['key']}", f"Entered {s['name']}", "count") for s in stages]
    cols += [
        Column(f"conversion_{a['key']}_to_{b['key']}", f"{a['name']} → {b['name']}", "ratio")
        for a, b in pairwise(stages)
    ]
    return cols


def month_figures(snap) -> dict:
    """Every column's value for one workspace snapshot (Decimal, int, or None for n/a)."""
    mrr_start, mrr_end = snap.mrr_start, snap.mrr_end
    new, exp = snap.new_mrr, snap.expansion_mrr
    con, churn, react = snap.contraction_mrr, snap.churn_mrr, snap.reactivation_mrr
    has_mrr = mrr_end is not None
    out = {
        "mrr_start": mrr_start,
        "mrr_end": mrr_end,
        "new": new,
        "expansion": exp,
        "contraction": con,
        "churn": churn,
        "reactivation": react,
        "net_new": (new + exp + react - con - churn) if has_mrr else None,
        "arr_end": mrr_end * 12 if has_mrr else None,
        "customers_start": snap.customers_start,
        "customers_end": snap.customers_end,
        "new_customers": snap.new_customers,
        "churned_customers": snap.churned_customers,
        "logo_churn_rate": ratio(snap.churned_customers, snap.customers_start),
        "gross_mrr_churn_rate": ratio(churn + con, mrr_start) if has_mrr else None,
        "net_mrr_churn_rate": ratio(churn + con - exp - react, mrr_start) if has_mrr else None,
        "nrr": ratio(snap.cohort_mrr_end, mrr_start),
        "grr": ratio(snap.cohort_mrr_kept, mrr_start),
        "arpa_end": ratio(mrr_end, snap.customers_end),
        "quick_ratio": ratio(new + exp + react, con + churn) if has_mrr else None,
        "nrr_t12": ratio(snap.t12_mrr_end, snap.t12_mrr_start),
        "grr_t12": ratio(snap.t12_mrr_kept, snap.t12_mrr_start),
        "wins": snap.wins,
        "lost_deals": snap.lost_deals,
        "win_rate": ratio(snap.wins, (snap.wins or 0) + (snap.lost_deals or 0)),
        "median_sales_cycle_days": snap.sales_cycle_days,
        "sales_accepted_leads": snap.sales_accepted_leads,
    }
    stages = snap.stages or []
    for s in stages:
        out[f"entered_{s['key']}"] = s["entered"]
    for a, b in pairwise(stages):
        out[f"conversion_{a['key']}_to_{b['key']}"] = ratio(a["advanced"], a["entered"])
    return out


def formatted(value, kind: str) -> str:
    """The CSV's spelling: money with 2 decimals, ratios as fractions with 4, "n/a"."""
    if value is None:
        return NA
    if kind == "money":
        return str(Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))
    if kind == "ratio":
        return str(Decimal(value).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP))
    if kind == "days":
        return str(Decimal(value).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))
    return str(value)


@dataclass
class Bridge:
    """start + new + expansion + reactivation - contraction - churn = end, over a range."""

    first: int
    last: int
    start: Decimal
    new: Decimal
    expansion: Decimal
    reactivation: Decimal
    contraction: Decimal
    churn: Decimal
    end: Decimal

    @property
    def label(self) -> str:
        return f"{periods.label(self.first)} to {periods.label(self.last)}"

    @property
    def balances(self) -> bool:
        moved = self.new + self.expansion + self.reactivation - self.contraction - self.churn
        return self.start + moved == self.end

    @property
    def steps(self) -> list[tuple[str, Decimal, int]]:
        """(label, ARR amount, sign) for the bridge chart, ARR = MRR x 12."""
        return [
            ("ARR at start", self.start * 12, 0),
            ("New", self.new * 12, 1),
            ("Expansion", self.expansion * 12, 1),
            ("Reactivation", self.reactivation * 12, 1),
            ("Contraction", self.contraction * 12, -1),
            ("Churn", self.churn * 12, -1),
            ("ARR at end", self.end * 12, 0),
        ]


def bridge(snapshots: list) -> Bridge | None:
    """The bridge over consecutive workspace snapshots (None when the ledger is not there)."""
    snaps = [s for s in snapshots if s.mrr_end is not None]
    if not snaps:
        return None

    def total(attr):
        return sum((getattr(s, attr) for s in snaps), ZERO)

    return Bridge(
        first=periods.of_date(snaps[0].month),
        last=periods.of_date(snaps[-1].month),
        start=snaps[0].mrr_start,
        new=total("new_mrr"),
        expansion=total("expansion_mrr"),
        reactivation=total("reactivation_mrr"),
        contraction=total("contraction_mrr"),
        churn=total("churn_mrr"),
        end=snaps[-1].mrr_end,
    )
