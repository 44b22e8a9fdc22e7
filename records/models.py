"""The one customer Record, its contacts, its timeline and the workspace's custom fields.

A Record is never converted or copied as it moves through the pipeline: it is curated. Stage
lives here as a nullable FK that the pipeline app fills.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from simple_history.manager import HistoricalQuerySet
from simple_history.models import HistoricalRecords

from playbook.models import TenantModel, TenantQuerySet


class Source(models.TextChoices):
    WEBINAR = "webinar", "Webinar"
    CONTENT_DOWNLOAD = "content_download", "Content download"
    EVENT = "event", "Event"
    DEMO_REQUEST = "demo_request", "Demo request"
    OUTBOUND = "outbound", "Outbound"
    REFERRAL = "referral", "Referral"
    PARTNER = "partner", "Partner"
    OTHER = "other", "Other"


class RevenueBand(models.TextChoices):
    UNDER_1M = "lt_1m", "Under $1M"
    M1_10 = "1m_10m", "$1M–10M"
    M10_50 = "10m_50m", "$10M–50M"
    M50_250 = "50m_250m", "$50M–250M"
    OVER_250M = "gt_250m", "Over $250M"


class ForecastCategory(models.TextChoices):
    """The deal owner's call on an open deal, for the forecast roll-ups (docs/pipeline.md)."""

    PIPELINE = "pipeline", "Pipeline"
    BEST_CASE = "best_case", "Best case"
    COMMIT = "commit", "Commit"


class RecordStatus(models.TextChoices):
    OPEN = "open", "Open"
    LOST = "lost", "Lost"
    NURTURE = "nurture", "Nurture"


# A record that is not soft-deleted; every list and index of live records uses this.
LIVE = Q(deleted_at__isnull=True)
# The list's ICP order: unscored records count as -1, so they come last when the best ICP comes
# first. Index record_ws_icp is on this same expression, so the planner can walk it.
ICP_SORT = Coalesce("icp_score", Value(-1), output_field=models.IntegerField())


class RecordQuerySet(TenantQuerySet):
    def live(self):
        """Records not soft-deleted: what every list, board and queue shows."""
        return self.filter(LIVE)

    def deleted(self):
        """Soft-deleted records: the admins' restore page."""
        return self.filter(deleted_at__isnull=False)


class HistoricalRecordQuerySet(TenantQuerySet, HistoricalQuerySet):
    """`Record.history.of(workspace)`: the field history is a tenant table too."""


