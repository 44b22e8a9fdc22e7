"""Loading many rows into indexed tables at once (seed_demo, bench/bulkdata.py), the way
PostgreSQL's "Populating a Database" advises: without the secondary indexes, which are then built
in one sorted pass each. Row by row, every inserted or updated row writes an entry into every
index of its table; once the indexes outgrow shared_buffers (records_record has 16 at 1M rows)
each of those entries is a random read and write.

The tables are locked (ACCESS EXCLUSIVE) until the surrounding transaction ends: a set-up command
may do that, a request may not. Other databases than PostgreSQL: nothing changes."""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import contextmanager

from django.db import connection, transaction

# Memory of each index build's sort (PostgreSQL's default, 64 MB, spills a 1M-row build to disk).
BUILD_MEMORY = "512MB"


def run_deferred_checks(cursor) -> None:
    """Run the transaction's pending deferred checks (foreign keys of rows just written) now:
    PostgreSQL refuses to ALTER or index a table that has some pending."""
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    cursor.execute("SET CONSTRAINTS ALL DEFERRED")


@contextmanager
def secondary_indexes_dropped(models, *, built: Callable[[int, float], None] | None = None):
    """Drop every index of these models' tables except primary keys and indexes that back a
    constraint (the unique indexes without a constraint are dropped too, and their uniqueness is
    checked again when they are built), and build them all again on the way out.

    Restored even on an error: the drops run in a savepoint (or transaction) of their own, so an
    exception rolls them back with the load, and PostgreSQL's DDL is transactional. `built` is
    called with the number of indexes and the seconds their build took."""
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index i "
                "WHERE indrelid = ANY(%s::regclass[]) AND NOT indisprimary AND NOT EXISTS "
                "(SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid) "
                "ORDER BY indexrelid",
                [[m._meta.db_table for m in models]],
            )
            indexes = cursor.fetchall()
            for name, _ in indexes:
                cursor.execute(f"DROP INDEX {name}")
        yield
        started = time.monotonic()
        with connection.cursor() as cursor:
            run_deferred_checks(cursor)
            cursor.execute("SELECT current_setting('maintenance_work_mem')")
            (previous,) = cursor.fetchone()
            cursor.execute("SELECT set_config('maintenance_work_mem', %s, true)", [BUILD_MEMORY])
            for _, definition in indexes:
                cursor.execute(definition)
            cursor.execute("SELECT set_config('maintenance_work_mem', %s, true)", [previous])
        if built is not None:
            built(len(indexes), time.monotonic() - started)


def analyze(models) -> None:
    """Statistics for rows a bulk load just wrote, for the plans of the statements that follow
    in the same transaction (autovacuum cannot have seen them yet)."""
    if connection.vendor != "postgresql":
        return
    names = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in models)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {names}")
