"""Stage history is append-only in the database too (docs/adr/0205): on PostgreSQL a trigger
refuses any UPDATE of pipeline_stagetransition, so QuerySet.update() and raw SQL cannot rewrite
history as the model's save() already cannot.

Two writes stay allowed: setting actor / from_owner / to_owner to NULL (what deleting a user
does, on_delete=SET_NULL), and DELETE, which only happens when the record (or its workspace)
is deleted, taking its history with it. SQLite has no such trigger; the model guards there.
"""

from django.db import migrations

FORWARD = """
CREATE FUNCTION pipeline_stagetransition_append_only() RETURNS trigger AS $$
BEGIN
    IF (NEW.id, NEW.workspace_id, NEW.record_id, NEW.kind, NEW.from_stage_id, NEW.to_stage_id,
        NEW.at, NEW.note, NEW.seconds_in_previous)
       IS DISTINCT FROM
       (OLD.id, OLD.workspace_id, OLD.record_id, OLD.kind, OLD.from_stage_id, OLD.to_stage_id,
        OLD.at, OLD.note, OLD.seconds_in_previous)
       OR (NEW.actor_id IS NOT NULL AND NEW.actor_id IS DISTINCT FROM OLD.actor_id)
       OR (NEW.from_owner_id IS NOT NULL AND NEW.from_owner_id IS DISTINCT FROM OLD.from_owner_id)
       OR (NEW.to_owner_id IS NOT NULL AND NEW.to_owner_id IS DISTINCT FROM OLD.to_owner_id)
    THEN
        RAISE EXCEPTION 'Stage history is append-only: transition % cannot be changed.', OLD.id
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER pipeline_stagetransition_append_only
    BEFORE UPDATE ON pipeline_stagetransition
    FOR EACH ROW EXECUTE FUNCTION pipeline_stagetransition_append_only();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS pipeline_stagetransition_append_only ON pipeline_stagetransition;
DROP FUNCTION IF EXISTS pipeline_stagetransition_append_only();
"""


def _on_postgresql(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("pipeline", "0005_board_index")]

    operations = [migrations.RunPython(_on_postgresql(FORWARD), _on_postgresql(BACKWARD))]
