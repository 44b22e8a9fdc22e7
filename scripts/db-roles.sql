-- The two PostgreSQL roles of a Playbook deployment (ADR 0006). Run once, as a superuser, in the
-- app's database; running it again changes nothing but the passwords:
--   psql -v owner_password=... -v app_password=... -d playbook -f scripts/db-roles.sql
--
-- playbook_owner  owns the tables: `migrate` and ops commands (seed_demo) run as it
--                 (MIGRATION_DATABASE_URL). BYPASSRLS: migrations and ops code span workspaces.
-- playbook_app    what the web server and the Celery workers connect as (DATABASE_URL): owns
--                 nothing, NOBYPASSRLS, so every tenant table shows it one workspace at a time.
SELECT format('CREATE ROLE playbook_owner LOGIN NOSUPERUSER BYPASSRLS')
WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'playbook_owner') \gexec
SELECT format('CREATE ROLE playbook_app LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE')
WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'playbook_app') \gexec
ALTER ROLE playbook_owner LOGIN NOSUPERUSER BYPASSRLS PASSWORD :'owner_password';
ALTER ROLE playbook_app LOGIN NOSUPERUSER NOBYPASSRLS PASSWORD :'app_password';

SELECT format('ALTER DATABASE %I OWNER TO playbook_owner', current_database()) \gexec
ALTER SCHEMA public OWNER TO playbook_owner;
GRANT USAGE ON SCHEMA public TO playbook_app;
-- Tables the owner creates later are open to the app's rows-only access at once; `migrate` also
-- grants it on every table (DATABASE_APP_ROLE), so both ways agree.
ALTER DEFAULT PRIVILEGES FOR ROLE playbook_owner IN SCHEMA public
  GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO playbook_app;
ALTER DEFAULT PRIVILEGES FOR ROLE playbook_owner IN SCHEMA public
  GRANT USAGE, SELECT ON SEQUENCES TO playbook_app;

-- The records search (Django's icontains: UPPER(col::text) LIKE UPPER(...)) may use its trigram
-- indexes under row-level security only if these are LEAKPROOF (playbook/rls.py says why that is
-- safe). Superuser only; without it the search still works, by scanning the workspace's rows.
ALTER FUNCTION pg_catalog.upper(text) LEAKPROOF;
ALTER FUNCTION pg_catalog.textlike(text, text) LEAKPROOF;
-- The word search (ADR 0103) and its GIN indexes, likewise.
ALTER FUNCTION pg_catalog.textcat(text, text) LEAKPROOF;
ALTER FUNCTION pg_catalog.translate(text, text, text) LEAKPROOF;
ALTER FUNCTION pg_catalog.to_tsvector(regconfig, text) LEAKPROOF;
ALTER FUNCTION pg_catalog.ts_match_vq(tsvector, tsquery) LEAKPROOF;
