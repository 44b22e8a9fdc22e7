import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from playbook.demo import DEMO_PASSWORD, demo_email
from playbook.models import Membership, Role, User, Workspace
from records.models import Activity, Contact, Record

pytestmark = pytest.mark.django_db


def test_seeds_a_workspace_with_every_role_and_records(capsys):
    call_command("seed_demo", workspace="acme", records=40)
    workspace = Workspace.objects.get(slug="acme")
    roles = set(Membership.objects.filter(workspace=workspace).values_list("role", flat=True))
    assert roles == set(Role.values)
    admin = User.objects.get(email=demo_email(Role.ADMIN, slug="acme"))
    assert admin.check_password(DEMO_PASSWORD)
    assert Record.objects.filter(workspace=workspace).count() == 40
    contacts = Contact.objects.filter(workspace=workspace).count()
    activities = Activity.objects.filter(workspace=workspace).count()
    assert 2 * 40 <= contacts <= 4 * 40
    assert 6 * 40 <= activities <= 14 * 40
    out = capsys.readouterr().out
    assert demo_email(Role.SDR, slug="acme") in out and DEMO_PASSWORD in out


def test_if_empty_does_nothing_when_data_exists(capsys):
    call_command("seed_demo", records=5)
    call_command("seed_demo", "--if-empty", records=5)
    assert Workspace.objects.count() == 1
    assert Record.objects.count() == 5
    assert "not seeding" in capsys.readouterr().out


def test_refuses_an_existing_slug():
    call_command("seed_demo", records=0)
    with pytest.raises(CommandError, match="exists already"):
        call_command("seed_demo", records=0)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's shared catalogs")
def test_the_seeds_analyze_leaves_the_servers_shared_catalogs_alone():
    """A bare ANALYZE inside the seed's transaction kept a lock on pg_authid & co. until the seed
    committed, and every other database's ANALYZE on the server waited (minutes at 1M)."""
    from playbook.management.commands.seed_demo import _analyze

    _analyze()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
            "WHERE l.pid = pg_backend_pid() AND c.relisshared "
            "AND l.mode = 'ShareUpdateExclusiveLock'"
        )
        assert cursor.fetchone()[0] == 0
        cursor.execute(
            "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
            "WHERE l.pid = pg_backend_pid() AND c.relname = 'records_record' "
            "AND l.mode = 'ShareUpdateExclusiveLock'"
        )
        assert cursor.fetchone()[0] == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's catalogs")
def test_the_seed_puts_back_every_index_key_and_trigger_and_counts_the_totals_exactly():
    """seed_demo loads with indexes, foreign keys and the stage totals' triggers off."""
    from django.db.models import Count, Sum

    from pipeline.models import StageTotal

    def schema():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename LIKE 'records_%%' "
                "OR tablename LIKE 'pipeline_%%' ORDER BY 1"
            )
            indexes = cursor.fetchall()
            cursor.execute(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid::regclass::text LIKE ANY(ARRAY['records_%%', 'pipeline_%%']) "
                "ORDER BY 1"
            )
            constraints = cursor.fetchall()
            cursor.execute(
                "SELECT tgname, tgenabled FROM pg_trigger WHERE NOT tgisinternal ORDER BY 1"
            )
            return indexes, constraints, cursor.fetchall()

    before = schema()
    call_command("seed_demo", workspace="acme", records=60)
    assert schema() == before
    workspace = Workspace.objects.get(slug="acme")
    fresh = dict(
        Record.objects.of(workspace)
        .live()
        .filter(status="open", stage__isnull=False)
        .values("stage_id")
        .annotate(n=Count("id"))
        .values_list("stage_id", "n")
    )
    kept = dict(
        StageTotal.objects.of(workspace)
        .values("stage_id")
        .annotate(n=Sum("n"))
        .values_list("stage_id", "n")
    )
    assert kept == fresh and sum(fresh.values()) > 0
