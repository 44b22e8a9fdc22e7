"""Trigram indexes for the records list's substring search (name, domain, contact e-mail).

PostgreSQL only (pg_trgm, and btree_gin so the indexes can lead with workspace_id); both are
trusted extensions that a database owner may create. Where they cannot be created the search
still works, by scanning. The expressions match what Django's `icontains` sends:
UPPER(col::text) LIKE UPPER(%s)."""

from django.db import migrations, transaction

INDEXES = [
    (
        "record_search_trgm",
        "records_record",
        "(workspace_id, UPPER(name::text) gin_trgm_ops, UPPER(domain::text) gin_trgm_ops) "
        "WHERE deleted_at IS NULL",
    ),
    ("contact_email_trgm", "records_contact", "(workspace_id, UPPER(email::text) gin_trgm_ops)"),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    try:
        with transaction.atomic(using=schema_editor.connection.alias):
            schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            schema_editor.execute("CREATE EXTENSION IF NOT EXISTS btree_gin")
    except Exception as exc:  # no privilege: keep migrating, search falls back to scans
        print(f"\n  records: trigram search indexes skipped ({exc})")
        return
    for name, table, definition in INDEXES:
        columns, _, where = definition.partition(" WHERE ")
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin {columns}"
            + (f" WHERE {where}" if where else "")
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _, _ in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("records", "0002_indexes_for_list_and_tasks")]

    operations = [migrations.RunPython(create, drop)]
