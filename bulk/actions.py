"""What each bulk action does to one record, through the same service the single action uses
(so its checks, history, notifications and stage totals are those of the single action).

An action answers (outcome, reason) or raises ValidationError (the record is refused with the
error's messages); its writes run inside the caller's savepoint, so a refusal leaves nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from bulk.models import BulkAction, BulkKind, ItemOutcome
from pipeline.models import StageDefinition
from pipeline.services import MoveRefused, record_move
from playbook.models import Membership, User, Workspace
from records import permissions
from records.models import ActivityKind, Record
from records.services.activities import activity_log
from records.services.records import record_delete, record_update

DELETED_MEANWHILE = "This record was deleted meanwhile."
NOT_A_MEMBER = "You are no longer an active member of this workspace."


@dataclass
class Context:
    """What every record of one bulk action shares, read once per run."""

    workspace_id: int
    workspace: Workspace
    bulk: BulkAction
    membership: Membership | None
    actor: User | None
    owner: User | None = None
    assignee: User | None = None
    stage: StageDefinition | None = None
    due_at: datetime | None = None


def context_for(bulk: BulkAction) -> Context:
    ws = bulk.workspace_id
    membership = (
        Membership.objects.of(ws)
        .select_related("user")
        .filter(user_id=bulk.actor_id, is_active=True, user__is_active=True)
        .first()
    )
    workspace = Workspace.objects.get(pk=ws)
    ctx = Context(ws, workspace, bulk, membership, membership.user if membership else None)
    params = bulk.params
    if bulk.kind == BulkKind.ASSIGN:
        ctx.owner = User.objects.filter(pk=params.get("owner_id")).first()
    elif bulk.kind == BulkKind.TASK:
        ctx.assignee = User.objects.filter(pk=params.get("assignee_id")).first()
        due = datetime.fromisoformat(params["due"]).date()
        # Due at the end of the chosen day in the workspace's time zone, as a person means it.
        ctx.due_at = timezone.make_aware(datetime.combine(due, time(17, 0)))
    elif bulk.kind == BulkKind.MOVE:
        ctx.stage = StageDefinition.objects.of(ws).filter(pk=params.get("stage_id")).first()
    return ctx


def _live(ctx: Context, record_id: int) -> Record:
    record = Record.objects.of(ctx.workspace_id).live().filter(pk=record_id).first()
    if record is None:
        raise ValidationError(DELETED_MEANWHILE)
    return record


def assign(ctx: Context, record_id: int) -> tuple[str, str]:
    record = _live(ctx, record_id)
    if ctx.owner is None:
        raise ValidationError("The chosen owner no longer exists.")
    if record.owner_id == ctx.owner.pk:
        return ItemOutcome.UNCHANGED, f"Already owned by {ctx.owner.display_name}."
    # The record page's own owner change: ADR 0108's check, field history, notifications.
    record_update(record=record, actor=ctx.actor, version=record.version, owner=ctx.owner)
    return ItemOutcome.DONE, ""


def add_task(ctx: Context, record_id: int) -> tuple[str, str]:
    record = _live(ctx, record_id)
    try:
        with transaction.atomic():
            activity_log(
                record=record,
                actor=ctx.actor,
                kind=ActivityKind.TASK,
                subject=ctx.bulk.params.get("title", ""),
                body=ctx.bulk.params.get("body", ""),
                due_at=ctx.due_at,
                assignee=ctx.assignee,
                # Unique per workspace: a second run cannot give the record the task twice.
                dedupe_key=f"bulk:{ctx.bulk.pk}:{record_id}",
            )
    except IntegrityError:
        return ItemOutcome.UNCHANGED, "The task was added already."
    return ItemOutcome.DONE, ""


def move(ctx: Context, record_id: int) -> tuple[str, str]:
    record = _live(ctx, record_id)
    if ctx.stage is None:
        raise ValidationError("The chosen stage no longer exists.")
    if record.stage_id == ctx.stage.pk:
        return ItemOutcome.UNCHANGED, f"Already in {ctx.stage.name}."
    try:
        # The board's move: the rules of every stage on the way, one StageTransition, handoff.
        record_move(
            workspace=ctx.workspace,
            record=record,
            to_stage=ctx.stage,
            actor=ctx.actor,
            membership=ctx.membership,
        )
    except MoveRefused as exc:
        raise ValidationError(
            f"Does not meet the entry rules of {ctx.stage.name}: " + "; ".join(exc.messages)
        ) from exc
    return ItemOutcome.DONE, ""


def delete(ctx: Context, record_id: int) -> tuple[str, str]:
    record = _live(ctx, record_id)
    if not permissions.can_delete_record(ctx.membership, record):
        raise ValidationError(permissions.DELETE_REFUSED)
    record_delete(record=record, actor=ctx.actor)
    return ItemOutcome.DONE, ""


ACTIONS = {
    BulkKind.ASSIGN: assign,
    BulkKind.TASK: add_task,
    BulkKind.MOVE: move,
    BulkKind.DELETE: delete,
}
