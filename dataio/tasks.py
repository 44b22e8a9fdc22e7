"""Celery tasks of data in and out: ids in, a service does the work (workspace_id first)."""

from celery import shared_task

from dataio.services import preview, run
from playbook.models import Workspace
from playbook.tenancy import workspace_task


@shared_task
@workspace_task
def import_preview(workspace_id: int, import_id: int) -> None:
    """Check an uploaded file against its mapping: the preview and every refused row."""
    preview.import_preview_run(
        workspace=Workspace.objects.get(pk=workspace_id), import_id=import_id
    )


@shared_task
@workspace_task
def import_run(workspace_id: int, import_id: int) -> None:
    """Import a previewed file."""
    run.import_run(workspace=Workspace.objects.get(pk=workspace_id), import_id=import_id)
