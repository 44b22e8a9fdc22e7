"""The board: one keyset page of cards per column and one grouped query for the totals."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

from django.db import connection, models
from django.db.models import (
    Count,
    Q,
    Sum,
    Value,
)
from django.db.models.expressions import RawSQL
from django.utils import timezone

from pipeline.models import StageDefinition, StageTotal
from pipeline.selectors.configuration import Sla, sla_of, stages
from playbook.models import Membership
from records.models import ICP_SORT, Record, RecordStatus

PAGE_SIZE = 20
CENT = Decimal("0.01")


def board_owners(workspace, *, owner_id=None, team=None) -> list[int] | None:
    """The owners the board's filters leave (None: no filter). Resolved once per request into
    a plain list, which the planner estimates far better than a subquery per column."""
    if not owner_id and not team:
        return None
    if not team:
        return [owner_id]
    members = Membership.objects.of(workspace).filter(team=team)
    if owner_id:
        members = members.filter(user_id=owner_id)
    return list(members.values_list("user_id", flat=True))


def _board_base(workspace, owners: list[int] | None):
    """The open pipeline: live records that are open (lost ones are closed; nurtured ones are
    parked with marketing and live in the records list)."""
    qs = Record.objects.of(workspace).live().filter(status=RecordStatus.OPEN)
    if owners is not None:
        qs = qs.filter(owner_id__in=owners)
    return qs


@dataclass(frozen=True)
class Cursor:
    """Keyset position in a column: (late flag, ICP, id) of the last card shown."""

    late: int
    icp: int
    pk: int

    def encode(self) -> str:
        return f"{self.late}.{self.icp}.{self.pk}"

    @classmethod
    def decode(cls, value: str | None) -> Cursor | None:
        if not value:
            return None
        try:
            late, icp, pk = (int(part) for part in value.split("."))
        except ValueError as exc:
            raise ValueError("That “load more” link is broken; reload the board.") from exc
        return cls(late, icp, pk)


@dataclass
class Card:
    record: Record
    sla: Sla


@dataclass
class ColumnPage:
    stage: StageDefinition
    cards: list[Card]
    next_cursor: Cursor | None


@dataclass
class Column:
    stage: StageDefinition
    count: int = 0
    total_arr: Decimal = Decimal(0)
    late: int = 0
    page: ColumnPage | None = None


CARD_FIELDS = (
    "id",
    "workspace_id",
    "name",
    "owner__full_name",
    "owner__email",
    "icp_score",
    "expected_arr",
    "expected_close_date",
    "stage_id",
    "stage_entered_at",
    "status",
    "version",
)


def _cutoff(stage, now):
    return now - timedelta(days=stage.sla_days) if stage.sla_days is not None else None


def column_page(
    workspace,
    stage,
    *,
    owners: list[int] | None = None,
    cursor: Cursor | None = None,
    now=None,
    size: int = PAGE_SIZE,
    late_only: bool = False,
) -> ColumnPage:
    """One page of a stage's cards, most relevant first: past the SLA first, then by ICP score
    (highest first, unscored last), then id. Keyset-paged, so page 500 costs what page 1 costs:
    each part (late, on time) walks the board index (pipeline_board_open) in its order.
    `late_only`: the cards past the SLA only (what column_totals counts as late)."""
    now = now or timezone.now()
    cutoff = _cutoff(stage, now)
    base = (
        _board_base(workspace, owners)
        .filter(stage=stage)
        .select_related("owner")
        .only(*CARD_FIELDS)
        .annotate(icp=ICP_SORT)
    )
    if cutoff is None:
        parts = [] if late_only else [(1, base)]
    else:
        on_time = Q(stage_entered_at__gte=cutoff) | Q(stage_entered_at__isnull=True)
        parts = [(0, base.filter(stage_entered_at__lt=cutoff)), (1, base.filter(on_time))]
        parts = parts[:1] if late_only else parts
    rows = []
    for late, part in parts:
        if cursor is not None and late < cursor.late:
            continue
        at = cursor if cursor is not None and late == cursor.late else None
        if at is not None:
            part = part.filter(Q(icp__lt=at.icp) | Q(icp=at.icp, pk__gt=at.pk))
        if owners is not None and connection.vendor == "postgresql":
            window = None if cutoff is None else (late == 0, cutoff)
            ids = _owner_branches(workspace, stage, owners, window, at, size + 1 - len(rows))
            part = part.filter(pk__in=ids)
        rows += [(late, r) for r in part.order_by("-icp", "pk")[: size + 1 - len(rows)]]
        if len(rows) > size:
            break
    more = len(rows) > size
    rows = rows[:size]
    cards = [Card(r, sla_of(stage, r.stage_entered_at, r.status, now)) for _, r in rows]
    next_cursor = Cursor(rows[-1][0], rows[-1][1].icp, rows[-1][1].pk) if more else None
    return ColumnPage(stage, cards, next_cursor)


def _owner_branches(workspace, stage, owners, window, at, limit) -> RawSQL:
    """The ids of a column part's first `limit` cards when the board is filtered to some owners
    (a team): one ordered, limited walk of pipeline_board_owner per owner, merged. Walking the
    stage's own index and skipping other owners' cards read ~80k rows per column at 1M records
    (docs/adr/0206). `window` is (late?, cutoff) for a stage with an SLA; `at` the cursor."""
    where, params = [], [list(owners), workspace.pk, stage.pk]
    if window is not None:
        late, cutoff = window
        if late:
            where.append("r.stage_entered_at < %s")
        else:
            where.append("(r.stage_entered_at >= %s OR r.stage_entered_at IS NULL)")
        params.append(cutoff)
    if at is not None:
        where.append(f"({_ICP_SQL} < %s OR ({_ICP_SQL} = %s AND r.id > %s))")
        params += [at.icp, at.icp, at.pk]
    params += [limit, limit]
    sql = (
        "SELECT b.id FROM unnest(%s::bigint[]) AS o(owner_id) CROSS JOIN LATERAL ("
        f"SELECT r.id, {_ICP_SQL} AS icp FROM records_record r "
        "WHERE r.workspace_id = %s AND r.stage_id = %s AND r.owner_id = o.owner_id "
        "AND r.status = 'open' AND r.deleted_at IS NULL "
        + "".join(f"AND {w} " for w in where)
        + f"ORDER BY {_ICP_SQL} DESC, r.id LIMIT %s) b ORDER BY b.icp DESC, b.id LIMIT %s"
    )
    return RawSQL(sql, params)


_ICP_SQL = "COALESCE(r.icp_score, -1)"


def column_totals(workspace, board_stages, *, owners=None, now=None):
    """Count, total expected ARR and SLA breaches per stage, in one query that scans no stage.

    Everything is summed from pipeline_stagetotal, which the database keeps exact under every
    write to records (docs/adr/0206): a row per (stage, owner, day of entering the stage), so
    the work depends on the number of owners and days, not of records. Past the SLA: the days
    before the cutoff's day from the table, plus the cutoff day's records that entered before
    the cutoff, counted from pipeline_board_entered (one day of arrivals per stage)."""
    now = now or timezone.now()
    zero = Value(0, output_field=models.BigIntegerField())
    late_days, late_today = Q(pk__in=[]), Q(pk__in=[])
    for stage in board_stages:
        cutoff = _cutoff(stage, now)
        if cutoff is None:
            continue
        day = cutoff.astimezone(UTC).date()
        day_start = datetime.combine(day, time.min, tzinfo=UTC)
        late_days |= Q(stage_id=stage.pk, entered_on__lt=day)
        late_today |= Q(stage_id=stage.pk, stage_entered_at__gte=day_start) & Q(
            stage_entered_at__lt=cutoff
        )
    totals = StageTotal.objects.of(workspace).filter(stage_id__in=[s.pk for s in board_stages])
    if owners is not None:
        totals = totals.filter(owner_key__in=owners)
    totals = (
        totals.values("stage_id")
        .annotate(records=Sum("n"), value=Sum("arr"), past=Sum("n", filter=late_days))
        .order_by()
    )
    boundary = (
        _board_base(workspace, owners)
        .filter(late_today)
        .values("stage_id")
        .annotate(
            records=zero,
            value=Value(0, output_field=models.DecimalField(max_digits=20, decimal_places=2)),
            past=Count("id"),
        )
        .order_by()
    )
    rows = {}
    for row in totals.union(boundary, all=True):
        into = rows.setdefault(row["stage_id"], {"n": 0, "arr": Decimal(0), "late": 0})
        into["n"] += row["records"] or 0
        into["arr"] += row["value"] or Decimal(0)
        into["late"] += row["past"] or 0
    for row in rows.values():
        # SQLite adds decimals as floats: back to cents (PostgreSQL's sums are exact already).
        row["arr"] = row["arr"].quantize(CENT)
    return rows


def board(workspace, *, owners=None, now=None) -> list[Column]:
    """The board: every active stage as a column with its totals and first page of cards."""
    now = now or timezone.now()
    board_stages = stages(workspace)
    totals = column_totals(workspace, board_stages, owners=owners, now=now)
    columns = []
    for stage in board_stages:
        row = totals.get(stage.pk, {})
        columns.append(
            Column(
                stage=stage,
                count=row.get("n", 0),
                total_arr=row.get("arr") or Decimal(0),
                late=row.get("late", 0),
                page=column_page(workspace, stage, owners=owners, now=now),
            )
        )
    return columns


def board_column(workspace, stage, *, owners=None, now=None) -> Column:
    """One column's header figures (after a move, to refresh the two columns involved)."""
    totals = column_totals(workspace, [stage], owners=owners, now=now)
    row = totals.get(stage.pk, {})
    return Column(
        stage=stage,
        count=row.get("n", 0),
        total_arr=row.get("arr") or Decimal(0),
        late=row.get("late", 0),
    )


def card(workspace, record_id, *, now=None) -> Card | None:
    now = now or timezone.now()
    record = (
        Record.objects.of(workspace).select_related("owner", "stage").filter(pk=record_id).first()
    )
    if record is None:
        return None
    return Card(record, sla_of(record.stage, record.stage_entered_at, record.status, now))


# --- queues -------------------------------------------------------------------------------------
