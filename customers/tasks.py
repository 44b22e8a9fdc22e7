"""Celery tasks of the customers app: ids in, a service does the work (workspace_id first)."""

from celery import shared_task

from customers import services
from playbook.models import Workspace
from playbook.tenancy import workspace_task


@shared_task
@workspace_task
def renewal_alerts(workspace_id: int) -> dict:
    workspace = Workspace.objects.get(pk=workspace_id)
    return services.renewal_job_run(workspace=workspace)


@shared_task
def renewal_alerts_all() -> int:
    """Beat entry point (daily): one task per workspace, each small and retryable."""
    ids = list(Workspace.objects.values_list("pk", flat=True))
    for workspace_id in ids:
        renewal_alerts.delay(workspace_id)
    return len(ids)


@shared_task
@workspace_task
def health_recompute(workspace_id: int) -> int:
    workspace = Workspace.objects.get(pk=workspace_id)
    return services.health_recompute(workspace=workspace)


@shared_task
def health_recompute_all() -> int:
    """Beat entry point (nightly): engagement recency and renewal windows age every day."""
    ids = list(Workspace.objects.values_list("pk", flat=True))
    for workspace_id in ids:
        health_recompute.delay(workspace_id)
    return len(ids)
