"""Tell PostgreSQL's planner that an activity's kind and done flag go together (open tasks are
tasks): without it, it guesses open-task counts a hundred times too low and picks a plan that
reads every overdue task for the "has an overdue task" filter. PostgreSQL only."""

from django.db import migrations


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE STATISTICS IF NOT EXISTS activity_kind_done (mcv) ON kind, done "
            "FROM records_activity"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP STATISTICS IF EXISTS activity_kind_done")


class Migration(migrations.Migration):
    dependencies = [("records", "0003_search_trigram_indexes")]

    operations = [migrations.RunPython(create, drop)]
