"""Running an uploaded CSV import (the Celery task `customers.tasks.import_run`): one runner for
every kind of ImportJob, so the billing history and the NPS/CSAT answers share the progress
bar, the all-or-nothing outcome and the redelivery guard."""

from django.core.exceptions import ValidationError
from django.utils import timezone

from customers.models import ImportJob, ImportStatus
from customers.services.imports import subscriptions_import
from customers.services.surveys import surveys_import

# ImportJob.kind -> the service that imports its text: (workspace, text, actor, progress) in,
# ValidationError listing every bad row out (nothing saved), else a result whose str() is the
# summary shown on the job's page.
IMPORTERS = {
    "subscriptions": subscriptions_import,
    "surveys": surveys_import,
}


def import_job_run(*, workspace, job_id: int) -> None:
    """Run an uploaded import: progress and outcome are saved on the job, each in its own small
    transaction so the progress bar sees them while the import runs."""
    job = ImportJob.objects.of(workspace).get(pk=job_id)
    if job.status in (ImportStatus.DONE, ImportStatus.FAILED):
        return  # a redelivered task does not import twice
    jobs = ImportJob.objects.of(workspace).filter(pk=job.pk)

    def progress(done, total):
        jobs.update(status=ImportStatus.RUNNING, done_rows=done, total_rows=total)

    try:
        result = IMPORTERS[job.kind](
            workspace=workspace, text=job.content, actor=job.created_by, progress=progress
        )
    except ValidationError as exc:
        jobs.update(status=ImportStatus.FAILED, errors=exc.messages, finished_at=timezone.now())
        return
    jobs.update(status=ImportStatus.DONE, summary=str(result)[:300], finished_at=timezone.now())
