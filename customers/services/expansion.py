"""An upsell, cross-sell or renewal at a higher price moves the customer to Expanded."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from customers.models import ClassifiedMovement, MovementKind
from pipeline import selectors as pipeline_selectors
from pipeline import services as pipeline_services
from records.models import Record, RecordStatus


def expanded_stage_after(workspace, record):
    """The next active won stage after the record's current won stage (Expanded), if any."""
    stages = pipeline_selectors.stages(workspace)
    current = next((s for s in stages if s.pk == record.stage_id), None)
    if current is None or not current.is_won:
        return None
    return next((s for s in stages if s.is_won and s.position > current.position), None)


def move_to_expanded_if_grown(*, workspace, movement, actor) -> tuple[object, str]:
    """When `movement` is an expansion of its customer's MRR and the record sits in Won, move it
    to the next won stage (Expanded) as the system (no role check: the grown MRR is the
    qualification). Returns (transition or None, why it did not move or "")."""
    kind = (
        ClassifiedMovement.objects.of(workspace)
        .filter(record_id=movement.record_id, pk=movement.pk)
        .values_list("kind", flat=True)
        .first()
    )
    if kind != MovementKind.EXPANSION:
        return None, ""
    record = Record.objects.of(workspace).filter(pk=movement.record_id).first()
    if record is None or record.status != RecordStatus.OPEN:
        return None, ""
    target = expanded_stage_after(workspace, record)
    if target is None:
        return None, ""
    try:
        transition = pipeline_services.record_advance(
            workspace=workspace,
            record=record,
            actor=actor,
            membership=None,
            to_stage=target,
            note=f"{movement.get_action_display()}: MRR of {movement.subscription} "
            f"now {movement.mrr}.",
        )
    except ValidationError as exc:
        return None, f"{record.name} stays in its stage: {' '.join(exc.messages)}"
    return transition, ""
