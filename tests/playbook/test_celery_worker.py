"""A real Celery worker (celery.contrib.testing) consumes a real broker: Redis when REDIS_URL is
set (as in CI), kombu's filesystem transport otherwise; the task runs its service against the
database and its result travels back through the result backend."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from playbook.celery import app
from playbook.models import Invitation
from playbook.tasks import invitations_expire
from tests.factories import InvitationFactory, WorkspaceFactory
from tests.workers import running_worker

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def celery_worker():
    with running_worker() as worker:
        yield worker


def test_broker_is_the_configured_one():
    expected = "redis" if settings.REDIS_URL else "filesystem"
    assert app.connection_for_write().transport_cls == expected


def test_worker_runs_task_against_database(celery_worker):
    workspace = WorkspaceFactory()
    lapsed = InvitationFactory(workspace=workspace, expires_at=timezone.now() - timedelta(days=1))
    live = InvitationFactory(workspace=workspace)

    result = invitations_expire.delay(workspace.pk)
    assert result.get(timeout=30) == 1

    lapsed.refresh_from_db()
    live.refresh_from_db()
    assert lapsed.revoked_at is not None
    assert live.revoked_at is None
    # Idempotent: the second run changes nothing.
    assert invitations_expire.delay(workspace.pk).get(timeout=30) == 0
    assert Invitation.objects.filter(revoked_at__isnull=False).count() == 1


def test_a_job_goes_through_the_outbox_to_the_worker_and_is_followed(celery_worker):
    """jobs: the row written when the work is asked for, handed over at commit, run by the
    worker, and marked done by the worker's signals."""
    import time

    from celery.result import AsyncResult

    from jobs.models import Job, JobStatus
    from jobs.services import job_enqueue

    workspace = WorkspaceFactory()
    InvitationFactory(workspace=workspace, expires_at=timezone.now() - timedelta(days=1))
    job = job_enqueue(workspace=workspace, task=invitations_expire, args=[workspace.pk])
    assert AsyncResult(job.celery_id, app=app).get(timeout=30) == 1
    for _ in range(100):  # the success signal is sent just after the result is stored
        job.refresh_from_db()
        if job.status == JobStatus.DONE:
            break
        time.sleep(0.1)
    assert (job.status, job.runs, job.send_attempts) == (JobStatus.DONE, 1, 1)
    assert Job.objects.of(workspace).count() == 1
