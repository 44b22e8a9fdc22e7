"""A backup restores: every table's row count in the restored copy equals the dump's snapshot
(manage.py backup_verify, docs/operations.md). PostgreSQL only: pg_dump and pg_restore."""

import io

import psycopg
import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from playbook.management.commands import backup_verify
from tests.factories import WorkspaceFactory
from tests.world import build_world

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="pg_dump and pg_restore are PostgreSQL's"
    ),
]


def test_the_backup_restores_every_row(member_factory, tmp_path):
    for _ in range(2):
        workspace = WorkspaceFactory()
        build_world(workspace, member_factory(workspace).user)
    out = io.StringIO()
    call_command("backup_verify", out=str(tmp_path / "db.dump"), stdout=out)
    result = dict(part.split("=") for part in out.getvalue().split()[1:])
    assert result["ok"] == "yes" and result["differ"] == "0"
    assert int(result["tables"]) == len(connection.introspection.table_names())
    assert int(result["rows"]) > 100
    assert (tmp_path / "db.dump").stat().st_size == int(result["dump_bytes"])
    # The restored copy is dropped afterwards.
    name = connection.settings_dict["NAME"] + backup_verify.RESTORED_SUFFIX
    with connection.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        assert cur.fetchone() is None


def test_a_restore_that_lost_rows_fails(monkeypatch):
    WorkspaceFactory()
    real = backup_verify._counts
    calls = []

    def losing(conn: psycopg.Connection):
        counts = real(conn)
        calls.append(conn)
        if len(calls) == 2:  # the restored copy
            counts["playbook_workspace"] -= 1
        return counts

    monkeypatch.setattr(backup_verify, "_counts", losing)
    err = io.StringIO()
    with pytest.raises(CommandError, match="differs in 1 tables"):
        call_command("backup_verify", stdout=io.StringIO(), stderr=err)
    assert "playbook_workspace" in err.getvalue()
