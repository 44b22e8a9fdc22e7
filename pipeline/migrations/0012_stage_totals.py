"""The board's column totals as a table kept by the database (docs/adr/0206).

`pipeline_stagetotal` holds, per (workspace, stage, owner, UTC day of entering the stage), the
count and expected ARR of the open live records in the stage. Triggers on records_record keep it exact under every write,
whatever issues it (services, QuerySet.update, bulk_create, imports, raw SQL, cascades):

- PostgreSQL: statement-level triggers with transition tables, so a bulk statement costs one
  grouped upsert, not one per row; the upserts run in key order (no deadlock between two moves
  in opposite directions); rows that fall to zero are removed.
- SQLite (development): row-level triggers doing the same per row.

The migration also builds the two board indexes on records_record that the totals and the team
filter read (created through the schema editor, like 0005: Record's Meta belongs to records).
"""

from django.db import migrations, models
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce

from playbook.rls import TenantRowLevelSecurity

TABLE = "pipeline_stagetotal"
IN_SCOPE = "{t}.status = 'open' AND {t}.deleted_at IS NULL AND {t}.stage_id IS NOT NULL"
KEY = "workspace_id, stage_id, owner_key, entered_on"
UNDATED = "9999-12-31"  # pipeline.models.UNDATED


PG_DAY = f"COALESCE((stage_entered_at AT TIME ZONE 'UTC')::date, DATE '{UNDATED}')"
SQLITE_DAY = f"COALESCE(date(stage_entered_at), '{UNDATED}')"


def _rows(source: str, sign: str, day: str = PG_DAY) -> str:
    return (
        "SELECT workspace_id, stage_id, COALESCE(owner_id, 0) AS owner_key, "
        f"{day} AS entered_on, "
        f"{sign}1 AS n, {sign}COALESCE(expected_arr, 0) AS arr "
        f"FROM {source} r WHERE {IN_SCOPE.format(t='r')}"
    )


def _apply(delta: str) -> str:
    """Add the statement's grouped deltas (in key order), then drop the rows left at zero."""
    return f"""
        INSERT INTO {TABLE} AS t ({KEY}, n, arr)
        SELECT {KEY}, sum(n), sum(arr) FROM ({delta}) d
        GROUP BY {KEY} HAVING sum(n) <> 0 OR sum(arr) <> 0 ORDER BY {KEY}
        ON CONFLICT ({KEY}) DO UPDATE SET n = t.n + EXCLUDED.n, arr = t.arr + EXCLUDED.arr;
        DELETE FROM {TABLE} t USING (SELECT DISTINCT {KEY} FROM ({delta}) d) k
        WHERE t.workspace_id = k.workspace_id AND t.stage_id = k.stage_id
          AND t.owner_key = k.owner_key AND t.entered_on = k.entered_on AND t.n = 0;
    """


POSTGRES_FORWARD = f"""
CREATE FUNCTION pipeline_stage_totals_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        {_apply(_rows("new_rows", ""))}
    ELSIF TG_OP = 'DELETE' THEN
        {_apply(_rows("old_rows", "-"))}
    ELSE
        {_apply(_rows("new_rows", "") + " UNION ALL " + _rows("old_rows", "-"))}
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER pipeline_stage_totals_insert AFTER INSERT ON records_record
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION pipeline_stage_totals_apply();
CREATE TRIGGER pipeline_stage_totals_update AFTER UPDATE ON records_record
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION pipeline_stage_totals_apply();
CREATE TRIGGER pipeline_stage_totals_delete AFTER DELETE ON records_record
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION pipeline_stage_totals_apply();
"""

POSTGRES_BACKWARD = """
DROP TRIGGER IF EXISTS pipeline_stage_totals_insert ON records_record;
DROP TRIGGER IF EXISTS pipeline_stage_totals_update ON records_record;
DROP TRIGGER IF EXISTS pipeline_stage_totals_delete ON records_record;
DROP FUNCTION IF EXISTS pipeline_stage_totals_apply();
"""


