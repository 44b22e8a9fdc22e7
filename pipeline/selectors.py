"""Every read the pipeline's pages, services and jobs need; the workspace comes first.

Pages read a constant number of queries whatever the number of records: the board runs one
grouped query for the column totals and one keyset page per column; nothing counts a whole
table per card.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
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

from pipeline import rules
from pipeline.models import LostReason, QualificationRule, StageDefinition, StageTransition
from playbook.models import Membership, Team
from records import keyset
from records.models import ICP_SORT, Record, RecordStatus

PAGE_SIZE = 20
QUEUE_PAGE_SIZE = 50

# --- stages and rules ---------------------------------------------------------------------------


def stages(workspace, *, include_retired: bool = False) -> list[StageDefinition]:
    qs = StageDefinition.objects.filter(workspace=workspace)
    if not include_retired:
        qs = qs.filter(is_retired=False)
    return list(qs.order_by("position", "id"))


def stage_map(workspace) -> dict[int, StageDefinition]:
    return {s.pk: s for s in stages(workspace, include_retired=True)}


def rules_of(workspace, stage_ids) -> list[QualificationRule]:
    return list(
        QualificationRule.objects.filter(workspace=workspace, stage_id__in=list(stage_ids))
        .select_related("stage")
        .order_by("stage__position", "position", "id")
    )


def unmet_rules(record, passed_stages, *, now=None) -> list[tuple[StageDefinition, object]]:
    """Every unmet entry rule of `passed_stages` for `record`, as (stage, RuleResult). A rule
    repeated by a later stage (SQL restates the MQL rules) is listed once."""
    if not passed_stages:
        return []
    by_id = {s.pk: s for s in passed_stages}
    all_rules = rules_of(record.workspace_id, by_id)
    seen, unmet = set(), []
    for result in rules.evaluate(record, all_rules, now=now):
        signature = (result.rule.kind, sorted(result.rule.params.items()))
        if result.met or repr(signature) in seen:
            continue
        seen.add(repr(signature))
        unmet.append((by_id[result.rule.stage_id], result))
    return unmet


def lost_reasons(workspace, *, active_only: bool = True) -> list[LostReason]:
    qs = LostReason.objects.filter(workspace=workspace)
    if active_only:
        qs = qs.filter(is_active=True)
    return list(qs.order_by("position", "id"))


def team_members(workspace, team: str) -> list[Membership]:
    """Active members of `team`: the people a handoff into the team may go to."""
    return list(
        Membership.objects.filter(
            workspace=workspace, team=team, is_active=True, user__is_active=True
        )
        .select_related("user")
        .order_by("user__full_name", "user__email")
    )


def stage_record_counts(workspace) -> dict[int, int]:
    rows = (
        Record.objects.filter(workspace=workspace, deleted_at__isnull=True)
        .values("stage_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {row["stage_id"]: row["n"] for row in rows}


def settings_stages(workspace) -> tuple[list[StageDefinition], list[StageDefinition]]:
    """(active, retired) stages with `record_count` and `rule_count`, for the settings page."""
    counts = stage_record_counts(workspace)
    all_stages = list(
        StageDefinition.objects.filter(workspace=workspace)
        .annotate(rule_count=Count("rules"))
        .order_by("position", "id")
    )
    for stage in all_stages:
        stage.record_count = counts.get(stage.pk, 0)
    return [s for s in all_stages if not s.is_retired], [s for s in all_stages if s.is_retired]


@dataclass
class DefinitionRow:
    stage: StageDefinition
    criteria: list[str]


def definitions(workspace) -> list[DefinitionRow]:
    """The stage agreement as a table: stage | definition | team | entry criteria."""
    active = stages(workspace)
    fields = rules.available_fields(workspace)
    by_stage: dict[int, list[str]] = {s.pk: [] for s in active}
    for rule in rules_of(workspace, by_stage):
        by_stage[rule.stage_id].append(rules.describe(rule, fields))
    return [DefinitionRow(stage, by_stage[stage.pk]) for stage in active]


# --- SLA ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sla:
    days_in_stage: int | None
    sla_days: int | None
    breached: bool

    @property
    def days_left(self) -> int | None:
        if self.sla_days is None or self.days_in_stage is None:
            return None
        return self.sla_days - self.days_in_stage


def sla_of(stage, entered_at, status, now) -> Sla:
    if stage is None or entered_at is None:
        return Sla(None, None, False)
    days = (now - entered_at).days
    breached = (
        stage.sla_days is not None
        and status == RecordStatus.OPEN
        and entered_at < now - timedelta(days=stage.sla_days)
    )
    return Sla(days, stage.sla_days, breached)


# --- record panel ----------------------------------------------------------------------------


@dataclass
class StagePanel:
    record: Record
    stage: StageDefinition | None
    next_stage: StageDefinition | None
    previous_stage: StageDefinition | None
    sla: Sla
    checklist: list = field(default_factory=list)
    lost_reasons: list = field(default_factory=list)
    owner_choices: list = field(default_factory=list)
    can_move: bool = False

    @property
    def handoff(self) -> bool:
        return (
            self.next_stage is not None
            and self.stage is not None
            and self.next_stage.receiving_team != self.stage.receiving_team
        )

    @property
    def unmet_count(self) -> int:
        return sum(1 for r in self.checklist if not r.met)


def stage_panel(workspace, record, membership, *, now=None) -> StagePanel:
    """The record page's pipeline panel: where the record is, how long it has been there and
    the next stage's checklist (met and unmet), in a constant number of queries."""
    from pipeline.permissions import can_move

    now = now or timezone.now()
    ordered = stages(workspace, include_retired=True)
    current = next((s for s in ordered if s.pk == record.stage_id), None)
    active = [s for s in ordered if not s.is_retired]
    position = current.position if current is not None else -1
    later = [s for s in active if s.position > position]
    earlier = [s for s in active if s.position < position]
    panel = StagePanel(
        record=record,
        stage=current,
        next_stage=later[0] if later else None,
        previous_stage=earlier[-1] if earlier else None,
        sla=sla_of(current, record.stage_entered_at, record.status, now),
        can_move=can_move(membership, record, current),
    )
    if panel.next_stage is not None:
        panel.checklist = rules.evaluate(
            record, rules_of(workspace, [panel.next_stage.pk]), now=now
        )
        fields = rules.available_fields(workspace) if panel.checklist else {}
        for result in panel.checklist:
            result.rule.description = rules.describe(result.rule, fields)
        panel.owner_choices = team_members(workspace, panel.next_stage.receiving_team)
    if panel.can_move:
        panel.lost_reasons = lost_reasons(workspace)
    return panel


