"""Saved views of the records list, each role's default view, and column choices.

Every function takes the acting member (their role decides what they may change) and raises
PermissionDenied for a change they may not make; bad input raises ValidationError keyed by the
form field, and nothing is saved.
"""

import re

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models.functions import Lower

from playbook.models import Membership, Role, Workspace
from playbook.validation import single_line
from records import columns as cols
from records import permissions, view_defaults
from records.models import ColumnChoice, CustomFieldDefinition, Record, RoleDefaultView, SavedView

NAME_MAX = 80
MAX_VIEWS_PER_MEMBER = 100
# The list's own parameters that are not part of what a view shows.
NOT_SAVED = {"view", "cursor", "size"}
_PARAM = re.compile(r"^[a-z][a-z0-9_]{0,79}$")
_VALUE_MAX = 200


def saved_views_install_builtin(*, workspace: Workspace) -> int:
    """The built-in shared views and role defaults the workspace lacks (records.view_defaults)."""
    stage_model = Record._meta.get_field("stage").related_model
    return view_defaults.install(
        workspace.pk, view_model=SavedView, default_model=RoleDefaultView, stage_model=stage_model
    )


def clean_params(params) -> dict[str, list[str]]:
    """The list's query as a view keeps it: filter and sort parameters with a value, each a
    list of strings as a QueryDict gives them; paging and the view itself left out. Always has
    a sort, so that reading a view never depends on the default order of the day."""
    getlist = params.getlist if hasattr(params, "getlist") else None
    cleaned = {}
    for key in params:
        if key in NOT_SAVED or not _PARAM.match(str(key)):
            continue
        values = getlist(key) if getlist else params[key]
        if not isinstance(values, list | tuple):
            values = [values]
        values = [str(v)[:_VALUE_MAX] for v in values if v not in (None, "")][:20]
        if values:
            cleaned[str(key)] = values
    cleaned.setdefault("sort", [view_defaults.DEFAULT_SORT])
    return cleaned


def _clean_name(name: str) -> str:
    name = single_line(name, field="name")
    if not name:
        raise ValidationError({"name": "Give the view a name."})
    if len(name) > NAME_MAX:
        raise ValidationError({"name": f"Keep the name under {NAME_MAX} characters."})
    return name


def _check_name_free(workspace, name: str, *, owner_id, shared: bool, exclude=None) -> None:
    """Two views one member sees side by side in the menu must not share a name: the shared
    ones among themselves, and each member's private ones among theirs."""
    same = SavedView.objects.of(workspace).annotate(lower=Lower("name")).filter(lower=name.lower())
    same = same.filter(shared=True) if shared else same.filter(shared=False, owner_id=owner_id)
    if exclude is not None:
        same = same.exclude(pk=exclude.pk)
    if same.exists():
        where = "shared view" if shared else "view of yours"
        raise ValidationError({"name": f"There is already a {where} with this name."})


def _definitions(workspace) -> list[CustomFieldDefinition]:
    return list(CustomFieldDefinition.objects.of(workspace))


@transaction.atomic
def saved_view_create(
    *,
    workspace: Workspace,
    member: Membership,
    name: str,
    shared: bool,
    params,
    columns: list[str] | None,
) -> SavedView:
    """A view of `params` (the list's current query) and `columns`, owned by the member."""
    name = _clean_name(name)
    _check_name_free(workspace, name, owner_id=member.user_id, shared=shared)
    owned = SavedView.objects.of(workspace).filter(owner_id=member.user_id).count()
    if owned >= MAX_VIEWS_PER_MEMBER:
        raise ValidationError(
            {"name": f"You have {MAX_VIEWS_PER_MEMBER} views already; delete one first."}
        )
    return SavedView.objects.create(
        workspace=workspace,
        owner_id=member.user_id,
        name=name,
        shared=bool(shared),
        params=clean_params(params),
        columns=cols.clean_keys(
            cols.DEFAULT_COLUMNS if columns is None else columns, _definitions(workspace)
        ),
    )


def _require_change(member, view) -> None:
    if not permissions.can_change_view(member, view):
        raise PermissionDenied("Only the view's owner (or an admin, if shared) may change it.")


@transaction.atomic
def saved_view_update(
    *, view: SavedView, member: Membership, params, columns: list[str] | None = None
) -> SavedView:
    """The view now shows `params` (the list's current query), and `columns` when given."""
    _require_change(member, view)
    view.params = clean_params(params)
    fields = ["params", "updated_at"]
    if columns is not None:
        view.columns = cols.clean_keys(columns, _definitions(view.workspace_id))
        fields.append("columns")
    view.save(update_fields=fields)
    return view


@transaction.atomic
def saved_view_rename(*, view: SavedView, member: Membership, name: str, shared: bool) -> SavedView:
    """A new name, and shared or private. A built-in view stays shared (it has no owner), and
    a view that is some role's default stays shared until another default is chosen."""
    _require_change(member, view)
    name = _clean_name(name)
    shared = bool(shared)
    if not shared and view.owner_id is None:
        raise ValidationError({"shared": "A built-in view is shared with everyone."})
    if not shared and view.shared:
        roles = list(
            RoleDefaultView.objects.of(view.workspace_id)
            .filter(view=view)
            .values_list("role", flat=True)
        )
        if roles:
            names = ", ".join(str(Role(r).label) for r in roles)
            raise ValidationError(
                {"shared": f"This view is the default of: {names}. Choose another default first."}
            )
    _check_name_free(view.workspace_id, name, owner_id=view.owner_id, shared=shared, exclude=view)
    view.name, view.shared = name, shared
    view.save(update_fields=["name", "shared", "updated_at"])
    return view


@transaction.atomic
def saved_view_delete(*, view: SavedView, member: Membership) -> None:
    """Deletes the view; a role whose default it was opens the list on every record again."""
    _require_change(member, view)
    view.delete()


@transaction.atomic
def role_default_set(
    *, workspace: Workspace, member: Membership, role: str, view: SavedView | None
) -> None:
    """`view` (a shared view of the workspace) becomes the role's default; None: no default
    (the role opens the list on every record, or on its own for reps)."""
    if not permissions.can_set_role_defaults(member):
        raise PermissionDenied("Only admins choose the roles' default views.")
    if role not in Role.values:
        raise ValidationError({"role": "Choose one of the roles."})
    defaults = RoleDefaultView.objects.of(workspace)
    if view is None:
        defaults.filter(role=role).delete()
        return
    if view.workspace_id != workspace.pk or not view.shared:
        raise ValidationError({f"role_{role}": "Choose a shared view: every member must see it."})
    defaults.update_or_create(workspace=workspace, role=role, defaults={"view": view})


@transaction.atomic
def columns_choose(
    *, workspace: Workspace, member: Membership, view: SavedView | None, columns: list[str]
) -> list[str]:
    """The list's columns, in order, as the member chose them: kept on the view when they may
    change it, else as their own choice for it (or for the list without a view)."""
    keys = cols.clean_keys(columns, _definitions(workspace))
    if view is not None and permissions.can_change_view(member, view):
        view.columns = keys
        view.save(update_fields=["columns", "updated_at"])
        return keys
    ColumnChoice.objects.of(workspace).update_or_create(
        workspace=workspace, user_id=member.user_id, view=view, defaults={"columns": keys}
    )
    return keys
