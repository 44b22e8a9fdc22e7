"""Stages, their entry rules, the append-only stage history and the lost reasons.

The stages are the agreement between marketing, sales and customer success; admins edit them
(and their rules) in the app, so nothing here is hard-coded per stage.
"""

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower

from playbook.models import Team, TenantModel
from records.conditions.kinds import ConditionKind


class StageDefinition(TenantModel):
    key = models.SlugField(max_length=40)
    name = models.CharField(max_length=60)
    position = models.PositiveIntegerField()
    team = models.CharField("owning team", max_length=20, choices=Team.choices)
    # The team that receives records entering the stage, when it is not the owning team: MQL is
    # marketing's KPI (owned by Marketing) but is handed to Inside Sales to qualify.
    handoff_team = models.CharField(
        "handed to", max_length=20, choices=Team.choices, blank=True, default=""
    )
    definition = models.TextField(blank=True)
    probability = models.PositiveSmallIntegerField(
        default=0, help_text="Percent, for the weighted forecast."
    )
    sla_days = models.PositiveIntegerField(
        null=True, blank=True, help_text="Days a record may stay in this stage."
    )
    is_won = models.BooleanField(default=False)
    is_closed = models.BooleanField(default=False)
    is_retired = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "key"], name="stage_unique_key"),
            # Two active stages never share a name, however it is typed (a retired stage's
            # name may be reused; restoring it checks).
            models.UniqueConstraint(
                F("workspace"),
                Lower("name"),
                condition=Q(is_retired=False),
                name="stage_unique_active_name",
            ),
        ]
        indexes = [models.Index(fields=["workspace", "position"], name="stage_ws_position")]
        ordering = ["position", "id"]

    def __str__(self):
        return self.name

    @property
    def receiving_team(self) -> str:
        """The team whose members work records in this stage (and receive its handoffs)."""
        return self.handoff_team or self.team

    def get_receiving_team_display(self) -> str:
        return Team(self.receiving_team).label


# Stage rules are written in the shared condition language (records.conditions).
RuleKind = ConditionKind


class QualificationRule(TenantModel):
    """One entry rule of a stage. `params` is typed by `kind` (validated by the rules service)."""

    stage = models.ForeignKey(StageDefinition, on_delete=models.CASCADE, related_name="rules")
    kind = models.CharField(max_length=30, choices=RuleKind.choices)
    params = models.JSONField(default=dict, blank=True)
    message = models.CharField(
        max_length=200, help_text="What a rep reads when this rule is unmet."
    )
    position = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [
            models.Index(fields=["workspace", "stage", "position"], name="rule_ws_stage_pos"),
        ]
        ordering = ["position", "id"]

    def __str__(self):
        return self.message


class TransitionKind(models.TextChoices):
    CREATED = "created", "Created"
    FORWARD = "forward", "Moved forward"
    BACK = "back", "Moved back"
    LOST = "lost", "Marked lost"
    NURTURE = "nurture", "Recycled to nurture"
    REOPENED = "reopened", "Reopened"


class AppendOnlyError(Exception):
    pass


class StageTransition(TenantModel):
    """One move of a Record between stages. Append-only: history is never rewritten."""

    record = models.ForeignKey(
        "records.Record", on_delete=models.CASCADE, related_name="transitions"
    )
    kind = models.CharField(max_length=10, choices=TransitionKind.choices)
    from_stage = models.ForeignKey(
        StageDefinition, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    to_stage = models.ForeignKey(StageDefinition, on_delete=models.PROTECT, related_name="+")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    from_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    to_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    at = models.DateTimeField()
    note = models.TextField(blank=True)
    seconds_in_previous = models.PositiveBigIntegerField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["workspace", "record", "-at"], name="transition_ws_record"),
            models.Index(fields=["workspace", "to_stage", "at"], name="transition_ws_to_at"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(from_stage=models.F("to_stage"))
                | Q(kind__in=["lost", "nurture", "reopened"]),
                name="transition_moves_somewhere",
            ),
        ]

    def __str__(self):
        return f"{self.record_id}: {self.from_stage_id} -> {self.to_stage_id}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AppendOnlyError("Stage history is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Stage history is append-only.")


class LostReason(TenantModel):
    label = models.CharField(max_length=200)
    position = models.PositiveIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    class Meta:
        indexes = [models.Index(fields=["workspace", "position"], name="lostreason_ws_pos")]
        constraints = [
            models.UniqueConstraint(F("workspace"), Lower("label"), name="lostreason_unique_label"),
        ]
        ordering = ["position", "id"]

    def __str__(self):
        return self.label


class IcpCalibration(TenantModel):
    """The ICP calibration figures of a workspace, for one profile version and one full rescore.

    Computing them reads every live record and stage transition (about 20 s at 1M records), so
    the page never does: a background job writes this row after every full rescore, and the page
    reads it (docs/icp.md, "Calibration"). One row per workspace: figures of an older profile
    version judge criteria that no longer exist, so they are replaced, not kept."""

    profile_version = models.PositiveIntegerField()
    # The profile's last_full_recompute_at when the figures were computed: the scores they read.
    scored_at = models.DateTimeField(null=True, blank=True)
    computed_at = models.DateTimeField()
    figures = models.JSONField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace"], name="icpcalibration_one_per_workspace"),
        ]


class StageTotal(TenantModel):
    """The board's column totals, kept by the database: per (workspace, stage, owner, UTC day the
    records entered the stage), how many open live records sit in the stage and their expected
    ARR. The day lets "past the SLA" be summed too (every day before the cutoff's, plus the
    cutoff day's few records counted exactly). Written only by the triggers of migration 0012
    (on every INSERT, UPDATE and DELETE of records_record, whatever issued it: services, bulk
    updates, imports, raw SQL), never by Python (docs/adr/0206)."""

    # No foreign key constraints: the triggers write here while records and workspaces are
    # being deleted, in whatever order a cascade deletes them; rows that fall to zero are removed.
    workspace = models.ForeignKey(
        "playbook.Workspace",
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    stage = models.ForeignKey(
        StageDefinition,
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    # records_record.owner_id, 0 for records without an owner (so the key has no NULL).
    owner_key = models.BigIntegerField()
    # The UTC date of stage_entered_at; UNDATED for records without one (never past the SLA).
    entered_on = models.DateField()
    n = models.BigIntegerField(default=0)
    arr = models.DecimalField(max_digits=20, decimal_places=2, default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "stage", "owner_key", "entered_on"], name="stage_total_key"
            ),
        ]

    def __str__(self):
        return f"{self.stage_id}/{self.owner_key}/{self.entered_on}: {self.n}"


# StageTotal.entered_on of records that never got a stage_entered_at.
UNDATED = date(9999, 12, 31)
