"""The one place that says who may do what, and how tenant-owned objects are looked up."""

from functools import wraps

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404

from playbook.models import Role


def get_for_workspace_or_404(workspace, queryset, **lookup):
    """An object of `workspace` or 404; another workspace's id answers like a missing one."""
    if not hasattr(queryset, "filter"):
        queryset = queryset._default_manager.all()
    # of() is a no-op on a queryset already scoped to this workspace.
    queryset = (
        queryset.of(workspace) if hasattr(queryset, "of") else queryset.filter(workspace=workspace)
    )
    try:
        return get_object_or_404(queryset, **lookup)
    except (ValueError, TypeError, OverflowError, ValidationError) as exc:
        # An id typed into a query string or form ("abc", "1e309") names nothing: 404, not 500.
        raise Http404("No such object.") from exc


def has_role(membership, *roles) -> bool:
    return membership is not None and membership.role in roles


def require_roles(*roles):
    """View decorator: the member's role must be one of `roles` (403 otherwise).

    Membership itself is already checked by WorkspaceMiddleware (404 for non-members)."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not has_role(request.membership, *roles):
                raise PermissionDenied("Your role does not allow this.")
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


admin_required = require_roles(Role.ADMIN)
