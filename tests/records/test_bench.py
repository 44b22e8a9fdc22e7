"""bench/pages.py must keep working: every page it measures answers 200 on a seeded workspace.
(The timings themselves are for the benchmark run, never for tests.)"""

import pytest
from django.core.management import call_command
from django.db import connection

pytestmark = pytest.mark.django_db


def test_every_benchmarked_page_answers(client, capsys):
    call_command("seed_demo", workspace="bench", records=40)
    capsys.readouterr()
    from bench import pages

    bench = pages.prepare("bench")
    assert bench.records == 40 and bench.deep_cursor and bench.record_ids
    for label, builder in pages.PAGES:
        # A page may name the role to look at it as (PAGE_ROLES); the others use the bench user.
        user = bench.users.get(pages.PAGE_ROLES.get(label)) or bench.user
        client.force_login(user)
        headers = {"HTTP_HX_REQUEST": "true"} if label in pages.HTMX_PAGES else {}
        assert client.get(builder(bench), **headers).status_code == 200, label
    assert any(label.startswith("panel leader/") for label, _ in pages.PAGES)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's SQL")
def test_bulk_data_copies_a_seeded_base_up_to_n_records_and_rebuilds_the_indexes():
    from bench.bulkdata import build_demo_records
    from playbook import demo
    from records.models import Activity, Contact, Record

    def index_names():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT indexrelid::regclass::text FROM pg_index "
                "WHERE indrelid = ANY(%s::regclass[])",
                [["records_record", "records_contact", "records_activity"]],
            )
            return sorted(row[0] for row in cursor.fetchall())

    before = index_names()
    ctx = demo.seed_workspace(slug="bulk", name="Bulk", records=25)
    build_demo_records(ctx, 25, base=10)
    records = Record.objects.of(ctx.workspace)
    assert records.count() == 25
    assert records.values("name").distinct().count() == 25
    assert set(Contact.objects.of(ctx.workspace).values_list("record_id", flat=True)) == set(
        records.values_list("pk", flat=True)
    )
    # Every copy has its base record's activities.
    per_record = Activity.objects.of(ctx.workspace).values("record_id").distinct().count()
    assert per_record == 25
    assert index_names() == before
    # The sequences moved past the copied ids: a new record gets a fresh one.
    assert Record.objects.create(workspace=ctx.workspace, name="after").pk > max(
        records.exclude(name="after").values_list("pk", flat=True)
    )
