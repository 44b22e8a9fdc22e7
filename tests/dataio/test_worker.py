"""A records import through a real Celery worker and broker (as tests/playbook/
test_celery_worker.py): the wizard's steps queue the preview and the import, the worker runs
them under the workspace's row-level security, and nothing of another workspace changes."""

import time

import pytest

from dataio import tasks
from dataio.models import ImportStatus, RecordImport
from dataio.services import wizard
from pipeline.models import StageTransition
from records.models import Contact, Record
from tests.factories import MembershipFactory, RecordFactory, StageDefinitionFactory
from tests.workers import running_worker

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def celery_worker():
    with running_worker() as worker:
        yield worker


def _wait_for(job, status, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.status == status:
            return job
        time.sleep(0.2)
    raise AssertionError(f"import still {job.status}, not {status}")


def test_the_worker_previews_and_imports_a_file(celery_worker):
    admin = MembershipFactory()
    workspace = admin.workspace
    stage = StageDefinitionFactory(workspace=workspace, name="Lead", position=0)
    theirs = RecordFactory(name="Theirs", domain="acme.com")  # another workspace, same domain
    text = "Company,Domain,Email\nAcme,acme.com,jane@acme.com\nBeta,beta.io,bad-mail\n"
    job = wizard.import_upload(
        workspace=workspace, actor=admin.user, file_name="w.csv", data=text.encode()
    )
    # Each step queues its task once committed; the worker picks it up.
    wizard.import_configure(
        workspace=workspace,
        record_import=job,
        mapping=job.mapping,
        stage_id=stage.pk,
        owner_rule="me",
        duplicates="skip",
    )
    job = _wait_for(job, ImportStatus.PREVIEWED)
    assert (job.created_count, len(job.refused)) == (1, 1)
    wizard.import_start(workspace=workspace, record_import=job)
    job = _wait_for(job, ImportStatus.DONE)
    assert (job.created_count, job.updated_count, job.skipped_count) == (1, 0, 0)
    record = Record.objects.get(workspace=workspace)
    assert record.name == "Acme" and record.stage == stage
    assert Contact.objects.get(record=record).email == "jane@acme.com"
    assert StageTransition.objects.get(record=record).note == "imported"
    theirs.refresh_from_db()
    assert theirs.name == "Theirs" and theirs.version == 1  # not matched across workspaces
    # A redelivered task imports nothing twice.
    tasks.import_run.delay(workspace.pk, job.pk).get(timeout=60)
    assert Record.objects.filter(workspace=workspace).count() == 1
    assert RecordImport.objects.get(pk=job.pk).status == ImportStatus.DONE
