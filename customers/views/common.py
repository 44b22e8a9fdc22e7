"""What the customers views share."""

from django.urls import reverse

from customers.services import ChangeNotAllowed, StaleSubscription
from pipeline.services import MoveNotAllowed, MoveRefused, StaleRecord


def url(workspace, name: str, **kwargs) -> str:
    return reverse(name, kwargs={"workspace_slug": workspace.slug, **kwargs})


def error_status(exc) -> int:
    """422: rules unmet; 409: someone changed it first; 403: role may not; 400: bad input."""
    if isinstance(exc, MoveRefused):
        return 422
    if isinstance(exc, StaleRecord | StaleSubscription):
        return 409
    if isinstance(exc, MoveNotAllowed | ChangeNotAllowed):
        return 403
    return 400
