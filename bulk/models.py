"""Bulk actions on records: one BulkAction per request of a user, one BulkItem per record it
covers.

The items are written when the action is asked for (the selection is the records the user saw,
not those matching later), each `pending` until the runner has done or refused its record. An
item leaves `pending` in the same transaction as the work on its record, so a run killed half-way
and run again does each record once: the item's state, locked with its row, is the proof, not a
check in Python (docs/records.md, "Bulk actions").
"""

from django.conf import settings
from django.db import models

from playbook.models import TenantModel


class BulkKind(models.TextChoices):
    ASSIGN = "assign", "Assign owner"
    TASK = "task", "Add a task"
    MOVE = "move", "Move to stage"
    DELETE = "delete", "Delete"


class BulkStatus(models.TextChoices):
    RUNNING = "running", "Running"
    DONE = "done", "Done"


class BulkAction(TenantModel):
    workspace = models.ForeignKey(
        "playbook.Workspace", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    kind = models.CharField(max_length=10, choices=BulkKind.choices)
    # What the action needs, by kind: {"owner_id"}, {"title", "due", "assignee_id"},
    # {"stage_id"}, {}.
    params = models.JSONField(default=dict, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        db_index=False,  # never looked up by
    )
    # Said on the summary: "all 1,200 records matching ..." or "7 selected records".
    selection = models.CharField(max_length=300, blank=True)
    total = models.PositiveIntegerField(default=0)
    # Ticked records that no longer existed when the action was asked for (deleted or merged
    # away meanwhile): not acted on, and said so on the summary instead of failing the request.
    skipped = models.PositiveIntegerField(default=0)
    in_background = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=BulkStatus.choices, default=BulkStatus.RUNNING)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["workspace", "-created_at"], name="bulk_ws_created")]

    def __str__(self):
        return f"{self.get_kind_display()} ({self.total} records)"


class ItemOutcome(models.TextChoices):
    PENDING = "pending", "Waiting"
    DONE = "done", "Done"
    UNCHANGED = "unchanged", "Nothing to change"
    REFUSED = "refused", "Refused"


class BulkItem(TenantModel):
    workspace = models.ForeignKey(
        "playbook.Workspace", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    # Led by bulk_item_unique (bulk, record); a single-column index would only cost inserts.
    bulk = models.ForeignKey(
        BulkAction, on_delete=models.CASCADE, related_name="items", db_index=False
    )
    record = models.ForeignKey(
        "records.Record",
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,  # looked up through bulk_item_unique
    )
    outcome = models.CharField(
        max_length=10, choices=ItemOutcome.choices, default=ItemOutcome.PENDING
    )
    reason = models.TextField(blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            # A record is in a bulk action once, so it is acted on once.
            models.UniqueConstraint(fields=["bulk", "record"], name="bulk_item_unique"),
        ]
        indexes = [
            # The runner's next chunk of pending items, the progress count, the summary's lists.
            models.Index(fields=["workspace", "bulk", "outcome", "id"], name="bulk_item_outcome"),
        ]

    def __str__(self):
        return f"{self.record_id}: {self.outcome}"
