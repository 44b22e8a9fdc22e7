"""Bulk writers of raw rows, for the demo seeders and the imports: COPY or one statement per
batch of thousands of rows on PostgreSQL, plain batched statements elsewhere."""

import json
from contextlib import contextmanager

from django.db import connection
from django.db.models import Max

from playbook.sql import array_literal

BATCH = 5000


def _next_id(model) -> int:
    return (model.objects.aggregate(m=Max("id"))["m"] or 0) + 1


# Rows per INSERT statement of the non-COPY PostgreSQL path (one array per column each).
UNNEST_BATCH = 20_000


def insert_rows(model, columns: list[str], rows: list[tuple], *, copy: bool = True) -> None:
    """Bulk-write raw rows (values in `columns` order, JSON as dicts): COPY on PostgreSQL,
    batched INSERTs elsewhere. Other apps' demo seeders use it too. `copy=False` for code that
    runs under row-level security (imports as the app role): PostgreSQL refuses COPY there, so
    the rows go as one `INSERT ... SELECT FROM unnest(<one array per column>)` per batch: a
    statement per row (executemany) cost an import of 200k ledger rows most of its time in
    per-value Python preparation and round trips."""
    if not rows:
        return
    table = connection.ops.quote_name(model._meta.db_table)
    fields = [model._meta.get_field(c) for c in columns]
    names = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    json_at = [i for i, f in enumerate(fields) if f.get_internal_type() == "JSONField"]
    if connection.vendor == "postgresql" and copy:
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy,
        ):
            for row in rows:
                if json_at:
                    row = list(row)
                    for i in json_at:
                        row[i] = json.dumps(row[i])
                copy.write_row(row)
        return
    if connection.vendor == "postgresql":
        _insert_unnest(table, names, fields, json_at, rows)
        return
    prepared = [
        tuple(f.get_db_prep_save(v, connection) for f, v in zip(fields, row, strict=True))
        for row in rows
    ]
    placeholders = ", ".join(["%s"] * len(columns))
    with connection.cursor() as cursor:
        cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({placeholders})", prepared)


def insert_objects(model, objs: list) -> None:
    """Bulk-create unsaved model instances and set their ids: `bulk_create` without its
    per-value preparation in Python (what an import of 100k new records spent most of its time
    in). PostgreSQL: one INSERT ... RETURNING per batch, in order; elsewhere bulk_create. Like
    bulk_create, no save() and no signals."""
    if not objs:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_create(objs, batch_size=BATCH)
        return
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    rows = [tuple(f.pre_save(obj, True) for f in fields) for obj in objs]
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    json_at = [i for i, f in enumerate(fields) if f.get_internal_type() == "JSONField"]
    ids = _insert_unnest(table, names, fields, json_at, rows, returning=True)
    for obj, pk in zip(objs, ids, strict=True):
        obj.pk = pk
        obj._state.adding, obj._state.db = False, "default"


def _insert_unnest(table, names, fields, json_at, rows, *, returning=False) -> list[int]:
    # Arrays of the columns' own types; JSON goes as text and is cast per element. Values are
    # the Python types psycopg adapts itself (int, str, Decimal, date, datetime, None), as COPY
    # takes them.
    types = ["text" if i in json_at else f.cast_db_type(connection) for i, f in enumerate(fields)]
    arrays = ", ".join(f"%s::{t}[]" for t in types)
    select = ", ".join(f"c{i}::jsonb" if i in json_at else f"c{i}" for i in range(len(fields)))
    aliases = ", ".join(f"c{i}" for i in range(len(fields)))
    sql = (
        f"INSERT INTO {table} ({names}) SELECT {select} "
        f"FROM unnest({arrays}) WITH ORDINALITY AS u({aliases}, n)"
    )
    if returning:
        # Rows are inserted and returned in the arrays' order, as bulk_create relies on too.
        sql += " ORDER BY n RETURNING id"
    ids = []
    with connection.cursor() as cursor:
        for start in range(0, len(rows), UNNEST_BATCH):
            batch = rows[start : start + UNNEST_BATCH]
            columns = [list(column) for column in zip(*batch, strict=True)]
            for i in json_at:
                columns[i] = [None if v is None else json.dumps(v) for v in columns[i]]
            # Each column as one array literal built with string joins (playbook.sql): psycopg
            # adapting the lists element by element was a third of a 200k-row import.
            cursor.execute(sql, [array_literal(column) for column in columns])
            if returning:
                ids.extend(row[0] for row in cursor.fetchall())
    return ids


def update_objects(model, workspace_id: int, objs: list, fields: list[str]) -> None:
    """Save `fields` of many instances of one workspace: on PostgreSQL one UPDATE ... FROM
    unnest(<one array per field>) per batch; elsewhere bulk_update. bulk_update builds a CASE
    per field over every id in Python: for 100k customers' health that was minutes of CPU."""
    if not objs:
        return
    if connection.vendor != "postgresql":
        model.objects.of(workspace_id).bulk_update(objs, fields, batch_size=BATCH)
        return
    attnames = [model._meta.get_field(name).attname for name in fields]
    rows = [(obj.pk, *(getattr(obj, a) for a in attnames)) for obj in objs]
    update_rows(model, workspace_id, fields, rows)


