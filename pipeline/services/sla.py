"""SLA reminders: one task per record that stayed in a stage longer than the stage allows."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from pipeline.models import StageDefinition
from records.models import Activity, ActivityKind, Record, RecordStatus

CHUNK = 1000


def sla_dedupe_key(record_id: int, stage_id: int, entered_at) -> str:
    """One reminder per stay: a record that leaves the stage and comes back gets a new one."""
    return f"sla:{record_id}:{stage_id}:{entered_at.isoformat()}"


def sla_reminders_create(*, workspace_id: int, now=None) -> int:
    """Create a reminder task for every open record past its stage's SLA that has none yet.
    Idempotent: the dedupe key (unique per workspace) makes a second run, or a run after a
    crash half-way, create nothing twice. Returns how many tasks were created."""
    now = now or timezone.now()
    created = 0
    stages = StageDefinition.objects.of(workspace_id).filter(
        is_retired=False, sla_days__isnull=False
    )
    for stage in stages:
        breached = (
            Record.objects.of(workspace_id)
            .live()
            .filter(
                stage=stage,
                status=RecordStatus.OPEN,
                stage_entered_at__lt=now - timedelta(days=stage.sla_days),
            )
            .order_by("pk")
        )
        last_pk = 0
        while True:
            rows = list(
                breached.filter(pk__gt=last_pk).values_list(
                    "pk", "name", "owner_id", "stage_entered_at"
                )[:CHUNK]
            )
            if not rows:
                break
            last_pk = rows[-1][0]
            created += _create_reminders(workspace_id, stage, rows, now)
    return created


@transaction.atomic
def _create_reminders(workspace_id, stage, rows, now) -> int:
    tasks = {}
    for pk, name, owner_id, entered_at in rows:
        days = (now - entered_at).days
        key = sla_dedupe_key(pk, stage.pk, entered_at)
        tasks[key] = Activity(
            workspace_id=workspace_id,
            record_id=pk,
            kind=ActivityKind.TASK,
            subject=f"Over SLA: {name[:120]} has been in {stage.name} for {days} days",
            body=(
                f"{stage.name} allows {stage.sla_days} days. Move the record on, back or to "
                "nurture, or mark it lost."
            ),
            occurred_at=now,
            due_at=now,
            assignee_id=owner_id,
            dedupe_key=key,
        )
    existing = set(
        Activity.objects.of(workspace_id)
        .filter(dedupe_key__in=list(tasks))
        .values_list("dedupe_key", flat=True)
    )
    new = [task for key, task in tasks.items() if key not in existing]
    Activity.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)
