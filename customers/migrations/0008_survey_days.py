"""The answers per day, kind and score with their customers' MRR (customers.models.SurveyDay),
kept by triggers on PostgreSQL.

Statement-level triggers with transition tables: a statement that writes many answers or
customers (an import, the renewal job's set-based update) costs one grouped upsert, not one
per row. Each upsert locks its rows in (workspace, day, kind, score) order, so two writers
cannot deadlock on them. The triggers run as the writer's role under its workspace's policy,
which every write of these tenant tables already has set. Other databases: nothing (the
scores are computed live there).
"""

import django.db.models.deletion
from django.db import migrations, models

from playbook.rls import TenantRowLevelSecurity

UPSERT = """
    INSERT INTO customers_surveyday AS t (workspace_id, day, kind, score, responses, mrr)
    SELECT workspace_id, day, kind, score, SUM(responses), SUM(mrr)
    FROM ({rows}) AS d
    GROUP BY workspace_id, day, kind, score
    ORDER BY workspace_id, day, kind, score
    ON CONFLICT (workspace_id, day, kind, score) DO UPDATE
    SET responses = t.responses + EXCLUDED.responses, mrr = t.mrr + EXCLUDED.mrr
"""
# An answer counts once, with its customer's MRR (no customer: 0); a removed one counts -1.
ANSWERS = """
    SELECT a.workspace_id, a.responded_on AS day, a.kind, a.score, {sign} AS responses,
           {sign} * COALESCE(c.mrr, 0) AS mrr
    FROM {table} AS a
    LEFT JOIN customers_customer AS c
      ON c.workspace_id = a.workspace_id AND c.record_id = a.record_id
"""
# A customer's MRR as its record's answers see it: {sign} x MRR once per answer.
CUSTOMERS = """
    SELECT a.workspace_id, a.responded_on AS day, a.kind, a.score, 0 AS responses,
           {sign} * c.mrr AS mrr
    FROM {table} AS c
    JOIN customers_surveyresponse AS a
      ON a.workspace_id = c.workspace_id AND a.record_id = c.record_id
"""
# The customers whose MRR or record changed, as they are now and as they were.
CHANGED = "WHERE n.mrr <> o.mrr OR n.record_id <> o.record_id"
NOW = f"(SELECT n.* FROM new_rows n JOIN old_rows o USING (id) {CHANGED})"
BEFORE = f"(SELECT o.* FROM old_rows o JOIN new_rows n USING (id) {CHANGED})"
# Concurrency: an answer's trigger reads its customer's MRR and a customer's trigger reads its
# record's answers, so two transactions writing one of each for the same record would each miss
# the other's uncommitted row (an answer logged while its customer's MRR changed kept the old
# MRR). Every trigger first takes transaction-scoped advisory locks on the records it touches,
# in one order; its upsert, a later statement, then sees whatever the other committed. The
# records are hashed into BUCKETS per workspace: a statement writing thousands of records (an
# import, the renewal job) takes at most that many locks, not one per record (the shared lock
# table is sized by max_locks_per_transaction); unrelated records sharing a bucket only wait.
LOCK_CLASS = 303  # ADR 0303
BUCKETS = 32
LOCK = """
    PERFORM pg_advisory_xact_lock({lock_class}, k)
    FROM (
        SELECT DISTINCT hashint8(workspace_id * {buckets} + (hashint8(record_id) & {mask})) AS k
        FROM ({records}) AS r ORDER BY k
    ) AS keys
"""
# (table, event, transition tables, the rows of the upsert, the record ids they touch)
TRIGGERS = [
    ("customers_surveyresponse", "INSERT", "NEW TABLE AS new_rows",
     ANSWERS.format(sign=1, table="new_rows"),
     "SELECT workspace_id, record_id FROM new_rows"),
    ("customers_surveyresponse", "DELETE", "OLD TABLE AS old_rows",
     ANSWERS.format(sign=-1, table="old_rows"),
     "SELECT workspace_id, record_id FROM old_rows"),
    # A moved answer (a merge re-points it to the survivor) or a corrected one: out, then in.
    ("customers_surveyresponse", "UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows",
     ANSWERS.format(sign=1, table="new_rows") + " UNION ALL "
     + ANSWERS.format(sign=-1, table="old_rows"),
     "SELECT workspace_id, record_id FROM new_rows "
     "UNION ALL SELECT workspace_id, record_id FROM old_rows"),
    # A customer appearing or going changes the weight of its record's answers; an update
    # counts only where the MRR or the record changed (the nightly health job changes neither).
    ("customers_customer", "INSERT", "NEW TABLE AS new_rows",
     CUSTOMERS.format(sign=1, table="new_rows"),
     "SELECT workspace_id, record_id FROM new_rows"),
    ("customers_customer", "DELETE", "OLD TABLE AS old_rows",
     CUSTOMERS.format(sign=-1, table="old_rows"),
     "SELECT workspace_id, record_id FROM old_rows"),
    ("customers_customer", "UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows",
     CUSTOMERS.format(sign=1, table=NOW) + " UNION ALL "
     + CUSTOMERS.format(sign=-1, table=BEFORE),
     f"SELECT workspace_id, record_id FROM {NOW} AS n "
     f"UNION ALL SELECT workspace_id, record_id FROM {BEFORE} AS o"),
]  # fmt: skip


def _name(table: str, event: str) -> str:
    return f"{table}_surveyday_{event.lower()}"


def function_sql(name: str, rows: str, records: str) -> str:
    lock = LOCK.format(lock_class=LOCK_CLASS, buckets=BUCKETS, mask=BUCKETS - 1, records=records)
    return (
        f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ "
        f"BEGIN {lock}; {UPSERT.format(rows=rows)}; RETURN NULL; END $$"
    )


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, event, transition, rows, records in TRIGGERS:
        name = _name(table, event)
        schema_editor.execute(function_sql(name, rows, records))
        schema_editor.execute(
            f"CREATE TRIGGER {name} AFTER {event} ON {table} REFERENCING {transition} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {name}()"
        )
    # The answers already there (the migration runs as the tables' owner or a superuser).
    schema_editor.execute(
        UPSERT.format(rows=ANSWERS.format(sign=1, table="customers_surveyresponse"))
    )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, event, *_ in TRIGGERS:
        name = _name(table, event)
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
        schema_editor.execute(f"DROP FUNCTION IF EXISTS {name}()")


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0007_a_csms_customers_from_the_index"),
        ("playbook", "0006_audit_bulk_actions_and_merges"),
    ]

    operations = [
        migrations.CreateModel(
            name="SurveyDay",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("day", models.DateField()),
                (
                    "kind",
                    models.CharField(choices=[("nps", "NPS"), ("csat", "CSAT")], max_length=4),
                ),
                ("score", models.PositiveSmallIntegerField()),
                ("responses", models.IntegerField(default=0)),
                ("mrr", models.DecimalField(decimal_places=2, default=0, max_digits=20)),
                (
                    "workspace",
                    models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="playbook.workspace",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("workspace", "day", "kind", "score"), name="surveyday_unique"
                    )
                ],
            },
        ),
        TenantRowLevelSecurity("customers_surveyday"),
        migrations.RunPython(create, drop),
    ]
