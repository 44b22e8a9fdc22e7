"""Back up the database and prove the backup restores: `python manage.py backup_verify`.

1. Opens a read-only REPEATABLE READ transaction on the database, exports its snapshot and
   counts the rows of every table in it.
2. Runs `pg_dump --format=custom --snapshot=...`: the dump holds exactly the rows counted,
   however many writes happen meanwhile.
3. Restores the dump with `pg_restore` into a fresh database (`<name>_restore_check`), counts
   every table there and compares. Any difference, or a table missing, fails the command.
4. Drops the restored database (keep it with --keep-restored) and keeps the dump file only when
   --out names one.

It must connect as a role that row-level security does not filter (the database owner is
filtered too: the policies are FORCEd, ADR 0006), so it uses --database-url, else
MIGRATION_DATABASE_URL, else the default connection's settings. docs/operations.md has the
whole procedure, restores to another machine included.
"""

import os
import subprocess
import tempfile
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

RESTORED_SUFFIX = "_restore_check"


def _url_from_settings() -> str:
    s = connection.settings_dict
    user = quote(s.get("USER") or "", safe="")
    password = f":{quote(s['PASSWORD'], safe='')}" if s.get("PASSWORD") else ""
    auth = f"{user}{password}@" if user else ""
    host = s.get("HOST") or "127.0.0.1"
    port = f":{s['PORT']}" if s.get("PORT") else ""
    return f"postgresql://{auth}{host}{port}/{quote(s['NAME'], safe='')}"


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{quote(name, safe='')}"))


def _database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def _counts(conn) -> dict[str, int]:
    """Exact row counts of every table of the public schema."""
    from psycopg import sql

    tables = [
        row[0]
        for row in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
        )
    ]
    return {
        table: conn.execute(
            sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier("public", table))
        ).fetchone()[0]
        for table in tables
    }


def _run(args: list[str]) -> None:
    done = subprocess.run(args, capture_output=True, text=True)
    if done.returncode != 0:
        raise CommandError(f"{args[0]} failed: {done.stderr.strip() or done.stdout.strip()}")


class Command(BaseCommand):
    help = "Dump the database, restore the dump into a fresh database and compare row counts."

    def add_arguments(self, parser):
        parser.add_argument("--database-url", help="a role above row-level security")
        parser.add_argument("--out", help="keep the dump at this path (custom format)")
        parser.add_argument(
            "--keep-restored", action="store_true", help="do not drop the restored database"
        )

    def handle(self, *args, database_url=None, out=None, keep_restored=False, **options):
        import psycopg

        if connection.vendor != "postgresql":
            raise CommandError(
                "Backups here are PostgreSQL's (pg_dump). On SQLite, copy the database file "
                "while the app is stopped."
            )
        url = database_url or os.environ.get("MIGRATION_DATABASE_URL") or _url_from_settings()
        url = url.replace("postgres://", "postgresql://", 1)
        name = _database_name(url)
        restored = f"{name}{RESTORED_SUFFIX}"[:63]
        with tempfile.TemporaryDirectory() as scratch:
            dump = Path(out) if out else Path(scratch) / f"{name}.dump"
            with psycopg.connect(url) as source:
                source.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                # A role that the policies would filter gets an error, not a partial count.
                source.execute("SET row_security = off")
                snapshot = source.execute("SELECT pg_export_snapshot()").fetchone()[0]
                expected = _counts(source)
                _run(["pg_dump", "--format=custom", f"--snapshot={snapshot}", "-f", dump, url])
            with psycopg.connect(_with_database(url, "postgres"), autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{restored}"')
                admin.execute(f'CREATE DATABASE "{restored}"')
            try:
                _run(["pg_restore", "--exit-on-error", "-d", _with_database(url, restored), dump])
                with psycopg.connect(_with_database(url, restored)) as copy:
                    copy.execute("SET row_security = off")
                    found = _counts(copy)
            finally:
                if not keep_restored:
                    with psycopg.connect(_with_database(url, "postgres"), autocommit=True) as admin:
                        admin.execute(f'DROP DATABASE IF EXISTS "{restored}"')
            size = dump.stat().st_size
        tables = expected.keys() | found.keys()
        differ = sorted(t for t in tables if expected.get(t) != found.get(t))
        for table in differ:
            self.stderr.write(f"{table}: {expected.get(table)} in the source, {found.get(table)}")
        ok = "no" if differ else "yes"
        self.stdout.write(
            f"RESULT tables={len(expected)} rows={sum(expected.values())} "
            f"dump_bytes={size} differ={len(differ)} ok={ok}"
        )
        if differ:
            raise CommandError(f"The restored database differs in {len(differ)} tables.")
