from celery import shared_task

from playbook import services
from playbook.models import Workspace
from playbook.tenancy import workspace_task


@shared_task
@workspace_task
def invitations_expire(workspace_id: int) -> int:
    return services.invitations_expire(workspace_id=workspace_id)


@shared_task
def invitations_expire_all() -> int:
    """Beat entry point: fan out one task per workspace, so each stays small and retryable."""
    ids = list(Workspace.objects.values_list("pk", flat=True))
    for workspace_id in ids:
        invitations_expire.delay(workspace_id)
    return len(ids)
