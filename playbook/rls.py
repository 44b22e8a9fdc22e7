"""PostgreSQL row-level security for tenant tables, as a migration operation.

Every tenant table is readable and writable only for the workspace named in the session setting
`app.workspace_id` (set per request and per task). With no workspace set, the table reads as empty
and refuses writes. `FORCE` makes the policy bind the table's owner too; only a superuser or a
BYPASSRLS role is above it, and the app never connects as one. The policy compares `workspace_id`
with a STABLE expression, so the planner still uses the indexes that lead with `workspace_id`.

Every migration that creates a tenant table adds `TenantRowLevelSecurity("<app>_<model>")` right
after its CreateModel. On SQLite the operation does nothing. playbook/tenancy.py sets the settings;
ADR 0006 has the whole design.
"""

from django.db import migrations

SETTING = "app.workspace_id"
# Narrower keys, each for one lookup that comes before any workspace is known: a user's own
# memberships (the middleware finding the member), an invitation by its token's hash, and a
# public web form by its key (ADR 0017).
USER_SETTING = "app.user_id"
INVITATION_SETTING = "app.invitation_token_hash"
WEBFORM_SETTING = "app.webform_key"
POLICY = "tenant_isolation"
CURRENT_WORKSPACE = f"NULLIF(current_setting('{SETTING}', true), '')::bigint"
CURRENT_USER = f"NULLIF(current_setting('{USER_SETTING}', true), '')::bigint"
CURRENT_INVITATION = f"NULLIF(current_setting('{INVITATION_SETTING}', true), '')"
CURRENT_WEBFORM = f"NULLIF(current_setting('{WEBFORM_SETTING}', true), '')"


def enable_sql(table: str, also_readable: str = "") -> list[str]:
    using = f"workspace_id = {CURRENT_WORKSPACE}"
    if also_readable:
        using = f"{using} OR ({also_readable})"
    return [
        f'ALTER TABLE "{table}" ENABLE ROW LEVEL SECURITY',
        f'ALTER TABLE "{table}" FORCE ROW LEVEL SECURITY',
        f'DROP POLICY IF EXISTS {POLICY} ON "{table}"',
        f'CREATE POLICY {POLICY} ON "{table}" '
        f"USING ({using}) "
        f"WITH CHECK (workspace_id = {CURRENT_WORKSPACE})",
    ]


def disable_sql(table: str) -> list[str]:
    return [
        f'DROP POLICY IF EXISTS {POLICY} ON "{table}"',
        f'ALTER TABLE "{table}" NO FORCE ROW LEVEL SECURITY',
        f'ALTER TABLE "{table}" DISABLE ROW LEVEL SECURITY',
    ]


class TenantRowLevelSecurity(migrations.operations.base.Operation):
    """Enable + force RLS on one tenant table with the workspace policy (PostgreSQL only).

    `also_readable` is an SQL condition under which rows of other workspaces may be read (never
    written): Membership's `user_id = CURRENT_USER`, Invitation's token hash, a web form's key.
    Nothing else should need one."""

    reduces_to_sql = True
    reversible = True

    def __init__(self, table: str, also_readable: str = ""):
        self.table = table
        self.also_readable = also_readable

    def state_forwards(self, app_label, state):
        pass

    def _run(self, schema_editor, statements):
        if schema_editor.connection.vendor != "postgresql":
            return
        for sql in statements:
            schema_editor.execute(sql)

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        self._run(schema_editor, enable_sql(self.table, self.also_readable))

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        self._run(schema_editor, disable_sql(self.table))

    def describe(self):
        return f"Row-level security on {self.table}"

    def deconstruct(self):
        kwargs = {"also_readable": self.also_readable} if self.also_readable else {}
        return (self.__class__.__qualname__, [self.table], kwargs)


def app_role_sql(role: str) -> list[str]:
    """What the app's role may do: read and write rows (under the policies), nothing else. Run
    after every migrate (playbook.apps), so tables added since are covered too."""
    return [
        # Created here only when missing and this connection may (the test suite and CI log in
        # as a superuser); in production an operator creates it with a password (README).
        "DO $$ BEGIN "
        f"IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{role}') THEN "
        f'CREATE ROLE "{role}" NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE; '
        "END IF; "
        "EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$",
        f'GRANT USAGE ON SCHEMA public TO "{role}"',
        f'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO "{role}"',
        f'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO "{role}"',
    ]


# Under row-level security the planner may only use an index for a condition whose functions are
# LEAKPROOF (they could otherwise see rows the policy hides). The records search sent
# UPPER(col::text) LIKE UPPER(%s) (Django's icontains) to trigram indexes; PostgreSQL does not mark
# these two leakproof, so under RLS the search scanned every row of the workspace (312 ms instead
# of 4 ms at 100k records, docs/PERFORMANCE.md). It now sends word matches to GIN indexes (ADR
# 0103), whose four functions below are marked for the same reason. Neither of the first two has
# side effects, and for stored text an error can only come from the pattern, which is the query's
# own input. Only a superuser may mark
# a function; the mark is per database (scripts/db-roles.sql, and migrate when run as one).
LEAKPROOF_FUNCTIONS = [
    "upper(text)",
    "textlike(text, text)",
    # The word search (records.search, ADR 0103): its GIN indexes, under the policy. None of
    # these can fail on a stored name or address (200 and 254 characters at most).
    "textcat(text, text)",
    "translate(text, text, text)",
    "to_tsvector(regconfig, text)",
    "ts_match_vq(tsvector, tsquery)",
]


def mark_leakproof_sql() -> list[str]:
    return [f"ALTER FUNCTION pg_catalog.{f} LEAKPROOF" for f in LEAKPROOF_FUNCTIONS]


def mark_leakproof(connection) -> bool:
    """Mark the search functions leakproof if this connection may (a superuser); else False."""
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        if not cursor.fetchone()[0]:
            return False
        for sql in mark_leakproof_sql():
            cursor.execute(sql)
    return True


def grant_app_role(connection, role: str) -> None:
    if connection.vendor != "postgresql" or not role:
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = %s", [role])
        row = cursor.fetchone()
        if row and row[0]:
            raise RuntimeError(
                f"DATABASE_APP_ROLE {role} is a superuser or bypasses row-level security; "
                "the app must connect as a role that does neither (README, ADR 0006)."
            )
        for sql in app_role_sql(role):
            cursor.execute(sql)
