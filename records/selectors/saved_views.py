"""The saved views a member sees, their role's default view, and the columns they chose."""

from django.db.models import Exists, OuterRef, Q, Subquery
from django.http import Http404

from playbook.models import Workspace
from records.models import ColumnChoice, RoleDefaultView, SavedView


def visible_views(workspace: Workspace, user, role: str = "") -> list[SavedView]:
    """The shared views and the member's own private ones: the view menu, shared first. Each
    carries, in the same query, whether it is `role`'s default (`is_role_default`) and the
    member's own column choice for it (`own_columns`, None when they made none)."""
    return list(
        SavedView.objects.of(workspace)
        .filter(Q(shared=True) | Q(owner_id=user.pk))
        .annotate(
            is_role_default=Exists(
                RoleDefaultView.objects.of(workspace).filter(role=role, view=OuterRef("pk"))
            ),
            own_columns=Subquery(
                ColumnChoice.objects.of(workspace)
                .filter(user_id=user.pk, view=OuterRef("pk"))
                .values("columns")[:1]
            ),
        )
        .order_by("-shared", "name", "id")
    )


def view_among(views: list[SavedView], view_id) -> SavedView:
    """The view of `views` (visible_views) with that id, or 404: another member's private view
    answers like one of another workspace, or one that never existed."""
    for view in views:
        if str(view.pk) == str(view_id):
            return view
    raise Http404("No such view.")


def visible_view(workspace: Workspace, user, view_id) -> SavedView:
    return view_among(visible_views(workspace, user), view_id)


def role_default_view(workspace: Workspace, role: str) -> SavedView | None:
    default = (
        RoleDefaultView.objects.of(workspace)
        .filter(role=role, view__shared=True)
        .select_related("view")
        .first()
    )
    return default.view if default else None


def role_defaults(workspace: Workspace) -> dict[str, int]:
    """role -> the id of its default view."""
    return dict(RoleDefaultView.objects.of(workspace).values_list("role", "view_id"))


def chosen_columns(workspace: Workspace, user, view: SavedView | None) -> list[str] | None:
    """The column keys the member sees: their own choice for the view (or for the list without
    one), else the view's, else None (the default set). A view of visible_views() knows the
    member's choice already."""
    if view is not None and hasattr(view, "own_columns"):
        return view.own_columns if view.own_columns is not None else view.columns
    choice = (
        ColumnChoice.objects.of(workspace)
        .filter(user_id=user.pk, view=view)
        .values_list("columns", flat=True)
        .first()
    )
    if choice is not None:
        return choice
    return view.columns if view is not None else None
