"""The SDR and AE queues: MQLs to qualify and My pipeline."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import (
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    Sum,
    Value,
)
from django.utils import timezone

from pipeline.models import StageDefinition, StageTransition
from pipeline.selectors.configuration import sla_of, stages, team_members
from playbook.models import Membership, Team
from records import keyset
from records.models import Record, RecordStatus

QUEUE_PAGE_SIZE = 50


def qualification_stages(workspace) -> list[StageDefinition]:
    """Stages another team hands to Inside Sales to qualify: MQL by default."""
    return [
        s
        for s in stages(workspace)
        if s.receiving_team == Team.INSIDE_SALES and s.team != Team.INSIDE_SALES
    ]


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


def my_pipeline(workspace, owner_id, *, cursor: str | None = None, now=None) -> Pipeline:
    """An AE's open deals in stages owned by Sales (Opportunity by default), soonest close date
    first, with weighted value = expected ARR x stage probability. Totals cover all of them."""
    sales_stage_ids = [s.pk for s in stages(workspace) if s.team == Team.SALES and not s.is_closed]
    base = (
        Record.objects.of(workspace)
        .live()
        .filter(owner_id=owner_id, stage_id__in=sales_stage_ids, status=RecordStatus.OPEN)
    )
    totals = base.aggregate(
        n=Count("id"),
        arr=Sum("expected_arr"),
        weighted=Sum(
            ExpressionWrapper(
                F("expected_arr") * F("stage__probability") / Value(100),
                output_field=DecimalField(max_digits=20, decimal_places=2),
            )
        ),
    )
    page = keyset.paginate(
        base.select_related("stage"),
        CLOSE_ORDER,
        salt=PIPELINE_SALT,
        scope="close",
        cursor=cursor,
        size=QUEUE_PAGE_SIZE,
    )
    now = now or timezone.now()
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
