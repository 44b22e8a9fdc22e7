"""The board's "entered" index also carries each open record's forecast category and expected
ARR, so the forecast roll-ups (the leader's and the AE's "Forecast by category", pipeline by
stage) are an index-only scan of the deal stages instead of a heap fetch per deal: at 100k
records 9,209 deals took 34 ms through the heap and 2.7 ms from the index alone
(docs/PERFORMANCE.md, "Panels that read every deal, task or customer").

Built through the schema editor like 0012 (the index belongs to records_record, whose Meta is
the records app's)."""

from django.db import migrations, models
from django.db.models import F, Q

BOARD_OPEN = Q(status="open", deleted_at__isnull=True)
NAME = "pipeline_board_entered"


def _index(include):
    return models.Index(
        F("workspace"),
        F("stage"),
        F("stage_entered_at"),
        name=NAME,
        condition=BOARD_OPEN,
        include=include,
    )


BEFORE = _index(["owner"])
AFTER = _index(["owner", "forecast_category", "expected_arr"])


def forward(apps, schema_editor):
    record = apps.get_model("records", "Record")
    schema_editor.remove_index(record, BEFORE)
    schema_editor.add_index(record, AFTER)


def backward(apps, schema_editor):
    record = apps.get_model("records", "Record")
    schema_editor.remove_index(record, AFTER)
    schema_editor.add_index(record, BEFORE)


class Migration(migrations.Migration):
    dependencies = [("pipeline", "0012_stage_totals")]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
