"""Moving a Record between stages: the one path every stage change takes.

Each move locks the Record row, checks the version the user saw, evaluates the entry rules in
the same transaction, hands the record over when it enters another team's stage, appends exactly
one StageTransition and bumps Record.version. The work is bounded by the number of stages, rules
and team members, never by the number of records in the workspace.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from pipeline import selectors
from pipeline.models import LostReason, StageDefinition, StageTransition, TransitionKind
from pipeline.permissions import can_move, move_refusal
from pipeline.selectors.handoff import rotation_pick
from playbook.models import Membership
from records.models import Activity, ActivityKind, Record, RecordStatus
from records.services.ownership import owner_changed

HANDOFF_TASK_SUBJECT = "Follow up on handoff"


class MoveRefused(ValidationError):
    """The target stage's entry rules are not all met. `unmet` holds every unmet rule as
    (stage, RuleResult), in stage then rule order."""

    def __init__(self, unmet):
        self.unmet = list(unmet)
        super().__init__([result.message for _, result in self.unmet], code="rules_unmet")


class StaleRecord(ValidationError):
    """Someone moved or edited the record after the user loaded it."""


class MoveNotAllowed(ValidationError):
    """The user's role may not move this record."""


@dataclass
class _Move:
    workspace: object
    record: Record
    stages: list[StageDefinition]
    actor: object
    now: object

    @property
    def current(self) -> StageDefinition | None:
        return next((s for s in self.stages if s.pk == self.record.stage_id), None)

    def active(self) -> list[StageDefinition]:
        return [s for s in self.stages if not s.is_retired]


def _begin(*, workspace, record, actor, membership, version) -> _Move:
    """Lock the record, check it is still as the user saw it and that they may move it."""
    record_id = getattr(record, "pk", record)
    locked = Record.objects.of(workspace).live().select_for_update().filter(pk=record_id).first()
    if locked is None:
        raise ValidationError("This record no longer exists; it may have been deleted.")
    move = _Move(workspace, locked, selectors.stages(workspace, include_retired=True), actor, None)
    move.now = timezone.now()
    if version is not None and int(version) != locked.version:
        where = move.current.name if move.current else "no stage"
        raise StaleRecord(
            f"Someone else changed {locked.name} a moment ago (it is now in {where}). "
            "Reload the page to see the change, then try again.",
            code="stale",
        )
    if membership is not None and not can_move(membership, locked, move.current):
        raise MoveNotAllowed(move_refusal(membership, move.current), code="forbidden")
    return move


def _target(move: _Move, to_stage) -> StageDefinition:
    stage_id = getattr(to_stage, "pk", to_stage)
    stage = next((s for s in move.stages if s.pk == stage_id), None)
    if stage is None:
        raise ValidationError("That stage does not exist in this workspace.", code="no_stage")
    if stage.is_retired:
        raise ValidationError(
            f"The stage {stage.name} is retired; records cannot move into it.", code="retired"
        )
    return stage


def _not_lost(move: _Move) -> None:
    if move.record.status == RecordStatus.LOST:
        raise ValidationError(
            f"{move.record.name} is marked lost. Reopen it before moving it.", code="lost"
        )


def _owner_in_workspace(workspace, owner) -> int | None:
    if owner in (None, ""):
        return None
    owner_id = getattr(owner, "pk", owner)
    if (
        not Membership.objects.of(workspace)
        .filter(user_id=owner_id, is_active=True, user__is_active=True)
        .exists()
    ):
        raise ValidationError({"owner": "Choose an active member of this workspace as owner."})
    return int(owner_id)


def _next_in_rotation(move: _Move, team: str) -> int | None:
    return next_in_rotation(
        workspace=move.workspace, team=team, now=move.now, keep=move.record.owner_id
    )


def next_in_rotation(*, workspace, team: str, now, keep: int | None = None) -> int | None:
    """The active member of `team` assigned longest ago (round-robin), or `keep` (the current
    owner) when they already work in that team. The team's memberships are locked, so two
    handoffs at the same moment cannot both pick the same person. Other apps' handoffs (the
    renewal owner at Won) rotate through this too."""
    members = list(
        Membership.objects.of(workspace)
        .select_for_update(of=("self",))
        .filter(team=team, is_active=True, user__is_active=True)
        .order_by("id")
    )
    pick = rotation_pick(members, keep)
    if pick is None:
        return None
    if pick.user_id == keep:
        return keep
    Membership.objects.of(workspace).filter(pk=pick.pk).update(last_assigned_at=now)
    return pick.user_id


