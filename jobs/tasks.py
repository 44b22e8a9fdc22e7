from celery import shared_task

from jobs import services
from playbook.models import Workspace


@shared_task
def relay_all() -> int:
    """Beat entry point (every minute): hand over the jobs that waited for the broker. Reads the
    workspaces (not tenant-owned), then each workspace's waiting jobs in its own scope."""
    sent = 0
    for workspace_id in Workspace.objects.values_list("pk", flat=True):
        sent += services.jobs_relay(workspace_id=workspace_id)
    return sent
