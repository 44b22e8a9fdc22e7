"""The board's index on records_record: per workspace and stage, the open live records in the
board's order (best ICP first, then id), covering what the column totals read.

Database-only (RunPython through the schema editor): Record's Meta belongs to the records app,
so the index is created here, next to the pages that need it (docs/adr/0204).
"""

from django.db import migrations, models
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce

BOARD_INDEX = models.Index(
    F("workspace"),
    F("stage"),
    Coalesce("icp_score", Value(-1), output_field=models.IntegerField()).desc(),
    F("id"),
    name="pipeline_board_open",
    condition=Q(status="open", deleted_at__isnull=True),
    # PostgreSQL only (other databases ignore it): the totals read these without the table.
    include=["stage_entered_at", "expected_arr", "owner"],
)


def add_index(apps, schema_editor):
    schema_editor.add_index(apps.get_model("records", "Record"), BOARD_INDEX)


def remove_index(apps, schema_editor):
    schema_editor.remove_index(apps.get_model("records", "Record"), BOARD_INDEX)


class Migration(migrations.Migration):
    dependencies = [
        ("pipeline", "0004_default_stages_for_existing_workspaces"),
        ("records", "0004_activity_kind_done_statistics"),
    ]

    operations = [migrations.RunPython(add_index, remove_index)]
