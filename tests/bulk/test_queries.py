"""A bulk action's queries: a constant to ask for it (the selection is copied by one INSERT ...
SELECT, whatever its size) and a constant per record to run it, never one per record per field.
The per-record figures are the single action's own service (docs/records.md, "Bulk actions")."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bulk import services
from records.models import Record

pytestmark = pytest.mark.django_db

# Most queries per record, by action (the single action's service plus the item's lock and
# update and their savepoints), and most for the whole run beside them.
PER_RECORD = {"move": 24, "assign": 18, "task": 16, "delete": 14}
PER_RUN = 14


@pytest.fixture(autouse=True)
def _in_the_request(settings):
    settings.BULK_INLINE_LIMIT = 100


def _params(kind, stages, team):
    return {
        "move": {"stage_id": stages["mql"].pk},
        "assign": {"owner_id": team["ae"].user.pk},
        "task": {"title": "Call", "due": "2030-01-01", "assignee_id": team["ae"].user.pk},
        "delete": {},
    }[kind]


@pytest.mark.parametrize("kind", list(PER_RECORD))
def test_queries_are_a_constant_per_record(kind, pipeline_ws, stages, team, make_record):
    def queries(n):
        records = [make_record("lead", qualified_for="mql") for _ in range(n)]
        selected = Record.objects.of(pipeline_ws).filter(pk__in=[r.pk for r in records])
        with CaptureQueriesContext(connection) as asked:
            bulk = services.bulk_start(
                workspace=pipeline_ws,
                actor=team["admin"].user,
                kind=kind,
                params=_params(kind, stages, team),
                records=selected,
                selection="",
            )
        with CaptureQueriesContext(connection) as ran:
            services.bulk_run(workspace_id=pipeline_ws.pk, bulk_id=bulk.pk)
        return len(asked), len(ran)

    asked_3, ran_3 = queries(3)
    asked_9, ran_9 = queries(9)
    assert asked_3 == asked_9 <= 6
    per_record = (ran_9 - ran_3) / 6
    assert per_record <= PER_RECORD[kind]
    assert ran_3 - 3 * per_record <= PER_RUN
