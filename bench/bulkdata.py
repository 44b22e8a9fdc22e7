"""Big demo data sets for benchmarks, built in minutes rather than an hour.

Writing a million records, three million contacts and ten million activities row by row into
tables that already carry their indexes makes PostgreSQL update ~25 indexes per row, most of
them no longer in shared_buffers once the tables pass a few hundred MB (measured: half of 1M
after 48 minutes). PostgreSQL's advice for populating a database is followed instead:

1. the tables' secondary indexes are dropped (their definitions kept) and foreign keys are
   checked once per key after the load, not per row;
2. a base of at most `BASE` records is made by records.demo exactly as seed_demo makes them
   (names, contacts, activities, custom fields, the same spread over two years);
3. the base is copied in SQL (`INSERT ... SELECT` over `generate_series`) until the workspace
   has N records, ids shifted per copy, so every copy has the base's distribution;
4. the indexes are built again (sorted builds with a large maintenance_work_mem), sequences are
   moved past the ids, and the tables are analysed.

The tables stay ordinary logged tables: what the benchmarks measure afterwards (updates, WAL)
costs what it costs in production. Copies of the base share its attribute values (a copy's name
and domain get the copy number), which is what a scoring or paging benchmark needs; the first
history row exists for the base records only.
"""

from __future__ import annotations

import time

from django.db import connection

from playbook.bulkload import secondary_indexes_dropped

BASE = 100_000


def _tables(models) -> list[str]:
    return [m._meta.db_table for m in models]


def _report_built(count: int, seconds: float) -> None:
    print(f"  {count} indexes built in {seconds:.0f}s")


def _columns(table: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = %s "
            "ORDER BY ordinal_position",
            [table],
        )
        return [row[0] for row in cursor.fetchall()]


def _span(cursor, table: str, workspace_id: int) -> tuple[int, int]:
    cursor.execute(f"SELECT min(id), max(id) FROM {table} WHERE workspace_id = %s", [workspace_id])
    low, high = cursor.fetchone()
    return low, high - low + 1


def replicate(workspace_id: int, records: int, *, record_model, children) -> None:
    """Copy the workspace's records (ids contiguous, as records.demo assigns them) and their
    `children` tables (each with record_id) until there are `records` records."""
    record_table = record_model._meta.db_table
    with connection.cursor() as cursor:
        record_low, base = _span(cursor, record_table, workspace_id)
        copies = -(-records // base)  # ceil
        if copies <= 1:
            return
        for model in (record_model, *children):
            table = model._meta.db_table
            _, span = _span(cursor, table, workspace_id)
            record_index = "id" if model is record_model else "record_id"
            shifted = {
                "id": f"id + k * {span}",
                "record_id": f"record_id + k * {base}",
                "name": "name || ' ' || k" if model is record_model else "name",
                "domain": "k || '-' || domain" if model is record_model else "domain",
            }
            columns = _columns(table)
            select = ", ".join(shifted.get(c, c) for c in columns)
            started = time.monotonic()
            cursor.execute(
                f"INSERT INTO {table} ({', '.join(columns)}) SELECT {select} "
                f"FROM generate_series(1, %s) AS k, {table} "
                f"WHERE workspace_id = %s AND ({record_index} - %s) + k * %s < %s",
                [copies - 1, workspace_id, record_low, base, records],
            )
            seconds = time.monotonic() - started
            print(f"  {table}: {cursor.rowcount:,} rows copied in {seconds:.0f}s")


def build_demo_records(ctx, records: int, *, base: int = BASE) -> None:
    """`records` demo records with contacts and activities in ctx.workspace (see the module)."""
    from records import demo
    from records.models import Activity, Contact, Record

    models = [Record, Record.history.model, Contact, Activity]
    ctx.records = min(records, base)
    with secondary_indexes_dropped(models, built=_report_built):
        started = time.monotonic()
        demo.seed(ctx)
        print(f"  base of {ctx.records:,} records in {time.monotonic() - started:.0f}s")
        with demo.foreign_keys_checked_once([Record, Contact, Activity]):
            replicate(ctx.workspace.pk, records, record_model=Record, children=[Contact, Activity])
    demo.reset_sequences()
    with connection.cursor() as cursor:
        for table in _tables(models):
            cursor.execute(f"ANALYZE {table}")


# Stage history for calibration: of every 1,000 records (by a hash of the id, so the same
# records every time) 450 reached MQL, 250 SQL, 150 Opportunity and 60 were won; the other 90
# Opportunities were lost. Every record entered Lead when it was created.
FUNNEL = (("mql", 450), ("sql", 250), ("opportunity", 150), ("won", 60))
LOST_BELOW = 150


def build_stage_history(workspace_id: int) -> int:
    """Stage transitions and lost statuses for every record of the workspace (see FUNNEL), in
    SQL, unless it has transitions already. Returns how many transitions it wrote."""
    from pipeline.models import StageDefinition, StageTransition

    stages = dict(StageDefinition.objects.of(workspace_id).values_list("key", "pk"))
    table = StageTransition._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT 1 FROM {table} WHERE workspace_id = %s LIMIT 1", [workspace_id])
        if cursor.fetchone():
            return 0
        bucket = "(r.id * 2654435761 %% 1000)"
        steps = [("lead", None, 1000, "created")]
        previous = "lead"
        for key, below in FUNNEL:
            steps.append((key, previous, below, "forward"))
            previous = key
        written = 0
        for position, (key, from_key, below, kind) in enumerate(steps):
            cursor.execute(
                f"INSERT INTO {table} (workspace_id, record_id, kind, from_stage_id, to_stage_id, "
                "at, note) SELECT r.workspace_id, r.id, %s, %s, %s, "
                "r.created_at + make_interval(days => %s * 7), '' FROM records_record r "
                f"WHERE r.workspace_id = %s AND {bucket} < %s",
                [kind, stages.get(from_key), stages[key], position, workspace_id, below],
            )
            written += cursor.rowcount
        cursor.execute(
            "UPDATE records_record r SET status = 'lost' "
            f"WHERE r.workspace_id = %s AND {bucket} >= %s AND {bucket} < %s",
            [workspace_id, FUNNEL[-1][1], LOST_BELOW],
        )
        cursor.execute(f"ANALYZE {table}")
    return written
