from celery import shared_task

from playbook.tenancy import fan_out, workspace_task
from records.services import icp

# A recompute of the workspace already running: try again a little later (it reruns by itself
# if the profile changed meanwhile, so a retry that finds nothing new writes nothing).
BUSY_RETRY_SECONDS = 15


@shared_task(bind=True, max_retries=40)
@workspace_task
def icp_recompute(self, workspace_id: int) -> dict:
    result = icp.icp_recompute_workspace(workspace_id=workspace_id)
    if result.busy:
        raise self.retry(countdown=BUSY_RETRY_SECONDS)
    icp.icp_recomputed.send(sender=icp_recompute, workspace_id=workspace_id)
    return {"records": result.records, "changed": result.changed}


@shared_task
def icp_recompute_all() -> int:
    """Beat entry point (nightly: engagement criteria age): one task per workspace."""
    return fan_out(icp_recompute)
