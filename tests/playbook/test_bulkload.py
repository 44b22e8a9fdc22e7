"""playbook.bulkload: indexes dropped for a bulk load come back, after it and after a failure."""

import contextlib

import pytest
from django.db import connection

from playbook.bulkload import secondary_indexes_dropped
from records.models import Contact, Record
from tests.factories import RecordFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's index DDL"),
]


def _indexes(*tables):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s) ORDER BY 1",
            [list(tables)],
        )
        return cursor.fetchall()


def test_the_indexes_are_dropped_during_the_load_and_built_again(workspace):
    before = _indexes("records_record", "records_contact")
    built = []
    with secondary_indexes_dropped([Record, Contact], built=lambda n, s: built.append(n)):
        during = {name for name, _ in _indexes("records_record", "records_contact")}
        RecordFactory.create_batch(3, workspace=workspace)
    assert during == {"records_record_pkey", "records_contact_pkey"}
    assert _indexes("records_record", "records_contact") == before
    assert built == [len(before) - 2]
    assert Record.objects.of(workspace).count() == 3


def test_a_failed_load_leaves_every_index_in_place(workspace):
    before = _indexes("records_record")
    with contextlib.suppress(RuntimeError), secondary_indexes_dropped([Record]):
        RecordFactory(workspace=workspace)
        raise RuntimeError("the load failed")
    assert _indexes("records_record") == before
    assert not Record.objects.of(workspace).exists()
