"""Full-text (word) search indexes for the records list (docs/adr/0103), replacing the trigram
indexes of 0003.

PostgreSQL only. GIN indexes on exactly the expressions records.search sends: the words of a
live record's name and domain, the words of a contact's e-mail. They lead with workspace_id when
btree_gin is installed (0003 creates it where it may). The trigram indexes go: nothing searches
by substring through an index any more, and the record's was the most expensive of its indexes
to keep up on every write (docs/adr/0110)."""

import importlib

from django.db import migrations

trigram = importlib.import_module("records.migrations.0003_search_trigram_indexes")

# records.search sends these very expressions (tests/records/test_search.py checks they agree).
RECORD_WORDS = (
    "to_tsvector('simple'::regconfig, translate(((name)::text || ' ' || (domain)::text), "
    "'.@-_+/', '      '))"
)
CONTACT_WORDS = "to_tsvector('simple'::regconfig, translate((email)::text, '.@-_+/', '      '))"
INDEXES = [
    ("record_search_words", "records_record", RECORD_WORDS, "deleted_at IS NULL"),
    ("contact_search_words", "records_contact", CONTACT_WORDS, ""),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'btree_gin'")
        lead = "workspace_id, " if cursor.fetchone() else ""
    for name, table, expression, where in INDEXES:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin ({lead}{expression})"
            + (f" WHERE {where}" if where else "")
        )
    trigram.drop(apps, schema_editor)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    trigram.create(apps, schema_editor)
    for name, _, _, _ in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("records", "0010_record_forecast_category")]

    operations = [migrations.RunPython(create, drop)]
