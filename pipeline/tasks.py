from celery import shared_task
from django.core.cache import cache

from jobs.services import job_enqueue
from pipeline import services
from playbook.tenancy import fan_out, workspace_task


@shared_task
@workspace_task
def sla_reminders(workspace_id: int) -> int:
    return services.sla_reminders_create(workspace_id=workspace_id)


@shared_task
def sla_reminders_all() -> int:
    """Beat entry point (daily): one task per workspace, each small and retryable."""
    return fan_out(sla_reminders)


@shared_task
@workspace_task
def icp_calibration_refresh(workspace_id: int) -> None:
    """Compute and store the ICP calibration figures (~20 s at 1M records), after every full
    rescore and when the page finds none for the current profile."""
    from playbook.models import Workspace

    services.icp_calibration_refresh(workspace=Workspace.objects.get(pk=workspace_id))


def icp_calibration_request(workspace_id: int) -> bool:
    """Ask for a refresh (through the jobs outbox) unless one is asked for already; True when
    this call asked."""
    key = services.calibration_queued_key(workspace_id)
    if not cache.add(key, 1, services.QUEUED_SECONDS):
        return False
    job_enqueue(workspace=workspace_id, task=icp_calibration_refresh, args=[workspace_id])
    return True
