"""PostgreSQL row-level security for tenant tables, as a migration operation.

Every tenant table is readable and writable only for the workspace named in the session setting
`app.workspace_id` (set per request and per task). With no workspace set, the table reads as empty
and refuses writes. `FORCE` makes the policy bind the table's owner too; only a superuser or a
BYPASSRLS role is above it, and the app never connects as one. The policy compares `workspace_id`
with a STABLE expression, so the planner still uses the indexes that lead with `workspace_id`.

Every migration that creates a tenant table adds `TenantRowLevelSecurity("<app>_<model>")` right
after its CreateModel. On SQLite the operation does nothing.
"""

from django.db import migrations

SETTING = "app.workspace_id"
POLICY = "tenant_isolation"
CURRENT_WORKSPACE = f"NULLIF(current_setting('{SETTING}', true), '')::bigint"


def enable_sql(table: str) -> list[str]:
    return [
        f'ALTER TABLE "{table}" ENABLE ROW LEVEL SECURITY',
        f'ALTER TABLE "{table}" FORCE ROW LEVEL SECURITY',
        f'DROP POLICY IF EXISTS {POLICY} ON "{table}"',
        f'CREATE POLICY {POLICY} ON "{table}" '
        f"USING (workspace_id = {CURRENT_WORKSPACE}) "
        f"WITH CHECK (workspace_id = {CURRENT_WORKSPACE})",
    ]


def disable_sql(table: str) -> list[str]:
    return [
        f'DROP POLICY IF EXISTS {POLICY} ON "{table}"',
        f'ALTER TABLE "{table}" NO FORCE ROW LEVEL SECURITY',
        f'ALTER TABLE "{table}" DISABLE ROW LEVEL SECURITY',
    ]


class TenantRowLevelSecurity(migrations.operations.base.Operation):
    """Enable + force RLS on one tenant table with the workspace policy (PostgreSQL only)."""

    reduces_to_sql = True
    reversible = True

    def __init__(self, table: str):
        self.table = table

    def state_forwards(self, app_label, state):
        pass

    def _run(self, schema_editor, statements):
        if schema_editor.connection.vendor != "postgresql":
            return
        for sql in statements:
            schema_editor.execute(sql)

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        self._run(schema_editor, enable_sql(self.table))

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        self._run(schema_editor, disable_sql(self.table))

    def describe(self):
        return f"Row-level security on {self.table}"

    def deconstruct(self):
        return (self.__class__.__qualname__, [self.table], {})