class Record(TenantModel):
    # Every index below leads with workspace; a single-column one would only cost writes.
    workspace = models.ForeignKey(
        "playbook.Workspace", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    name = models.CharField("company name", max_length=200)
    domain = models.CharField(max_length=253, blank=True)
    industry = models.CharField(max_length=100, blank=True)
    employee_count = models.PositiveIntegerField(null=True, blank=True)
    country = models.CharField(max_length=100, blank=True)
    revenue_band = models.CharField(max_length=12, choices=RevenueBand.choices, blank=True)
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.OTHER)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        # Every lookup by owner leads with workspace (record_ws_owner, record_ws_owner_close,
        # pipeline_board_owner); deleting a user (rare) may scan.
        db_index=False,
    )

    # Qualification flags: the facts reps confirm, which stage rules can require.
    problem_acknowledged = models.BooleanField(default=False)
    buying_intent = models.BooleanField(default=False)
    details_verified = models.BooleanField(default=False)
    decision_maker_identified = models.BooleanField(default=False)
    contract_signed = models.BooleanField(default=False)

    expected_arr = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    expected_close_date = models.DateField(null=True, blank=True)
    # The owner's call on the deal (pipeline, best case, commit). Written only by
    # pipeline.services.forecast (the owner, leaders and admins); kept in the field history.
    # db_default: adding the column to a large table writes no row.
    forecast_category = models.CharField(
        max_length=10,
        choices=ForecastCategory.choices,
        default=ForecastCategory.PIPELINE,
        db_default=ForecastCategory.PIPELINE,
    )

    status = models.CharField(
        max_length=10, choices=RecordStatus.choices, default=RecordStatus.OPEN
    )
    lost_reason = models.CharField(max_length=200, blank=True)

    # Filled and moved only by pipeline.services; history is pipeline.StageTransition.
    stage = models.ForeignKey(
        "pipeline.StageDefinition",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="records",
        # record_ws_stage (workspace, stage) serves every lookup by stage; deleting a stage
        # (rare; stages are retired) may scan.
        db_index=False,
    )
    stage_entered_at = models.DateTimeField(null=True, blank=True)

    # Written only by records.services.icp (set-based SQL that skips field history); scored_at
    # moves only when the score does.
    icp_score = models.PositiveSmallIntegerField(null=True, blank=True)
    icp_scored_at = models.DateTimeField(null=True, blank=True)
    # When the latest activity on the timeline was done (max done_at of done activities), kept
    # by the activity services: health scores and stale-deal lists read it without the timeline.
    last_activity_at = models.DateTimeField(null=True, blank=True)

    custom_fields = models.JSONField(default=dict, blank=True)

    # Optimistic concurrency: a save carries the version it read; a stale one is refused.
    version = models.PositiveIntegerField(default=1)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,  # never looked up by; deleting a user (rare) may scan
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=False)
    updated_at = models.DateTimeField(auto_now=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,  # never looked up by; deleting a user (rare) may scan
    )
    # Set when this record was merged into another (records.services.merge, ADR 0113): it is
    # soft-deleted, its page points there, and the survivor's timeline reads its history.
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,  # record_ws_merged_into
    )

    # `version` is kept in history so a refused stale save can say what changed since the
    # version the editor read (records.services.records.record_update).
    history = HistoricalRecords(
        excluded_fields=["updated_at", "icp_scored_at", "stage_entered_at", "last_activity_at"],
        historical_queryset=HistoricalRecordQuerySet,
    )

    objects = models.Manager.from_queryset(RecordQuerySet)()

    class Meta:
        # The list shows live records only, so its indexes are partial (deleted rows never
        # cost a list query) and end with `id`, the keyset tie-breaker. Each sortable column
        # of records.selectors.SORTS has one; the owner index serves "my records" in the
        # default order. Low-cardinality filters (source, status, industry, country) ride on
        # the sort index: the planner walks it and filters until a page is full.
        indexes = [
            models.Index(
                fields=["workspace", "-updated_at", "-id"], name="record_ws_updated", condition=LIVE
            ),
            models.Index(fields=["workspace", "name", "id"], name="record_ws_name", condition=LIVE),
            models.Index(
                fields=["workspace", "created_at", "id"], name="record_ws_created", condition=LIVE
            ),
            models.Index(F("workspace"), ICP_SORT, F("id"), name="record_ws_icp", condition=LIVE),
            # An owner's records; the last activity rides along so "engagement due" over a CSM's
            # whole book (customers.selectors) filters in the index, not in every record's row.
            models.Index(
                fields=["workspace", "owner", "-updated_at", "-id"],
                name="record_ws_owner",
                condition=LIVE,
                include=["last_activity_at"],
            ),
            # Stage reports and counts. Not ordered by ICP score: the board walks its own index
            # (pipeline_board_open), and every index that carries the score must take a new key
            # each time the score changes (docs/adr/0110).
            models.Index(fields=["workspace", "stage"], name="record_ws_stage"),
            # My pipeline: an owner's open deals by close date (the keyset order; its totals
            # come from pipeline_stagetotal).
            models.Index(
                fields=["workspace", "owner", "expected_close_date", "id"],
                name="record_ws_owner_close",
                condition=Q(status="open", deleted_at__isnull=True),
            ),
            # Matching by domain (records.matching): a web-form submission looks up one domain
            # per post, which without this read every live record of the workspace.
            models.Index(fields=["workspace", "domain"], name="record_ws_domain", condition=LIVE),
            models.Index(fields=["workspace", "source"], name="record_ws_source"),
            models.Index(fields=["workspace", "status"], name="record_ws_status"),
            # "No activity since ...": stale deals, customers gone quiet.
            models.Index(
                fields=["workspace", "last_activity_at", "id"],
                name="record_ws_last_activity",
                condition=LIVE,
            ),
            # A survivor's timeline finds the records merged into it: a few rows at most.
            models.Index(
                fields=["workspace", "merged_into"],
                name="record_ws_merged_into",
                condition=Q(merged_into__isnull=False),
            ),
            # The admins' "Deleted records" page: a small index over the deleted rows only.
            models.Index(
                fields=["workspace", "-deleted_at", "-id"],
                name="record_ws_deleted",
                condition=Q(deleted_at__isnull=False),
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def is_deleted(self):
        return self.deleted_at is not None


class Seniority(models.TextChoices):
    C_LEVEL = "c_level", "C-level"
    VP = "vp", "VP"
    DIRECTOR = "director", "Director"
    MANAGER = "manager", "Manager"
    INDIVIDUAL = "individual", "Individual contributor"
    OTHER = "other", "Other"


class Contact(TenantModel):
    # Both indexes below lead with workspace; a single-column one would only cost inserts.
    workspace = models.ForeignKey(
        "playbook.Workspace", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    record = models.ForeignKey(Record, on_delete=models.CASCADE, related_name="contacts")
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100, blank=True)
    email = models.CharField(max_length=254, blank=True)
    email_valid = models.BooleanField(default=False)
    # As typed, so a rep can see and fix what was entered; `phone` is E.164 when parseable.
    phone_raw = models.CharField(max_length=50, blank=True)
    phone = models.CharField(max_length=20, blank=True)
    phone_valid = models.BooleanField(default=False)
    job_title = models.CharField(max_length=150, blank=True)
    seniority = models.CharField(max_length=12, choices=Seniority.choices, blank=True)
    is_primary = models.BooleanField(default=False)
    # The person asked not to be contacted: no e-mail or call links, left out of every "send"
    # and outreach list (records.selectors.contacts_for_outreach); docs/records.md says where.
    do_not_contact = models.BooleanField(default=False, db_default=False)
    # Set when an admin erased the person's data on request (records.services.contact_erase):
    # the row stays so the record keeps its shape; name, e-mail, phone and job title are gone.
    erased_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["record"], condition=Q(is_primary=True), name="contact_one_primary"
            ),
        ]
        indexes = [
            models.Index(fields=["workspace", "record"], name="contact_ws_record"),
            models.Index(fields=["workspace", "email"], name="contact_ws_email"),
            # The workspace's contacts list, by last then first name (keyset on all three).
            models.Index(
                fields=["workspace", "last_name", "first_name", "id"], name="contact_ws_last_first"
            ),
        ]

    def __str__(self):
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def full_name(self):
        return str(self)

    @property
    def is_erased(self) -> bool:
        return self.erased_at is not None

    @property
    def may_be_contacted(self) -> bool:
        return not self.do_not_contact and self.erased_at is None


