"""Stages, their rules and lost reasons, the definitions page and a record's stage panel."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from django.db.models import (
    Count,
)
from django.utils import timezone

from pipeline import rules
from pipeline.models import LostReason, QualificationRule, StageDefinition
from playbook.models import Membership
from records.models import Record, RecordStatus

# --- stages and rules ---------------------------------------------------------------------------


def stages(workspace, *, include_retired: bool = False) -> list[StageDefinition]:
    qs = StageDefinition.objects.of(workspace)
    if not include_retired:
        qs = qs.filter(is_retired=False)
    return list(qs.order_by("position", "id"))


def first_stage(workspace) -> StageDefinition | None:
    """The first active stage (normally Lead), where new records start."""
    return (
        StageDefinition.objects.of(workspace)
        .filter(is_retired=False)
        .order_by("position", "id")
        .first()
    )


def stage_map(workspace) -> dict[int, StageDefinition]:
    return {s.pk: s for s in stages(workspace, include_retired=True)}


def rules_of(workspace, stage_ids) -> list[QualificationRule]:
    return list(
        QualificationRule.objects.of(workspace)
        .filter(stage_id__in=list(stage_ids))
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
    qs = LostReason.objects.of(workspace)
    if active_only:
        qs = qs.filter(is_active=True)
    return list(qs.order_by("position", "id"))


def team_members(workspace, team: str) -> list[Membership]:
    """Active members of `team`: the people a handoff into the team may go to."""
    return list(
        Membership.objects.of(workspace)
        .filter(team=team, is_active=True, user__is_active=True)
        .select_related("user")
        .order_by("user__full_name", "user__email")
    )


def stage_record_counts(workspace) -> dict[int, int]:
    rows = Record.objects.of(workspace).live().values("stage_id").annotate(n=Count("id")).order_by()
    return {row["stage_id"]: row["n"] for row in rows}


def settings_stages(workspace) -> tuple[list[StageDefinition], list[StageDefinition]]:
    """(active, retired) stages with `record_count` and `rule_count`, for the settings page."""
    counts = stage_record_counts(workspace)
    all_stages = list(
        StageDefinition.objects.of(workspace)
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
    # An open deal shows its forecast category; its owner (or a leader) may change it.
    is_deal: bool = False
    can_set_forecast: bool = False

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
    from pipeline.permissions import can_move, can_set_forecast
    from pipeline.selectors.queues import is_deal

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
        is_deal=is_deal(record, current),
    )
    panel.can_set_forecast = panel.is_deal and can_set_forecast(membership, record)
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