# --- board ------------------------------------------------------------------------------------


def board_owners(workspace, *, owner_id=None, team=None) -> list[int] | None:
    """The owners the board's filters leave (None: no filter). Resolved once per request into
    a plain list, which the planner estimates far better than a subquery per column."""
    if not owner_id and not team:
        return None
    if not team:
        return [owner_id]
    members = Membership.objects.filter(workspace=workspace, team=team)
    if owner_id:
        members = members.filter(user_id=owner_id)
    return list(members.values_list("user_id", flat=True))


def _board_base(workspace, owners: list[int] | None):
    """The open pipeline: live records that are open (lost ones are closed; nurtured ones are
    parked with marketing and live in the records list)."""
    qs = Record.objects.filter(
        workspace=workspace, deleted_at__isnull=True, status=RecordStatus.OPEN
    )
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
) -> ColumnPage:
    """One page of a stage's cards, most relevant first: past the SLA first, then by ICP score
    (highest first, unscored last), then id. Keyset-paged, so page 500 costs what page 1 costs:
    each part (late, on time) walks the board index (pipeline_board_open) in its order."""
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
        parts = [(1, base)]
    else:
        on_time = Q(stage_entered_at__gte=cutoff) | Q(stage_entered_at__isnull=True)
        parts = [(0, base.filter(stage_entered_at__lt=cutoff)), (1, base.filter(on_time))]
    rows = []
    for late, part in parts:
        if cursor is not None and late < cursor.late:
            continue
        if cursor is not None and late == cursor.late:
            part = part.filter(Q(icp__lt=cursor.icp) | Q(icp=cursor.icp, pk__gt=cursor.pk))
        rows += [(late, r) for r in part.order_by("-icp", "pk")[: size + 1 - len(rows)]]
        if len(rows) > size:
            break
    more = len(rows) > size
    rows = rows[:size]
    cards = [Card(r, sla_of(stage, r.stage_entered_at, r.status, now)) for _, r in rows]
    next_cursor = Cursor(rows[-1][0], rows[-1][1].icp, rows[-1][1].pk) if more else None
    return ColumnPage(stage, cards, next_cursor)


def column_totals(workspace, board_stages, *, owners=None, now=None):
    """Count, total expected ARR and SLA breaches per stage: one grouped query."""
    now = now or timezone.now()
    late = Q(pk__in=[])
    for stage in board_stages:
        if stage.sla_days is not None:
            late |= Q(stage_id=stage.pk, stage_entered_at__lt=_cutoff(stage, now))
    rows = (
        _board_base(workspace, owners)
        .filter(stage_id__in=[s.pk for s in board_stages])
        .values("stage_id")
        .annotate(
            n=Count("id"),
            arr=Sum("expected_arr"),
            late=Count("id", filter=late),
        )
        .order_by()
    )
    return {row["stage_id"]: row for row in rows}


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
        Record.objects.select_related("owner", "stage")
        .filter(workspace=workspace, pk=record_id)
        .first()
    )
    if record is None:
        return None
    return Card(record, sla_of(record.stage, record.stage_entered_at, record.status, now))


# --- queues -------------------------------------------------------------------------------------


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
    base = Record.objects.filter(
        workspace=workspace,
        owner_id=owner_id,
        stage_id__in=sales_stage_ids,
        status=RecordStatus.OPEN,
        deleted_at__isnull=True,
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
        StageTransition.objects.filter(workspace=workspace, record_id=record_id)
        .select_related("from_stage", "to_stage", "actor", "to_owner")
        .order_by("-at", "-id")
    )