def _new_owner(move: _Move, to_stage: StageDefinition, chosen_owner_id: int | None) -> int | None:
    """Who owns the record after entering `to_stage`: the owner picked in the move form, else a
    round-robin member of the receiving team when the stage belongs to another team."""
    if chosen_owner_id is not None:
        return chosen_owner_id
    current = move.current
    same_team = current is not None and current.receiving_team == to_stage.receiving_team
    if same_team and move.record.owner_id is not None:
        return move.record.owner_id
    picked = _next_in_rotation(move, to_stage.receiving_team)
    return picked if picked is not None else move.record.owner_id


def _write(
    move: _Move,
    *,
    kind: str,
    to_stage: StageDefinition,
    status: str,
    note: str = "",
    owner_id: int | None = None,
    lost_reason: str = "",
    restart_clock: bool = True,
    task_subject: str = HANDOFF_TASK_SUBJECT,
    handoff_task: bool = True,
    withdraws: str = "",
) -> StageTransition:
    """Append the transition and update the record; leave a task when the owner changed."""
    record, now, from_stage = move.record, move.now, move.current
    from_owner_id = record.owner_id
    seconds = (
        max(0, int((now - record.stage_entered_at).total_seconds()))
        if record.stage_entered_at
        else None
    )
    record.stage = to_stage
    if restart_clock or record.stage_entered_at is None:
        record.stage_entered_at = now
    record.status = status
    record.lost_reason = lost_reason
    record.owner_id = owner_id if owner_id is not None else from_owner_id
    record.version += 1
    record.save(
        update_fields=[
            "stage",
            "stage_entered_at",
            "status",
            "lost_reason",
            "owner",
            "version",
            "updated_at",
        ]
    )
    transition = StageTransition.objects.create(
        workspace=move.workspace,
        record=record,
        kind=kind,
        from_stage=from_stage,
        to_stage=to_stage,
        actor=move.actor,
        from_owner_id=from_owner_id,
        to_owner_id=record.owner_id,
        at=now,
        note=note.strip(),
        seconds_in_previous=seconds,
    )
    if handoff_task and record.owner_id is not None and record.owner_id != from_owner_id:
        _handoff_task(move, transition, task_subject)
    owner_changed(
        record=record,
        from_owner_id=from_owner_id,
        to_owner_id=record.owner_id,
        actor=move.actor,
        reason="handoff",
        detail=_handoff_detail(kind, to_stage),
        key=f"handoff:{transition.pk}",
        withdraws=withdraws,
    )
    return transition


def _handoff_detail(kind: str, to_stage: StageDefinition) -> str:
    if kind == TransitionKind.BACK:
        return f"moved back to {to_stage.name} and is yours again"
    if kind == TransitionKind.NURTURE:
        return f"went back to {to_stage.name} for nurture and is now yours"
    return f"entered {to_stage.name} and is now yours"


def _handoff_task(move: _Move, transition: StageTransition, subject: str) -> None:
    record, stage = move.record, transition.to_stage
    lines = [f"{record.name} entered {stage.name} and is now yours."]
    if transition.note:
        lines.append(f"Note from the move: {transition.note}")
    Activity.objects.create(
        workspace=move.workspace,
        record=record,
        kind=ActivityKind.TASK,
        subject=subject,
        body="\n".join(lines),
        occurred_at=move.now,
        due_at=move.now + timedelta(days=1),
        actor=move.actor,
        assignee_id=record.owner_id,
        dedupe_key=f"handoff:{transition.pk}",
    )


def _check_rules(move: _Move, to_stage: StageDefinition) -> None:
    """Entering `to_stage` from further back requires the rules of every stage passed on the
    way (skipping a stage must not skip its qualification)."""
    current = move.current
    start = current.position if current is not None else -1
    passed = [s for s in move.active() if start < s.position <= to_stage.position]
    unmet = selectors.unmet_rules(move.record, passed, now=move.now)
    if unmet:
        raise MoveRefused(unmet)


def _advance(
    move: _Move, *, to_stage, owner, note, task_subject=HANDOFF_TASK_SUBJECT
) -> StageTransition:
    _not_lost(move)
    current = move.current
    if to_stage is None:
        later = [s for s in move.active() if current is None or s.position > current.position]
        if not later:
            raise ValidationError(f"{current.name} is the last stage; there is nowhere further.")
        target = later[0]
    else:
        target = _target(move, to_stage)
    if current is not None and target.position <= current.position:
        raise ValidationError(
            f"{target.name} is not ahead of {current.name}. Use “Move back” instead."
        )
    chosen = _owner_in_workspace(move.workspace, owner)
    _check_rules(move, target)
    return _write(
        move,
        kind=TransitionKind.FORWARD,
        to_stage=target,
        status=RecordStatus.OPEN,
        note=note,
        owner_id=_new_owner(move, target, chosen),
        task_subject=task_subject,
    )