class ActivityKind(models.TextChoices):
    EMAIL = "email", "E-mail"
    CALL = "call", "Call"
    MEETING = "meeting", "Meeting"
    DEMO = "demo", "Demo"
    NOTE = "note", "Note"
    TASK = "task", "Task"
    WEBINAR = "webinar", "Webinar"
    EVENT = "event", "Event"
    CONTENT = "content", "Content"
    SUPPORT = "support", "Support"
    TRAINING = "training", "Training"
    QBR = "qbr", "QBR"


class Activity(TenantModel):
    """One entry on a Record's timeline: sales activities and CS engagements alike."""

    # The largest table (~10 per record): no single-column index on workspace, every index
    # below leads with it already, and each extra index is paid on every insert.
    workspace = models.ForeignKey(
        "playbook.Workspace", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    record = models.ForeignKey(Record, on_delete=models.CASCADE, related_name="activities")
    kind = models.CharField(max_length=10, choices=ActivityKind.choices)
    subject = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    occurred_at = models.DateTimeField()
    due_at = models.DateTimeField(null=True, blank=True)
    done = models.BooleanField(default=False)
    done_at = models.DateTimeField(null=True, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # Jobs that create tasks (handoffs, SLA reminders, renewal alerts) set a key so that
    # running them twice creates nothing new.
    dedupe_key = models.CharField(max_length=120, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "dedupe_key"],
                condition=Q(dedupe_key__isnull=False),
                name="activity_unique_dedupe_key",
            ),
        ]
        indexes = [
            # The timeline, and any per-record question (e.g. "a demo done?" for stage rules).
            models.Index(
                fields=["workspace", "record", "-occurred_at", "-id"], name="activity_ws_timeline"
            ),
            # "My tasks" and "has an overdue task": open tasks only, in due order. The record
            # rides along so a member's task counts are an index-only scan anti-joined to the
            # few deleted records (records.selectors.tasks.open_tasks).
            models.Index(
                fields=["workspace", "assignee", "due_at", "id"],
                name="activity_ws_tasks",
                condition=Q(kind="task", done=False),
                include=["record"],
            ),
            models.Index(
                fields=["workspace", "record", "due_at"],
                name="activity_ws_open_tasks",
                condition=Q(kind="task", done=False),
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.subject}"

    @property
    def is_task(self):
        return self.kind == ActivityKind.TASK

    @property
    def is_overdue(self):
        return (
            self.is_task
            and not self.done
            and self.due_at is not None
            and self.due_at < timezone.now()
        )


class CustomFieldKind(models.TextChoices):
    TEXT = "text", "Text"
    NUMBER = "number", "Number"
    DATE = "date", "Date"
    CHOICE = "choice", "Choice"
    BOOLEAN = "boolean", "Yes/no"


class CustomFieldDefinition(TenantModel):
    """A per-workspace field on Records; values live in Record.custom_fields[key]."""

    key = models.SlugField(max_length=50)
    label = models.CharField(max_length=100)
    kind = models.CharField(max_length=10, choices=CustomFieldKind.choices)
    choices = models.JSONField(default=list, blank=True)
    position = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "key"], name="customfield_unique_key"),
        ]
        indexes = [models.Index(fields=["workspace", "position"], name="customfield_ws_pos")]
        ordering = ["position", "id"]

    def __str__(self):
        return self.label


