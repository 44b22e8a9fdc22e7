"""Celery tasks of the customers app: ids in, a service does the work (workspace_id first)."""

from celery import shared_task

from customers import services
from playbook.models import Workspace
from playbook.tenancy import fan_out, workspace_task


@shared_task
@workspace_task
def renewal_alerts(workspace_id: int) -> dict:
    workspace = Workspace.objects.get(pk=workspace_id)
    return services.renewal_job_run(workspace=workspace)


@shared_task
def renewal_alerts_all() -> int:
    """Beat entry point (daily): one task per workspace, each small and retryable."""
    return fan_out(renewal_alerts)


@shared_task
@workspace_task
def health_recompute(workspace_id: int) -> int:
    workspace = Workspace.objects.get(pk=workspace_id)
    return services.health_recompute(workspace=workspace)


@shared_task
def health_recompute_all() -> int:
    """Beat entry point (nightly): engagement recency and renewal windows age every day."""
    return fan_out(health_recompute)


@shared_task
@workspace_task
def import_run(workspace_id: int, job_id: int) -> None:
    """An uploaded CSV import of any kind (billing history, NPS/CSAT answers)."""
    workspace = Workspace.objects.get(pk=workspace_id)
    services.import_job_run(workspace=workspace, job_id=job_id)