def _sqlite_change(row: str, sign: str) -> str:
    return f"""
        INSERT INTO {TABLE} ({KEY}, n, arr)
        SELECT {row}.workspace_id, {row}.stage_id, COALESCE({row}.owner_id, 0),
               COALESCE(date({row}.stage_entered_at), '{UNDATED}'), {sign}1,
               {sign}COALESCE({row}.expected_arr, 0)
        WHERE {IN_SCOPE.format(t=row)}
        ON CONFLICT ({KEY}) DO UPDATE SET n = n + excluded.n, arr = arr + excluded.arr;
        DELETE FROM {TABLE} WHERE workspace_id = {row}.workspace_id
            AND stage_id = {row}.stage_id AND owner_key = COALESCE({row}.owner_id, 0)
            AND entered_on = COALESCE(date({row}.stage_entered_at), '{UNDATED}') AND n = 0;
    """


SQLITE_FORWARD = [
    f"""CREATE TRIGGER pipeline_stage_totals_insert AFTER INSERT ON records_record
    BEGIN {_sqlite_change("NEW", "")} END""",
    f"""CREATE TRIGGER pipeline_stage_totals_delete AFTER DELETE ON records_record
    BEGIN {_sqlite_change("OLD", "-")} END""",
    f"""CREATE TRIGGER pipeline_stage_totals_update
    AFTER UPDATE OF stage_id, stage_entered_at, status, owner_id, expected_arr, deleted_at
    ON records_record
    BEGIN {_sqlite_change("OLD", "-")} {_sqlite_change("NEW", "")} END""",
]
SQLITE_BACKWARD = [
    f"DROP TRIGGER IF EXISTS pipeline_stage_totals_{op}" for op in ("insert", "update", "delete")
]

BACKFILL = """
INSERT INTO {table} ({key}, n, arr)
SELECT {key}, sum(n), sum(arr) FROM ({rows}) d GROUP BY {key}
"""


def backfill_sql(vendor: str) -> str:
    day = PG_DAY if vendor == "postgresql" else SQLITE_DAY
    return BACKFILL.format(table=TABLE, key=KEY, rows=_rows("records_record", "", day))

BOARD_OPEN = Q(status="open", deleted_at__isnull=True)
# The totals' "past the SLA" figure counts the records of the cutoff's own day exactly (the days
# before come from the table): a range scan of this index over one day of arrivals.
ENTERED_INDEX = models.Index(
    F("workspace"),
    F("stage"),
    F("stage_entered_at"),
    name="pipeline_board_entered",
    condition=BOARD_OPEN,
    include=["owner"],
)
# The board filtered to a team: one ordered branch per owner, each a short walk of this index.
OWNER_INDEX = models.Index(
    F("workspace"),
    F("stage"),
    F("owner"),
    Coalesce("icp_score", Value(-1), output_field=models.IntegerField()).desc(),
    F("id"),
    name="pipeline_board_owner",
    condition=BOARD_OPEN,
    include=["stage_entered_at"],
)


def forward(apps, schema_editor):
    record = apps.get_model("records", "Record")
    schema_editor.add_index(record, ENTERED_INDEX)
    schema_editor.add_index(record, OWNER_INDEX)
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRES_FORWARD)
    else:
        for sql in SQLITE_FORWARD:
            schema_editor.execute(sql)
    schema_editor.execute(backfill_sql(schema_editor.connection.vendor))


def backward(apps, schema_editor):
    record = apps.get_model("records", "Record")
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRES_BACKWARD)
    else:
        for sql in SQLITE_BACKWARD:
            schema_editor.execute(sql)
    schema_editor.execute(f"DELETE FROM {TABLE}")
    schema_editor.remove_index(record, OWNER_INDEX)
    schema_editor.remove_index(record, ENTERED_INDEX)


class Migration(migrations.Migration):
    dependencies = [
        ("pipeline", "0011_icp_calibration"),
        ("playbook", "0001_initial"),
        ("records", "0010_record_forecast_category"),
    ]

    operations = [
        migrations.CreateModel(
            name="StageTotal",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("owner_key", models.BigIntegerField()),
                ("entered_on", models.DateField()),
                ("n", models.BigIntegerField(default=0)),
                ("arr", models.DecimalField(decimal_places=2, default=0, max_digits=20)),
                (
                    "stage",
                    models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=models.deletion.DO_NOTHING,
                        related_name="+",
                        to="pipeline.stagedefinition",
                    ),
                ),
                (
                    "workspace",
                    models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=models.deletion.DO_NOTHING,
                        related_name="+",
                        to="playbook.workspace",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("workspace", "stage", "owner_key", "entered_on"),
                        name="stage_total_key",
                    )
                ],
            },
        ),
        TenantRowLevelSecurity(TABLE),
        migrations.RunPython(forward, backward),
    ]