class IcpProfile(TenantModel):
    """The workspace's ideal customer profile: weighted criteria in the condition language
    (records.conditions), the fit score's definition. One per workspace.

    `criteria` is a list of {"kind", "params", "weight"}; the whole list is validated and saved
    at once (records.services.icp), so a refused edit leaves the profile as it was. The recompute
    fields say how the latest full recompute went, for the settings page's progress bar.
    """

    criteria = models.JSONField(default=list, blank=True)
    # Bumped by every saved change: a recompute that started on an older version runs again.
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,  # never looked up by
    )
    recompute_started_at = models.DateTimeField(null=True, blank=True)
    recompute_finished_at = models.DateTimeField(null=True, blank=True)
    recompute_total = models.PositiveIntegerField(default=0)
    recompute_done = models.PositiveIntegerField(default=0)
    recompute_changed = models.PositiveIntegerField(default=0)
    last_full_recompute_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace"], name="icpprofile_one_per_workspace"),
        ]

    def __str__(self):
        return f"ICP profile of {self.workspace_id}"

    @property
    def is_recomputing(self) -> bool:
        return self.recompute_started_at is not None and self.recompute_finished_at is None

    @property
    def progress_percent(self) -> int:
        if not self.recompute_total:
            return 0 if self.is_recomputing else 100
        return min(100, self.recompute_done * 100 // self.recompute_total)


# Contact changes on the timeline, and saved views, role defaults and column choices, live in
# modules of their own (this one is long).
from records.contact_change_models import ContactChange, ContactChangeKind  # noqa: E402, F401
from records.list_models import ColumnChoice, RoleDefaultView, SavedView  # noqa: E402, F401
