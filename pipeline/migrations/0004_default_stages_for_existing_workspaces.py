"""Workspaces created before the pipeline existed get the default stages, rules and lost
reasons, and their unstaged records enter the first stage (dated at their creation) with a
"created" transition, as record_place_in_first_stage would have done."""

from django.db import migrations
from django.db.models import F

from pipeline import defaults

CHUNK = 2000


def forwards(apps, schema_editor):
    Workspace = apps.get_model("playbook", "Workspace")
    StageDefinition = apps.get_model("pipeline", "StageDefinition")
    QualificationRule = apps.get_model("pipeline", "QualificationRule")
    LostReason = apps.get_model("pipeline", "LostReason")
    StageTransition = apps.get_model("pipeline", "StageTransition")
    Record = apps.get_model("records", "Record")
    for workspace in Workspace.objects.all():
        defaults.install(
            workspace,
            stage_model=StageDefinition,
            rule_model=QualificationRule,
            lost_reason_model=LostReason,
        )
        first = (
            StageDefinition.objects.filter(workspace=workspace, is_retired=False)
            .order_by("position", "id")
            .first()
        )
        unstaged = Record.objects.filter(workspace=workspace, stage__isnull=True).order_by("pk")
        last_pk = 0
        while first is not None:
            rows = list(
                unstaged.filter(pk__gt=last_pk).values_list("pk", "owner_id", "created_at")[:CHUNK]
            )
            if not rows:
                break
            last_pk = rows[-1][0]
            StageTransition.objects.bulk_create(
                StageTransition(
                    workspace=workspace,
                    record_id=pk,
                    kind="created",
                    to_stage=first,
                    to_owner_id=owner_id,
                    at=created_at,
                )
                for pk, owner_id, created_at in rows
            )
            Record.objects.filter(pk__in=[row[0] for row in rows]).update(
                stage=first, stage_entered_at=F("created_at")
            )


class Migration(migrations.Migration):
    dependencies = [
        ("pipeline", "0003_stage_handoff_team"),
        ("records", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
