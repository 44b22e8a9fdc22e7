from celery import shared_task

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
    """Compute the ICP calibration figures after a full recompute (records' icp_recomputed), so
    that the page finds them kept instead of computing them (~20 s at 1M records)."""
    from pipeline.selectors.calibration import icp_calibration
    from playbook.models import Workspace

    icp_calibration(Workspace.objects.get(pk=workspace_id))
