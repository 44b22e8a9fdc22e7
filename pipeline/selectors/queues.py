"""The SDR and AE queues: MQLs to qualify and My pipeline."""

from __future__ import annotations

import calendar
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import (
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    Q,
    Sum,
    Value,
)
from django.utils import timezone

from pipeline.models import StageDefinition, StageTotal, StageTransition
from pipeline.selectors.configuration import sla_of, stages, team_members
from playbook.csvio import scoped_batches
from playbook.models import Membership, Team
from records import keyset
from records.models import ForecastCategory, Record, RecordStatus

QUEUE_PAGE_SIZE = 50


def qualification_stages(workspace) -> list[StageDefinition]:
    """Stages another team hands to Inside Sales to qualify: MQL by default."""
    return [
        s
        for s in stages(workspace)
        if s.receiving_team == Team.INSIDE_SALES and s.team != Team.INSIDE_SALES
    ]


def deal_stages(workspace) -> list[StageDefinition]:
    """The stages whose open records are deals: owned by Sales and not closed (Opportunity by
    default). My pipeline, the forecast category and the AE home all count these."""
    return [s for s in stages(workspace) if s.team == Team.SALES and not s.is_closed]


def open_deals(workspace):
    """Every open deal of the workspace (live, open, in a deal stage): a queryset to narrow.

    The deal stages' ids are read first (one small query) and given to PostgreSQL as values:
    with a subquery instead it cannot tell how many records sit in those stages, and in a
    workspace whose records are mostly customers (Won) it guessed hundreds, chose a nested loop
    and scanned every record once per stage (112 ms at 83k records under row-level security,
    docs/PERFORMANCE.md "Dashboards"); with the ids it reads the board index."""
    stage_ids = list(
        StageDefinition.objects.of(workspace)
        .filter(team=Team.SALES, is_closed=False, is_retired=False)
        .values_list("pk", flat=True)
    )
    return (
        Record.objects.of(workspace).live().filter(stage_id__in=stage_ids, status=RecordStatus.OPEN)
    )


# A deal with no activity done on its timeline for this long is stale (the AE home lists them).
STALE_DAYS = 14


@dataclass(frozen=True)
class DealFilters:
    """What narrows the open deals: My pipeline's filters, and the AE home's drill-downs, so a
    number on the home and the list behind it are one query's two readings."""

    owner_id: int | None = None  # None: every seller (leaders and admins)
    stage_id: int | None = None
    category: str = ""
    close_from: date | None = None
    close_to: date | None = None
    stale: bool = False


def month_bounds(today: date) -> tuple[date, date]:
    """The first and last day of `today`'s month ("closing this month")."""
    first = today.replace(day=1)
    return first, first.replace(day=calendar.monthrange(first.year, first.month)[1])


def stale_since(now):
    return now - timedelta(days=STALE_DAYS)


def deals(workspace, filters: DealFilters, *, now=None):
    """The open deals that `filters` select: a queryset (count it, sum it, page it)."""
    rows = open_deals(workspace)
    if filters.owner_id is not None:
        rows = rows.filter(owner_id=filters.owner_id)
    if filters.stage_id is not None:
        rows = rows.filter(stage_id=filters.stage_id)
    if filters.category:
        rows = rows.filter(forecast_category=filters.category)
    if filters.close_from is not None:
        rows = rows.filter(expected_close_date__gte=filters.close_from)
    if filters.close_to is not None:
        rows = rows.filter(expected_close_date__lte=filters.close_to)
    if filters.stale:
        since = stale_since(now or timezone.now())
        rows = rows.filter(Q(last_activity_at__isnull=True) | Q(last_activity_at__lt=since))
    return rows


def weighted_arr():
    """Expected ARR x the stage's probability, per deal (an expression to Sum)."""
    return ExpressionWrapper(
        F("expected_arr") * F("stage__probability") / Value(100),
        output_field=DecimalField(max_digits=20, decimal_places=2),
    )


def is_deal(record, stage) -> bool:
    return (
        stage is not None
        and stage.team == Team.SALES
        and not stage.is_closed
        and not stage.is_retired
        and record.status == RecordStatus.OPEN
        and record.deleted_at is None
    )


@dataclass
class Pipeline:
    rows: list
    next_cursor: str | None
    total_arr: Decimal
    total_weighted: Decimal
    count: int


def _weighted(record) -> Decimal | None:
    if record.expected_arr is None:
        return None
    return (record.expected_arr * record.stage.probability / Decimal(100)).quantize(Decimal("1"))


# Soonest close date first, deals without one last. A rep's open deals are few: the owner
# index finds them and the database sorts that small set.
CLOSE_ORDER = keyset.Order("expected_close_date", nulls_last=True)
PIPELINE_SALT = "pipeline.my_pipeline"