def update_rows(model, workspace_id: int, fields: list[str], rows: list[tuple]) -> None:
    """Set `fields` of many rows of one workspace from tuples (id, *values in `fields` order):
    on PostgreSQL one UPDATE ... FROM unnest(<one array per field>) per batch, the values
    rendered by string joins (playbook.sql); elsewhere one UPDATE per row."""
    if not rows:
        return
    targets = [model._meta.get_field(name) for name in fields]
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    json_at = {i for i, f in enumerate(targets) if f.get_internal_type() == "JSONField"}
    if connection.vendor != "postgresql":
        sets = ", ".join(f"{quote(f.column)} = %s" for f in targets)
        with connection.cursor() as cursor:
            cursor.executemany(
                f"UPDATE {table} SET {sets} WHERE id = %s AND workspace_id = %s",
                [
                    [
                        *(
                            f.get_db_prep_save(v, connection)
                            for f, v in zip(targets, row[1:], strict=True)
                        ),
                        row[0],
                        workspace_id,
                    ]
                    for row in rows
                ],
            )
        return
    types = ["text" if i in json_at else f.cast_db_type(connection) for i, f in enumerate(targets)]
    arrays = ", ".join(["%s::bigint[]"] + [f"%s::{t}[]" for t in types])
    aliases = ", ".join(["pk"] + [f"c{i}" for i in range(len(targets))])
    sets = ", ".join(
        f"{quote(f.column)} = u.c{i}" + ("::jsonb" if i in json_at else "")
        for i, f in enumerate(targets)
    )
    sql = (
        f"UPDATE {table} AS t SET {sets} FROM unnest({arrays}) AS u({aliases}) "
        "WHERE t.id = u.pk AND t.workspace_id = %s"
    )
    with connection.cursor() as cursor:
        for start in range(0, len(rows), UNNEST_BATCH):
            columns = [list(c) for c in zip(*rows[start : start + UNNEST_BATCH], strict=True)]
            for i in json_at:
                columns[i + 1] = [None if v is None else json.dumps(v) for v in columns[i + 1]]
            cursor.execute(sql, [*map(array_literal, columns), workspace_id])


@contextmanager
def foreign_keys_checked_once(models):
    """PostgreSQL checks deferred foreign keys row by row at commit: for a million activities
    that is most of a minute. Dropped for the load and added back, each key is checked by one
    join instead (PostgreSQL's own advice for populating a database). The tables are locked
    meanwhile, which a demo seed may do. Other databases: nothing to do."""
    if connection.vendor != "postgresql":
        yield
        return
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        # Pending deferred checks of these tables would forbid the ALTERs: run them now.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
            "FROM pg_constraint WHERE contype = 'f' AND conrelid = ANY(%s::regclass[])",
            [[m._meta.db_table for m in models]],
        )
        keys = cursor.fetchall()
        for table, name, _ in keys:
            cursor.execute(f"ALTER TABLE {quote(table)} DROP CONSTRAINT {quote(name)}")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    yield
    with connection.cursor() as cursor:
        for table, name, definition in keys:
            cursor.execute(f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(name)} {definition}")


@contextmanager
def rows_updated_at_once(model, workspace_id: int, fields: list[str]):
    """For a bulk load that computes new values of `fields` for many rows chunk by chunk: yields
    `add(rows)` (tuples as update_rows takes them). On PostgreSQL the rows are COPYed into a
    temporary table and the table is updated from it by one UPDATE ... FROM at the end: one
    hash join over the table. update_rows' one statement per 20,000 rows is planned as a hash
    join too, each hashing the whole table: 50 of them for a 1M-record seed, over a table of a
    few GB. Elsewhere each chunk goes through update_rows."""
    if connection.vendor != "postgresql":
        yield lambda rows: update_rows(model, workspace_id, fields, rows)
        return
    targets = [model._meta.get_field(name) for name in fields]
    quote = connection.ops.quote_name
    temp = quote(f"_bulk_{model._meta.db_table}")
    columns = ", ".join(
        ["pk bigint"] + [f"c{i} {f.cast_db_type(connection)}" for i, f in enumerate(targets)]
    )
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMPORARY TABLE {temp} ({columns}) ON COMMIT DROP")

    def add(rows):
        with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {temp} FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)

    yield add
    sets = ", ".join(f"{quote(f.column)} = u.c{i}" for i, f in enumerate(targets))
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {temp}")
        cursor.execute(
            f"UPDATE {quote(model._meta.db_table)} AS t SET {sets} FROM {temp} AS u "
            "WHERE t.id = u.pk AND t.workspace_id = %s",
            [workspace_id],
        )
        cursor.execute(f"DROP TABLE {temp}")
