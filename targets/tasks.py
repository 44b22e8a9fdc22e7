from celery import shared_task

from playbook.models import Workspace
from playbook.tenancy import fan_out, workspace_task
from targets import periods, services

# Last month can still change (backdated ledger rows, late stage moves are rare after that),
# this month changes every day; two months back covers a month-end correction.
NIGHTLY_MONTHS = 3


@shared_task
@workspace_task
def metrics_rebuild(workspace_id: int, first: int | None = None, last: int | None = None) -> int:
    """Rebuild months first..last (month indexes); by default the whole history."""
    workspace = Workspace.objects.get(pk=workspace_id)
    return services.metrics_rebuild(workspace=workspace, first=first, last=last)


@shared_task
@workspace_task
def metrics_nightly(workspace_id: int) -> int:
    """The months that can have changed: this one and the two before."""
    now = periods.today_index(Workspace.objects.get(pk=workspace_id))
    return metrics_rebuild(workspace_id, now - NIGHTLY_MONTHS + 1, now)


@shared_task
def metrics_nightly_all() -> int:
    """Beat entry point (nightly): one task per workspace, each small and retryable."""
    return fan_out(metrics_nightly)
