"""The board's stage totals (pipeline_stagetotal, docs/adr/0206) around bulk loads: the triggers
turned off while a seeder writes a whole workspace, and the workspace's totals counted once
afterwards. A seeder updates every record several times (its stage, its ICP score twice); with
the statement-level triggers on, each of those statements copies its old and new rows into
transition tables and groups them, only to find most deltas zero."""

from __future__ import annotations

import importlib
from contextlib import contextmanager

from django.db import connection, transaction

from playbook.bulkload import run_deferred_checks

_TRIGGERS = (
    "pipeline_stage_totals_insert",
    "pipeline_stage_totals_update",
    "pipeline_stage_totals_delete",
)


def _totals_migration():
    return importlib.import_module("pipeline.migrations.0012_stage_totals")


def stage_totals_rebuild(*, workspace_id: int) -> None:
    """Count the workspace's totals again from its records (the migration's backfill, for one
    workspace)."""
    totals = _totals_migration()
    sql = totals.backfill_sql(connection.vendor).replace(
        "FROM records_record r WHERE ", "FROM records_record r WHERE r.workspace_id = %s AND "
    )
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {totals.TABLE} WHERE workspace_id = %s", [workspace_id])
        cursor.execute(sql, [workspace_id])


@contextmanager
def stage_totals_deferred(*, workspace_id: int):
    """Run a bulk load of one workspace with the totals' triggers off (PostgreSQL), then rebuild
    that workspace's totals. records_record is locked until the transaction ends (the ALTERs),
    so no other writer can change any workspace's records meanwhile and leave its totals behind.
    On an error the savepoint rolls the ALTERs back: the triggers are never left off."""
    if connection.vendor != "postgresql":
        # SQLite's row-level triggers cannot be switched off; they keep the totals as they go.
        with transaction.atomic():
            yield
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            run_deferred_checks(cursor)
            for name in _TRIGGERS:
                cursor.execute(f"ALTER TABLE records_record DISABLE TRIGGER {name}")
        yield
        with connection.cursor() as cursor:
            run_deferred_checks(cursor)
            for name in _TRIGGERS:
                cursor.execute(f"ALTER TABLE records_record ENABLE TRIGGER {name}")
        stage_totals_rebuild(workspace_id=workspace_id)
