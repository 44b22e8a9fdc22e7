from celery import shared_task
from django.core.cache import cache
from django.db import transaction

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
    """Queue a refresh after commit unless one is queued already; True when this call queued it."""
    key = services.calibration_queued_key(workspace_id)
    if not cache.add(key, 1, services.QUEUED_SECONDS):
        return False
    transaction.on_commit(lambda: icp_calibration_refresh.delay(workspace_id))
    return True
