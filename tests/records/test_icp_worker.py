"""The ICP recompute through a real Celery worker and broker (as tests/playbook/
test_celery_worker.py): queued by saving the profile, run by the worker, idempotent."""

import pytest

from records.models import IcpProfile, Record
from records.tasks import icp_recompute
from tests.factories import RecordFactory, WorkspaceFactory
from tests.workers import running_worker

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def celery_worker():
    with running_worker() as worker:
        yield worker


def test_worker_recomputes_one_workspace_and_nothing_else(celery_worker):
    mine, other = WorkspaceFactory(), WorkspaceFactory()
    criteria = [
        {"kind": "field_in", "params": {"field": "industry", "values": ["Software"]}, "weight": 1}
    ]
    for workspace in (mine, other):
        IcpProfile.objects.create(workspace=workspace, criteria=criteria)
    fits = RecordFactory(workspace=mine, industry="Software")
    misses = RecordFactory(workspace=mine, industry="Retail")
    theirs = RecordFactory(workspace=other, industry="Software")

    assert icp_recompute.delay(mine.pk).get(timeout=60) == {"records": 2, "changed": 2}
    scores = dict(Record.objects.values_list("pk", "icp_score"))
    assert scores == {fits.pk: 100, misses.pk: 0, theirs.pk: None}
    profile = IcpProfile.objects.get(workspace=mine)
    assert profile.last_full_recompute_at is not None and not profile.is_recomputing
    # Idempotent: the second run writes nothing.
    assert icp_recompute.delay(mine.pk).get(timeout=60) == {"records": 2, "changed": 0}
