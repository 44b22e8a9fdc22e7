"""The "new owner" move dialog (docs/adr/0302): a board drop that would hand the record to
someone else names that person before anything moves; the dialog's form makes the move with
exactly that owner, and the message after it offers an undo."""

from django.urls import reverse
from django.utils import timezone

from pipeline import move_dialogs, selectors
from pipeline.selectors.handoff import prospective_owner


def owner_changes(record, to_stage) -> bool:
    """Would a plain drop of `record` on `to_stage` take it from its owner and give it to
    someone else? (A record nobody owns yet just gets one, as the card then shows.) Only for a
    move the rules allow: a refused drop keeps its usual answer (snap back, the rules listed)."""
    if record.owner_id is None or record.status != "open" or record.stage_id == to_stage.pk:
        return False
    stages = selectors.stages(record.workspace_id)
    current = next((s for s in stages if s.pk == record.stage_id), None)
    if prospective_owner(record.workspace_id, record, to_stage, from_stage=current) is None:
        return False
    if current is not None and to_stage.position < current.position:
        return True  # moving back asks no rules
    start = current.position if current is not None else -1
    passed = [s for s in stages if start < s.position <= to_stage.position]
    return not selectors.unmet_rules(record, passed, now=timezone.now())


def dialog_url(workspace, record, to_stage) -> str:
    slug = getattr(workspace, "slug", None) or record.workspace.slug
    return reverse("pipeline:record_move_owner", args=[slug, record.pk]) + (
        f"?to_stage={to_stage.pk}"
    )


NEW_OWNER = move_dialogs.MoveDialog(
    key="new-owner",
    title="Hand over",
    applies=owner_changes,
    url=dialog_url,
    fallback=True,
    board_only=True,
)


def register_dialog() -> None:
    move_dialogs.register(NEW_OWNER)
