from celery import shared_task

from pipeline import services
from playbook.models import Workspace
from playbook.tenancy import workspace_task


@shared_task
@workspace_task
def sla_reminders(workspace_id: int) -> int:
    return services.sla_reminders_create(workspace_id=workspace_id)


@shared_task
def sla_reminders_all() -> int:
    """Beat entry point (daily): one task per workspace, each small and retryable."""
    ids = list(Workspace.objects.values_list("pk", flat=True))
    for workspace_id in ids:
        sla_reminders.delay(workspace_id)
    return len(ids)
