"""A records CSV import (the wizard's state, its outcome and what undo needs), the mapping a
workspace chose for each column name, remembered for the next file, and the public web forms
that create leads with their submissions."""

from django.conf import settings
from django.db import models
from django.db.models import F
from django.db.models.functions import Lower
from django.utils import timezone

from playbook.models import TenantModel, TenantQuerySet
from records.models import Source


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


# --- web forms (docs/data-in-out.md, ADR 0017) -------------------------------------------------


class WebFormOwnerRule(models.TextChoices):
    ROUND_ROBIN = "round_robin", "Round-robin among the Lead stage's team"
    MEMBER = "member", "One member (chosen below)"
    NOBODY = "nobody", "Nobody"


class WebFormActivity(models.TextChoices):
    """What a submission logs on the record's timeline: the activity kinds a form can stand
    for. Not "demo" (stage rules read a done demo as one held) nor "task" (it needs a due date
    and an assignee)."""

    WEBINAR = "webinar", "Webinar"
    CONTENT = "content", "Content"
    EVENT = "event", "Event"
    NOTE = "note", "Note"


class WebFormQuerySet(TenantQuerySet):
    entry_points = (*TenantQuerySet.entry_points, "by_key")

    def by_key(self, key: str):
        """The form a public URL names, whatever its workspace: the only lookup of a tenant row
        by something else than its workspace (ADR 0017). The row-level policy lets it through
        only with `tenancy.webform_scope(key)` active."""
        return self.filter(key=key)


class WebForm(TenantModel):
    """A lead-capture form published at /f/<key>/. `fields` lists what it asks, in order:
    [{"name": <dataio.webform_fields name>, "required": bool}, ...]; e-mail is always there."""

    name = models.CharField(max_length=120)
    # secrets.token_urlsafe: not a credential (it is in the company's web page for anyone to
    # read), an address nobody can guess; it names the form and nothing else.
    key = models.CharField(max_length=64, unique=True)
    fields = models.JSONField(default=list)
    source = models.CharField(max_length=20, choices=Source.choices)
    activity_kind = models.CharField(max_length=10, choices=WebFormActivity.choices)
    owner_rule = models.CharField(
        max_length=12, choices=WebFormOwnerRule.choices, default=WebFormOwnerRule.ROUND_ROBIN
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    thank_you = models.TextField(blank=True)
    redirect_url = models.CharField(max_length=500, blank=True)
    is_active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = models.Manager.from_queryset(WebFormQuerySet)()

    class Meta:
        constraints = [
            # Also the index the settings list reads (a workspace has a handful of forms).
            models.UniqueConstraint(F("workspace"), Lower("name"), name="webform_unique_name"),
        ]

    def __str__(self):
        return self.name

    @property
    def field_names(self) -> list[str]:
        return [f["name"] for f in self.fields]


class WebFormSubmission(TenantModel):
    """One accepted submission: the values as saved, the record it created or updated and the
    contact it matched or added. Refused posts (honeypot, limits, bad input) leave no row."""

    form = models.ForeignKey(
        WebForm, on_delete=models.CASCADE, related_name="submissions", db_index=False
    )
    record = models.ForeignKey(
        "records.Record", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    contact = models.ForeignKey(
        "records.Contact", on_delete=models.SET_NULL, null=True, related_name="+", db_index=False
    )
    created_record = models.BooleanField(default=False)
    data = models.JSONField(default=dict)
    submitted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            # The form's page: submissions per day, and one day's list newest first.
            models.Index(
                fields=["workspace", "form", "-submitted_at", "-id"], name="webformsub_ws_form_at"
            ),
        ]
