"""What the pipeline's views share: URLs inside the workspace, record lookup, and how a refused
move becomes an HTTP answer."""

from django.urls import reverse

from pipeline.services import MoveNotAllowed, MoveRefused, StaleRecord
from playbook.access import get_for_workspace_or_404
from records.models import Record


def url(request, name: str, **kwargs) -> str:
    return reverse(name, kwargs={"workspace_slug": request.workspace.slug, **kwargs})


def record_page_url(request, record) -> str:
    """The record's own page (Records app), where the stage panel lives."""
    return url(request, "records:detail", record_id=record.pk)


def live_record_or_404(request, record_id) -> Record:
    return get_for_workspace_or_404(
        request.workspace,
        Record.objects.of(request.workspace).live().select_related("owner"),
        pk=record_id,
    )


def refusal_status(exc) -> int:
    """422: rules unmet; 409: someone moved it first; 403: role may not; 400: anything else."""
    if isinstance(exc, MoveRefused):
        return 422
    if isinstance(exc, StaleRecord):
        return 409
    if isinstance(exc, MoveNotAllowed):
        return 403
    return 400
