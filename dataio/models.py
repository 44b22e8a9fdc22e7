"""A records CSV import (the wizard's state, its outcome and what undo needs) and the mapping
a workspace chose for each column name, remembered for the next file."""

from django.conf import settings
from django.db import models

from playbook.models import TenantModel


class ImportStatus(models.TextChoices):
    DRAFT = "draft", "Choosing columns"
    PREVIEWING = "previewing", "Checking the file"
    PREVIEWED = "previewed", "Ready to import"
    PENDING = "pending", "Waiting for a worker"
    RUNNING = "running", "Importing"
    DONE = "done", "Imported"
    FAILED = "failed", "Failed"
    UNDONE = "undone", "Undone"


class DuplicatePolicy(models.TextChoices):
    SKIP = "skip", "Skip it (change nothing)"
    UPDATE_EMPTY = "update_empty", "Fill in its empty fields"
    OVERWRITE = "overwrite", "Overwrite its fields with the file's values"


class OwnerRule(models.TextChoices):
    ME = "me", "Me"
    ROUND_ROBIN = "round_robin", "Round-robin among the stage's team"
    COLUMN = "column", "The owner column (a member's e-mail), else me"
    NOBODY = "nobody", "Nobody"


class RecordImport(TenantModel):
    """One uploaded file from upload to result (and undo). `mapping` is one target per column
    (dataio.mapping.TARGETS keys, "" to ignore); `refused` lists [row number, reason]."""

    file_name = models.CharField(max_length=200)
    content = models.TextField()
    header = models.JSONField(default=list)
    separator = models.CharField(max_length=1, default=",")
    mapping = models.JSONField(default=list, blank=True)
    stage = models.ForeignKey(
        "pipeline.StageDefinition",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    owner_rule = models.CharField(max_length=12, choices=OwnerRule.choices, default="me")
    duplicates = models.CharField(
        max_length=12, choices=DuplicatePolicy.choices, default=DuplicatePolicy.SKIP
    )
    status = models.CharField(max_length=10, choices=ImportStatus.choices, default="draft")
    total_rows = models.PositiveIntegerField(default=0)
    done_rows = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    skipped_count = models.PositiveIntegerField(default=0)
    refused = models.JSONField(default=list, blank=True)
    preview = models.JSONField(default=list, blank=True)
    error = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    undone_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["workspace", "-created_at"], name="recimport_ws_created")]

    def __str__(self):
        return self.file_name

    @property
    def refused_count(self) -> int:
        return len(self.refused)


class ImportedRecord(TenantModel):
    """What one import did to one record, for undo: created it, or changed `before` into
    `after` (record fields and custom fields by name), and which contacts it added or changed."""

    record_import = models.ForeignKey(
        RecordImport, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    record = models.ForeignKey(
        "records.Record", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    created = models.BooleanField(default=False)
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)
    contacts_added = models.JSONField(default=list, blank=True)
    contacts_before = models.JSONField(default=dict, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["workspace", "record_import"], name="imported_ws_import"),
        ]


class ImportColumnMemory(TenantModel):
    """The target a workspace last chose for a column name (normalised), guessed first next
    time."""

    column = models.CharField(max_length=200)
    target = models.CharField(max_length=80, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "column"], name="import_memory_unique")
        ]
