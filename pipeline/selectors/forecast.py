"""Forecast reads of the open deals (the AE and leader homes): pipeline by stage, the roll-up by
forecast category, deals closing this month and stale deals (formulas: docs/METRICS.md).

Every figure is one reading of `deals` (the query behind My pipeline), so a number on a home and
the list it links to never disagree. Each function costs a constant number of queries, whatever
the number of deals. `owner_id` None means every seller (what a leader or an admin sees).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Count, F, Sum
from django.utils import timezone

from pipeline.selectors.queues import DealFilters, deal_stages, deals, month_bounds, weighted_arr
from records.models import ForecastCategory

ZERO = Decimal("0")
# How many deals a list panel names; the rest are behind its "all of them" link.
LIST_SIZE = 5


def money(value) -> Decimal:
    return (value or ZERO).quantize(Decimal("1"))


def totals(rows) -> dict:
    """count, Σ expected ARR and Σ weighted value of some deals: one aggregate query."""
    out = rows.aggregate(n=Count("id"), arr=Sum("expected_arr"), weighted=Sum(weighted_arr()))
    return {"count": out["n"], "arr": money(out["arr"]), "weighted": money(out["weighted"])}


def _grouped(workspace, owner_id, field: str) -> dict:
    """The deals' count, Σ expected ARR and Σ weighted value per value of `field`:
    two queries (the deal stages, then the grouped sums).

    Grouped by stage as well, and weighted here (a stage's ARR x its probability is the sum of
    its deals' weighted values): the query then reads only columns that the board's "entered"
    index carries (pipeline migration 0013), an index-only scan whatever the number of deals,
    where a per-deal weighted sum fetched every deal's row."""
    rows = (
        deals(workspace, DealFilters(owner_id=owner_id))
        .values(field, "stage__probability")
        .annotate(n=Count("*"), arr=Sum("expected_arr"))
        .order_by()
    )
    out: dict = {}
    for row in rows:
        got = out.setdefault(row[field], {"n": 0, "arr": ZERO, "weighted": ZERO})
        arr = row["arr"] or ZERO
        got["n"] += row["n"]
        got["arr"] += arr
        got["weighted"] += arr * row["stage__probability"] / 100
    return out


@dataclass(frozen=True)
class StageRow:
    stage: object
    count: int
    arr: Decimal
    weighted: Decimal


def pipeline_by_stage(workspace, *, owner_id: int | None) -> list[StageRow]:
    """Open deals per deal stage (every deal stage, zeros included), in stage order: count,
    expected ARR and weighted value. Three queries."""
    stages = deal_stages(workspace)
    grouped = _grouped(workspace, owner_id, "stage_id")
    out = []
    for stage in stages:
        row = grouped.get(stage.pk, {})
        out.append(
            StageRow(stage, row.get("n", 0), money(row.get("arr")), money(row.get("weighted")))
        )
    return out


@dataclass(frozen=True)
class CategoryRow:
    category: str
    label: str
    count: int
    arr: Decimal
    weighted: Decimal


def forecast_rollup(workspace, *, owner_id: int | None) -> list[CategoryRow]:
    """Open deals per forecast category (pipeline, best case, commit; zeros included): count,
    expected ARR and weighted value. One grouped query."""
    grouped = _grouped(workspace, owner_id, "forecast_category")
    return [
        CategoryRow(
            value,
            label,
            grouped.get(value, {}).get("n", 0),
            money(grouped.get(value, {}).get("arr")),
            money(grouped.get(value, {}).get("weighted")),
        )
        for value, label in ForecastCategory.choices
    ]


@dataclass
class DealList:
    count: int
    arr: Decimal
    weighted: Decimal
    deals: list = field(default_factory=list)


def closing_this_month(workspace, *, owner_id: int | None, today: date) -> DealList:
    """Open deals expected to close in the current month: totals and the largest few."""
    first, last = month_bounds(today)
    rows = deals(workspace, DealFilters(owner_id=owner_id, close_from=first, close_to=last))
    listed = rows.select_related("stage", "owner").order_by(
        F("expected_arr").desc(nulls_last=True), "id"
    )[:LIST_SIZE]
    return DealList(**totals(rows), deals=list(listed))


def stale_deals(workspace, *, owner_id: int | None, now=None) -> DealList:
    """Open deals with no activity done in STALE_DAYS: totals and the quietest few first."""
    now = now or timezone.now()
    rows = deals(workspace, DealFilters(owner_id=owner_id, stale=True), now=now)
    listed = rows.select_related("stage", "owner").order_by(
        F("last_activity_at").asc(nulls_first=True), "id"
    )[:LIST_SIZE]
    return DealList(**totals(rows), deals=list(listed))
