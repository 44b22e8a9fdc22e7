"""Every write to jobs: ask for work (the outbox), hand it to the broker, follow it, retry it."""

import importlib
import logging
from datetime import timedelta

from celery import current_app
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from jobs.models import Job, JobStatus
from playbook.tenancy import workspace_scope

log = logging.getLogger(__name__)

# A job still waiting this long after it was asked for was not handed over at commit (the broker
# was down, or the process died first): the relay hands it over.
RELAY_AFTER = timedelta(seconds=30)
RELAY_BATCH = 200
# Finished jobs are kept this long for the Jobs page, then deleted by the relay.
KEEP_FINISHED = timedelta(days=30)


def job_enqueue(*, workspace, task, args: list | None = None) -> Job:
    """Ask for `task(*args)` (a Celery task or its name) in the caller's transaction: the row
    commits (or rolls back) with the work that asked for it, and is handed to the broker after
    the commit."""
    workspace_id = getattr(workspace, "pk", workspace)
    name = getattr(task, "name", task)
    job = Job.objects.create(workspace_id=workspace_id, task=name, args=list(args or []))
    transaction.on_commit(lambda: job_send(workspace_id=workspace_id, job_id=job.pk))
    return job


def job_send(*, workspace_id: int, job_id: int) -> str | None:
    """Hand a waiting job to the broker. Returns what became of it: QUEUED; WAITING (with the
    reason) when the broker cannot take it; FAILED when no task of that name exists any more (a
    job asked for before a release renamed it: waiting would never end); None when it was not
    waiting. Claimed first, so a relay and a commit never both send it."""
    with workspace_scope(workspace_id):
        now = timezone.now()
        jobs = Job.objects.of(workspace_id)
        claimed = jobs.filter(pk=job_id, status=JobStatus.WAITING).update(
            status=JobStatus.QUEUED, queued_at=now, send_attempts=F("send_attempts") + 1
        )
        if not claimed:
            return None
        job = jobs.get(pk=job_id)
        if not _task_exists(job.task):
            jobs.filter(pk=job_id).update(
                status=JobStatus.FAILED, finished_at=now, error=f"No task named {job.task}."
            )
            return JobStatus.FAILED
        try:
            hand_over(job.task, job.args, job.celery_id)
        except Exception as exc:
            log.warning("job %s could not be queued: %s", job.pk, exc)
            jobs.filter(pk=job_id, status=JobStatus.QUEUED).update(
                status=JobStatus.WAITING, queued_at=None, error=f"Broker unavailable: {exc}"[:2000]
            )
            return JobStatus.WAITING
        return JobStatus.QUEUED


def _task_exists(name: str) -> bool:
    """Whether Celery knows the task, importing its module first: a process registers a task
    only once something imported it (the worker imports them all at start)."""
    if name not in current_app.tasks:
        try:
            importlib.import_module(name.rpartition(".")[0])
        except ImportError:
            return False
    return name in current_app.tasks


def hand_over(name: str, args: list, task_id: str) -> None:
    """Give the task to Celery under the job's id. No publish retries: a request must not hang
    on a broker that is down. Through the registered task (not send_task) so that eager mode
    (CELERY_TASK_ALWAYS_EAGER, the browser tests) runs it in place."""
    current_app.tasks[name].apply_async(args=args, task_id=task_id, retry=False)


def jobs_relay(*, workspace_id: int, now=None) -> int:
    """Hand over the workspace's jobs that waited longer than RELAY_AFTER; delete finished ones
    older than KEEP_FINISHED. Returns how many were handed over."""
    now = now or timezone.now()
    with workspace_scope(workspace_id):
        waiting = list(
            Job.objects.of(workspace_id)
            .filter(status=JobStatus.WAITING, created_at__lt=now - RELAY_AFTER)
            .order_by("created_at")
            .values_list("pk", flat=True)[:RELAY_BATCH]
        )
        Job.objects.of(workspace_id).filter(
            status__in=[JobStatus.DONE, JobStatus.FAILED], finished_at__lt=now - KEEP_FINISHED
        ).delete()
    sent = 0
    for job_id in waiting:
        outcome = job_send(workspace_id=workspace_id, job_id=job_id)
        if outcome == JobStatus.WAITING:
            break  # the broker is still down: the next relay tries again
        sent += outcome == JobStatus.QUEUED
    return sent


@transaction.atomic
def job_retry(*, workspace, job: Job) -> Job:
    """Run a failed job again: a new job with the same task and arguments."""
    if job.status != JobStatus.FAILED or job.retried_at is not None:
        raise ValueError("Only a failed job that was not retried yet can be retried.")
    Job.objects.of(workspace).filter(pk=job.pk).update(retried_at=timezone.now())
    return job_enqueue(workspace=workspace, task=job.task, args=job.args)


def job_follow(
    *, workspace_id: int, celery_id: str, task: str, args, status: str, error=""
) -> None:
    """Record what the worker says of a run: started, retrying, failed or done. A run the beat
    started (not through job_enqueue) gets its row here, at its start."""
    now = timezone.now()
    with workspace_scope(workspace_id), transaction.atomic():
        rows = Job.objects.of(workspace_id).filter(celery_id=celery_id)
        if status == JobStatus.RUNNING:
            Job.objects.of(workspace_id).get_or_create(
                workspace_id=workspace_id,
                celery_id=celery_id,
                defaults={"task": task, "args": list(args or []), "queued_at": now},
            )
            rows.update(status=status, started_at=now, runs=F("runs") + 1, finished_at=None)
            return
        changes = {"status": status}
        if error:
            changes["error"] = error[:2000]
        if status in (JobStatus.FAILED, JobStatus.DONE):
            changes["finished_at"] = now
        rows.update(**changes)
