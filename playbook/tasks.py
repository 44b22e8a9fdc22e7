from celery import shared_task

from playbook import services
from playbook.tenancy import fan_out, workspace_task


@shared_task
@workspace_task
def invitations_expire(workspace_id: int) -> int:
    return services.invitations_expire(workspace_id=workspace_id)


@shared_task
def invitations_expire_all() -> int:
    """Beat entry point: fan out one task per workspace, so each stays small and retryable."""
    return fan_out(invitations_expire)