def _back(move: _Move, *, to_stage, owner, note) -> StageTransition:
    _not_lost(move)
    current = move.current
    if current is None:
        raise ValidationError(f"{move.record.name} has no stage yet; there is nothing before.")
    if to_stage is None:
        earlier = [s for s in move.active() if s.position < current.position]
        if not earlier:
            raise ValidationError(f"{current.name} is the first stage; there is nothing before.")
        target = earlier[-1]
    else:
        target = _target(move, to_stage)
    if target.position >= current.position:
        raise ValidationError(f"{target.name} is not behind {current.name}. Use “Advance” instead.")
    chosen = _owner_in_workspace(move.workspace, owner)
    return _write(
        move,
        kind=TransitionKind.BACK,
        to_stage=target,
        status=RecordStatus.OPEN,
        note=note,
        owner_id=_new_owner(move, target, chosen),
    )


@transaction.atomic
def record_advance(
    *,
    workspace,
    record,
    actor,
    membership,
    to_stage=None,
    version=None,
    owner=None,
    note="",
    task_subject: str = HANDOFF_TASK_SUBJECT,
) -> StageTransition:
    """Move `record` forward: to `to_stage`, or the next active stage. Refused with every unmet
    entry rule (MoveRefused) when the record does not qualify. `membership` is the mover's
    (None only for system jobs, which skip the role check). `task_subject` names the new
    owner's task when the record is handed over (Won's "Handoff call")."""
    move = _begin(
        workspace=workspace, record=record, actor=actor, membership=membership, version=version
    )
    return _advance(move, to_stage=to_stage, owner=owner, note=note, task_subject=task_subject)


@transaction.atomic
def record_move_back(
    *, workspace, record, actor, membership, to_stage=None, version=None, owner=None, note=""
) -> StageTransition:
    """Move `record` back to `to_stage` (or the previous active stage). No rules apply."""
    move = _begin(
        workspace=workspace, record=record, actor=actor, membership=membership, version=version
    )
    return _back(move, to_stage=to_stage, owner=owner, note=note)


@transaction.atomic
def record_move(
    *, workspace, record, to_stage, actor, membership, version=None, owner=None, note=""
) -> StageTransition:
    """A drop on the board: forward or back depending on where `to_stage` is."""
    move = _begin(
        workspace=workspace, record=record, actor=actor, membership=membership, version=version
    )
    target, current = _target(move, to_stage), move.current
    if current is not None and target.pk == current.pk:
        raise ValidationError(f"{move.record.name} is already in {target.name}.")
    if current is not None and target.position < current.position:
        return _back(move, to_stage=target, owner=owner, note=note)
    return _advance(move, to_stage=target, owner=owner, note=note)


@transaction.atomic
def record_mark_lost(
    *, workspace, record, reason, actor, membership, version=None, note: str = ""
) -> StageTransition:
    """Close `record` as lost, with a reason from the workspace's list. It stays in its stage
    (so reports know where deals are lost) and leaves the board and the queues."""
    reason_id = getattr(reason, "pk", reason)
    lost_reason = (
        LostReason.objects.of(workspace).filter(pk=reason_id, is_active=True).first()
        if str(reason_id or "").isdigit()
        else None
    )
    if lost_reason is None:
        raise ValidationError({"reason": "Choose why the record was lost from the list."})
    move = _begin(
        workspace=workspace, record=record, actor=actor, membership=membership, version=version
    )
    _not_lost(move)
    if move.current is None:
        raise ValidationError(f"{move.record.name} has no stage yet.")
    return _write(
        move,
        kind=TransitionKind.LOST,
        to_stage=move.current,
        status=RecordStatus.LOST,
        note=note,
        lost_reason=lost_reason.label,
        restart_clock=False,
    )


@transaction.atomic
def record_recycle_to_nurture(
    *, workspace, record, reason: str, actor, membership, version=None, owner=None
) -> StageTransition:
    """Send `record` back to the first stage for marketing to nurture (a wrong phone number, not
    ready yet...). The reason is required and kept as the transition's note."""
    if not (reason or "").strip():
        raise ValidationError({"reason": "Say why the record goes back to nurture."})
    move = _begin(
        workspace=workspace, record=record, actor=actor, membership=membership, version=version
    )
    if move.record.status == RecordStatus.NURTURE:
        raise ValidationError(f"{move.record.name} is already being nurtured.")
    active = move.active()
    if not active:
        raise ValidationError("This workspace has no active stage.")
    first = active[0]
    chosen = _owner_in_workspace(workspace, owner)
    return _write(
        move,
        kind=TransitionKind.NURTURE,
        to_stage=first,
        status=RecordStatus.NURTURE,
        note=reason,
        owner_id=_new_owner(move, first, chosen),
    )