def _owner_totals(workspace, owner_id) -> dict:
    """An owner's open deals (None: every owner's) counted and summed from the board's stage
    totals (kept by the database, docs/adr/0206): a row per deal stage, owner and day, not one
    per deal (37 ms for an AE with 31k deals at 1M records, through the records). The weighted
    value of a stage is its ARR x its probability, which is the sum of its deals' weighted
    values."""
    rows = StageTotal.objects.of(workspace)
    if owner_id is not None:
        rows = rows.filter(owner_key=owner_id)
    rows = (
        rows.filter(
            stage__team=Team.SALES,
            stage__is_closed=False,
            stage__is_retired=False,
        )
        .values("stage_id", "stage__probability")
        .annotate(records=Sum("n"), value=Sum("arr"))
        .order_by()
    )
    totals = {"n": 0, "arr": Decimal(0), "weighted": Decimal(0)}
    for row in rows:
        totals["n"] += row["records"]
        totals["arr"] += row["value"]
        totals["weighted"] += row["value"] * row["stage__probability"] / 100
    # SQLite adds decimals as floats: back to cents (PostgreSQL's sums are exact already).
    totals["arr"] = totals["arr"].quantize(Decimal("0.01"))
    return totals


def my_pipeline(
    workspace,
    owner_id,
    *,
    cursor: str | None = None,
    now=None,
    filters: DealFilters | None = None,
) -> Pipeline:
    """An AE's open deals in stages owned by Sales (Opportunity by default), soonest close date
    first, with weighted value = expected ARR x stage probability. Totals cover all of them.
    `filters` narrow them further (their owner_id is replaced by `owner_id`; None: everyone's)."""
    now = now or timezone.now()
    filters = replace(filters or DealFilters(), owner_id=owner_id)
    base = deals(workspace, filters, now=now)
    if filters == DealFilters(owner_id=owner_id):
        totals = _owner_totals(workspace, owner_id)
    else:
        totals = base.aggregate(
            n=Count("id"), arr=Sum("expected_arr"), weighted=Sum(weighted_arr())
        )
    page = keyset.paginate(
        base.select_related("stage", "owner"),
        CLOSE_ORDER,
        salt=PIPELINE_SALT,
        # A cursor is only good for the list it was made for.
        scope=f"close:{filters}",
        cursor=cursor,
        size=QUEUE_PAGE_SIZE,
    )
    rows = [
        {
            "record": r,
            "weighted": _weighted(r),
            "sla": sla_of(r.stage, r.stage_entered_at, r.status, now),
        }
        for r in page.items
    ]
    return Pipeline(
        rows=rows,
        next_cursor=page.next_cursor,
        total_arr=totals["arr"] or Decimal(0),
        total_weighted=(totals["weighted"] or Decimal(0)).quantize(Decimal("1")),
        count=totals["n"],
    )


def sales_owners(workspace) -> list[Membership]:
    return team_members(workspace, Team.SALES)


def transitions_of(workspace, record_id) -> list[StageTransition]:
    """A record's stage history, newest first (also what the timeline reads)."""
    return list(
        StageTransition.objects.of(workspace)
        .filter(record_id=record_id)
        .select_related("from_stage", "to_stage", "actor", "to_owner")
        .order_by("-at", "-id")
    )


DEAL_EXPORT_HEADER = [
    "Company",
    "Domain",
    "Owner",
    "Stage",
    "Forecast category",
    "Close date",
    "Expected ARR",
    "Probability %",
    "Weighted ARR",
    "Over SLA",
    "Last activity",
]
DEAL_EXPORT_BATCH = 2000


def deal_export_rows(workspace, filters: DealFilters, *, now=None):
    """Every deal My pipeline lists under `filters`, in its order (soonest close date first),
    as CSV cells: read in keyset batches, each in the workspace's scope, for csv_response."""
    now = now or timezone.now()
    categories = dict(ForecastCategory.choices)
    ordered = (
        deals(workspace, filters, now=now)
        .select_related("stage", "owner")
        .order_by(*CLOSE_ORDER.order_by())
    )

    def fetch(after):
        rows = ordered if after is None else ordered.filter(CLOSE_ORDER.after(*after))
        batch = list(rows[:DEAL_EXPORT_BATCH])
        cells = [
            [
                r.name,
                r.domain,
                r.owner.email if r.owner else None,
                r.stage.name,
                categories.get(r.forecast_category, r.forecast_category),
                r.expected_close_date,
                r.expected_arr,
                r.stage.probability,
                _weighted(r),
                sla_of(r.stage, r.stage_entered_at, r.status, now).breached,
                r.last_activity_at,
            ]
            for r in batch
        ]
        last = batch[-1] if len(batch) == DEAL_EXPORT_BATCH else None
        return cells, (last.expected_close_date, last.pk) if last else None

    return scoped_batches(workspace.pk, fetch)
