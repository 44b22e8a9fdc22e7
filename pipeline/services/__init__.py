"""Every write to stages, rules and stage history."""

from django.db import transaction
from django.utils import timezone

from pipeline.models import StageDefinition, StageTransition, TransitionKind


@transaction.atomic
def record_place_in_first_stage(*, record, actor=None) -> StageTransition | None:
    """A new Record enters the workspace's first active stage (normally Lead); the entry is the
    first row of its stage history. Without stages configured the record stays unstaged."""
    first = (
        StageDefinition.objects.filter(workspace_id=record.workspace_id, is_retired=False)
        .order_by("position", "id")
        .first()
    )
    if first is None:
        return None
    now = timezone.now()
    type(record).objects.filter(workspace_id=record.workspace_id, pk=record.pk).update(
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
        to_owner=record.owner,
        at=now,
    )
