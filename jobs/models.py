"""Background jobs of a workspace, from the moment work is asked for until it ends.

A Job row is written in the same transaction as the work that asks for it (an outbox): if the
broker is down, the row waits and `jobs.tasks.relay_all` hands it to Celery once the broker is
back, so no work asked for is lost. Celery's signals then follow every workspace task (those
asked for here and the nightly ones the beat starts) through running, retrying, failing and
finishing, which is what the admins' Jobs page shows (docs/operations.md, "Jobs").
"""

import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone

from playbook.models import TenantModel


def new_celery_id() -> str:
    return str(uuid.uuid4())


class JobStatus(models.TextChoices):
    WAITING = "waiting", "Waiting for the broker"
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    RETRYING = "retrying", "Retrying"
    FAILED = "failed", "Failed"
    DONE = "done", "Done"


class Job(TenantModel):
    task = models.CharField(max_length=200)
    args = models.JSONField(default=list, blank=True)
    # The id Celery knows the run by: chosen here, so the worker's signals find this row.
    celery_id = models.CharField(max_length=64, default=new_celery_id)
    status = models.CharField(max_length=10, choices=JobStatus.choices, default=JobStatus.WAITING)
    created_at = models.DateTimeField(default=timezone.now)
    queued_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    send_attempts = models.PositiveIntegerField(default=0)
    runs = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    retried_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "celery_id"], name="job_unique_celery_id"),
        ]
        indexes = [
            models.Index(fields=["workspace", "-created_at", "-id"], name="job_ws_newest"),
            models.Index(
                fields=["workspace", "created_at"],
                name="job_ws_waiting",
                condition=Q(status="waiting"),
            ),
        ]
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.task} ({self.get_status_display()})"

    @property
    def label(self) -> str:
        """The task's name as people read it: "customers.tasks.import_run" -> "import run"."""
        return self.task.rsplit(".", 1)[-1].replace("_", " ")