@transaction.atomic
def record_reopen(*, workspace, record, actor, membership, version=None, note: str = ""):
    """A lost record comes back to life in the stage it was lost in."""
    move = _begin(
        workspace=workspace, record=record, actor=actor, membership=membership, version=version
    )
    if move.record.status != RecordStatus.LOST:
        raise ValidationError(f"{move.record.name} is not marked lost.")
    stage = move.current
    if stage is None or stage.is_retired:
        active = move.active()
        if not active:
            raise ValidationError("This workspace has no active stage.")
        stage = active[0]
    return _write(
        move, kind=TransitionKind.REOPENED, to_stage=stage, status=RecordStatus.OPEN, note=note
    )


# No savepoint: it raises nothing a caller could catch and carry on from, and it runs inside
# record_create's transaction (a savepoint would be two more round trips per new record).
@transaction.atomic(savepoint=False)
def record_place_in_first_stage(
    *, record, actor=None, note: str = "", stage: StageDefinition | None = None
) -> StageTransition | None:
    """A new Record enters the workspace's first active stage (normally Lead), or `stage` when
    the caller read it already (pipeline.selectors.first_stage); the entry is the first row of
    its stage history (`note` says where it came from, e.g. a web form). Without stages
    configured the record stays unstaged."""
    first = stage if stage is not None else selectors.first_stage(record.workspace_id)
    if first is None:
        return None
    now = timezone.now()
    Record.objects.of(record.workspace_id).filter(pk=record.pk).update(
        stage=first, stage_entered_at=now
    )
    record.stage, record.stage_entered_at = first, now
    return StageTransition.objects.create(
        workspace_id=record.workspace_id,
        record=record,
        kind=TransitionKind.CREATED,
        from_stage=None,
        to_stage=first,
        actor=actor,
        to_owner_id=record.owner_id,
        at=now,
        note=note,
    )


@transaction.atomic
def record_undo_move(*, workspace, transition, actor, membership, version) -> StageTransition:
    """Undo a board move (forward or back) while nothing else has changed: the record goes back
    to the stage and the owner it had, as a new transition (history is append-only). Only the
    member who made the move, or someone who may move the record now, may undo it; the record's
    version must still be the one the move left (any later edit or move makes undo too late).
    The stage it returns to was the record's own a moment ago, so its rules are not asked again;
    the handoff task the move left for the new owner is removed unless they already did it."""
    transition_id = getattr(transition, "pk", transition)
    done = (
        StageTransition.objects.of(workspace)
        .select_related("from_stage", "to_stage")
        .filter(pk=transition_id)
        .first()
    )
    if done is None or done.kind not in (TransitionKind.FORWARD, TransitionKind.BACK):
        raise ValidationError("Only a move forward or back can be undone.", code="not_undoable")
    made_it = actor is not None and done.actor_id == actor.pk
    move = _begin(
        workspace=workspace,
        record=done.record_id,
        actor=actor,
        membership=None if made_it else membership,
        version=version,
    )
    later = (
        StageTransition.objects.of(workspace)
        .filter(record_id=done.record_id, pk__gt=done.pk)
        .exists()
    )
    if later or move.record.stage_id != done.to_stage_id or done.from_stage is None:
        raise StaleRecord(f"{move.record.name} has moved since; that move can no longer be undone.")
    if done.from_stage.is_retired:
        raise ValidationError(
            f"The stage {done.from_stage.name} is retired; the move cannot be undone.",
            code="retired",
        )
    kind = TransitionKind.BACK if done.kind == TransitionKind.FORWARD else TransitionKind.FORWARD
    restored_owner = done.from_owner_id
    if restored_owner is not None and not (
        Membership.objects.of(workspace)
        .filter(user_id=restored_owner, is_active=True, user__is_active=True)
        .exists()
    ):
        restored_owner = None  # they left the workspace meanwhile: the record keeps its owner
    Activity.objects.of(workspace).filter(dedupe_key=f"handoff:{done.pk}", done=False).delete()
    return _write(
        move,
        kind=kind,
        to_stage=done.from_stage,
        status=RecordStatus.OPEN,
        note=f"Undo of the move to {done.to_stage.name}.",
        owner_id=restored_owner,
        handoff_task=False,  # the owner it had before gets it back, no new work
        withdraws=f"handoff:{done.pk}",  # nor news of a handover that did not last
    )
