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
