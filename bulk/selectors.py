"""Reads of bulk actions: one action of the workspace, its progress and its summary."""

from dataclasses import dataclass, field

from bulk.models import BulkAction, BulkItem, BulkKind, BulkStatus, ItemOutcome
from bulk.services import outcome_counts
from playbook.access import get_for_workspace_or_404

# The summary lists this many records per outcome; the counts above it are always complete.
SUMMARY_LIMIT = 200

DONE_LABELS = {
    BulkKind.ASSIGN: "Assigned",
    BulkKind.TASK: "Task added",
    BulkKind.MOVE: "Moved",
    BulkKind.DELETE: "Deleted",
}


@dataclass
class Summary:
    bulk: BulkAction
    counts: dict
    done_label: str
    finished: int = 0
    percent: int = 0
    refused: list = field(default_factory=list)
    unchanged: list = field(default_factory=list)
    done: list = field(default_factory=list)

    @property
    def running(self) -> bool:
        return self.bulk.status == BulkStatus.RUNNING


def bulk_of(workspace, bulk_id: int) -> BulkAction:
    return get_for_workspace_or_404(
        workspace, BulkAction.objects.of(workspace).select_related("actor"), pk=bulk_id
    )


def _items(workspace, bulk, outcome) -> list[BulkItem]:
    return list(
        BulkItem.objects.of(workspace)
        .filter(bulk=bulk, outcome=outcome)
        .select_related("record")
        .order_by("id")[:SUMMARY_LIMIT]
    )


def bulk_summary(workspace, bulk: BulkAction) -> Summary:
    """Progress while it runs (one count query); the records by outcome once done."""
    counts = outcome_counts(workspace.pk, bulk.pk)
    summary = Summary(bulk=bulk, counts=counts, done_label=DONE_LABELS[bulk.kind])
    summary.finished = bulk.total - counts[ItemOutcome.PENDING]
    summary.percent = summary.finished * 100 // bulk.total if bulk.total else 100
    if not summary.running:
        summary.refused = _items(workspace, bulk, ItemOutcome.REFUSED)
        summary.unchanged = _items(workspace, bulk, ItemOutcome.UNCHANGED)
        summary.done = _items(workspace, bulk, ItemOutcome.DONE)
    return summary
