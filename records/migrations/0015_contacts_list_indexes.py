"""Indexes of the workspace's contacts list and the quick search (issue 13).

- `contact_ws_name` (every database): the list's order, first name then id, keyset-paginated.
- PostgreSQL only, like 0011: a GIN index on the words of a contact's name (led by workspace_id
  where btree_gin is installed), the very expression records.search sends; and
  `contact_ws_phone` with varchar_pattern_ops, so a phone typed in international form is a
  prefix range of the E.164 column instead of a scan.
"""

from django.db import migrations, models

CONTACT_NAME_WORDS = (
    "to_tsvector('simple'::regconfig, translate(((first_name)::text || ' ' || "
    "(last_name)::text), '.@-_+/', '      '))"
)


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'btree_gin'")
        lead = "workspace_id, " if cursor.fetchone() else ""
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS contact_name_words ON records_contact "
        f"USING gin ({lead}{CONTACT_NAME_WORDS})"
    )
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS contact_ws_phone ON records_contact "
        "(workspace_id, phone varchar_pattern_ops) WHERE phone <> ''"
    )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS contact_name_words")
    schema_editor.execute("DROP INDEX IF EXISTS contact_ws_phone")


class Migration(migrations.Migration):
    dependencies = [("records", "0014_contact_changes")]

    operations = [
        migrations.AddIndex(
            model_name="contact",
            index=models.Index(fields=["workspace", "first_name", "id"], name="contact_ws_name"),
        ),
        migrations.RunPython(create, drop),
    ]
