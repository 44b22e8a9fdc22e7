"""Celery's signals, turned into job_follow calls for every workspace task (those whose first
argument is the workspace: playbook.tenancy.workspace_task)."""

import logging

from celery import signals
from celery.exceptions import Retry

from jobs.models import JobStatus

log = logging.getLogger(__name__)


def _workspace_of(task, args, kwargs) -> int | None:
    position = getattr(getattr(task, "run", None), "workspace_arg", None)
    if position is None:
        return None
    if kwargs and "workspace_id" in kwargs:
        return kwargs["workspace_id"]
    return args[position] if args and len(args) > position else None


def _follow(task, task_id, args, kwargs, status, error="") -> None:
    """Record the run; never let the record keeping break the task itself (a run for a
    workspace deleted since it was queued has no workspace to record it in)."""
    from django.db import DatabaseError

    from jobs.services import job_follow
    from playbook.models import Workspace

    workspace_id = _workspace_of(task, args, kwargs)
    if workspace_id is None or task_id is None:
        return
    if not Workspace.objects.filter(pk=workspace_id).exists():
        return
    try:
        job_follow(
            workspace_id=workspace_id,
            celery_id=task_id,
            task=task.name,
            args=args,
            status=status,
            error=error,
        )
    except DatabaseError as exc:
        log.warning("could not record %s of task %s: %s", status, task_id, exc)


def started(sender=None, task_id=None, task=None, args=None, kwargs=None, **_):
    _follow(task, task_id, args, kwargs, JobStatus.RUNNING)


def succeeded(sender=None, **_):
    request = sender.request
    _follow(sender, request.id, request.args, request.kwargs, JobStatus.DONE)


def retrying(sender=None, request=None, reason=None, **_):
    _follow(sender, request.id, request.args, request.kwargs, JobStatus.RETRYING, str(reason))


def failed(sender=None, task_id=None, exception=None, args=None, kwargs=None, **_):
    if isinstance(exception, Retry):
        return
    error = f"{type(exception).__name__}: {exception}"
    _follow(sender, task_id, args, kwargs, JobStatus.FAILED, error)


def connect() -> None:
    signals.task_prerun.connect(started, dispatch_uid="jobs-started")
    signals.task_success.connect(succeeded, dispatch_uid="jobs-succeeded")
    signals.task_retry.connect(retrying, dispatch_uid="jobs-retrying")
    signals.task_failure.connect(failed, dispatch_uid="jobs-failed")
