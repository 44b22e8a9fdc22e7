"""Celery tasks of bulk actions: ids in, a service does the work (workspace_id first)."""

from celery import shared_task

from bulk import services
from playbook.tenancy import workspace_task


@shared_task
@workspace_task
def bulk_run(workspace_id: int, bulk_id: int) -> None:
    """Do the pending records of a bulk action larger than a page; resumable (bulk.models)."""
    services.bulk_run(workspace_id=workspace_id, bulk_id=bulk_id)
