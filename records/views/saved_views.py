"""Saved views and the column chooser of the records list.

What the list reads (ListState): `?view=<id>` alone applies the view's own query; with other
filter or sort parameters the address is what the list shows, and the view is the one it was
started from ("edited" when they differ, so it can be updated). The bare list, /records/, is
the member's role's default view; `?view=all` is the list with no view. docs/adr/0112.
"""

from dataclasses import dataclass
from urllib.parse import parse_qs

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from records import columns as cols
from records import permissions
from records.filters import OWNER_ANY, OWNER_ME, mine_by_default
from records.list_forms import EditViewForm, RoleDefaultsForm, SaveViewForm
from records.models import SavedView
from records.selectors import saved_views as selectors
from records.selectors.records import custom_field_definitions
from records.services import saved_views as services
from records.views.common import query_string, render_page, safe_next, submit

ALL = "all"  # ?view=all: the list with no view, whatever the role's default
# Parameters that do not change what the list shows: with only these, ?view=<id> applies the
# view's own query.
NOT_SHOWN = {"view", "size"}


@dataclass
class ListState:
    params: QueryDict  # the query the list reads (the view's own, or the address's)
    views: list[SavedView]  # the view menu: shared ones, then the member's own
    view: SavedView | None  # the view in use or started from
    edited: bool  # the filters, sort or columns are not the view's (any more)
    columns: list[cols.Column]
    column_keys: list[str] | None

    has_role_default: bool = False  # the member's role opens the bare list on a view

    @property
    def view_value(self) -> str:
        """What the filter form carries as `view`: the view's id; "all" for the list without one
        when the bare list would be the role's default view; else nothing."""
        if self.view:
            return str(self.view.pk)
        return ALL if self.has_role_default else ""


def _as_query(params: dict) -> QueryDict:
    query = QueryDict(mutable=True)
    for key, values in params.items():
        query.setlist(key, list(values))
    return query


def _normal(params, membership) -> dict:
    """`params` as the list reads them, for comparing a view with the address: the default
    owner filled in, "anyone" left out, paging dropped, a sort always."""
    normal = services.clean_params(params)
    if "owner" not in normal and mine_by_default(membership):
        normal["owner"] = [OWNER_ME]
    if normal.get("owner") == [OWNER_ANY]:
        del normal["owner"]
    return normal


def list_state(request, definitions) -> ListState:
    workspace, user = request.workspace, request.user
    role = request.membership.role if request.membership is not None else ""
    views = selectors.visible_views(workspace, user, role)
    asked = request.GET.get("view", "")
    view = None
    if asked and asked != ALL:
        view = selectors.view_among(views, asked)
    elif not request.GET:
        view = next((v for v in views if v.is_role_default and v.shared), None)
    if view is not None and not set(request.GET) - NOT_SHOWN:
        params = _as_query(view.params)
        params["view"] = str(view.pk)
        if request.GET.get("size"):
            params["size"] = request.GET["size"]
        edited = False
    else:
        params = request.GET
        edited = view is not None and _normal(params, request.membership) != _normal(
            view.params, request.membership
        )
    keys = selectors.chosen_columns(workspace, user, view)
    return ListState(
        params=params,
        views=views,
        view=view,
        edited=edited,
        columns=cols.resolve(keys, definitions),
        column_keys=keys,
        has_role_default=any(v.is_role_default for v in views),
    )


def column_options(state: ListState, definitions) -> list[dict]:
    """The chooser's rows: the shown columns in their order, then the others."""
    shown = [c for c in state.columns if c is not cols.NAME]
    shown_keys = {c.key for c in shown}
    hidden = [c for key, c in cols.available(definitions).items() if key not in shown_keys]
    last = len(shown) - 1
    return [
        {"column": c, "shown": True, "first": i == 0, "last": i == last}
        for i, c in enumerate(shown)
    ] + [{"column": c, "shown": False} for c in hidden]


def _list_url(request, query: str = "") -> str:
    return reverse("records:list", args=[request.workspace.slug]) + query


def _view_url(request, view) -> str:
    return _list_url(request, f"?view={view.pk}")


def _posted_query(form) -> QueryDict:
    """The list's query the save form carried (the address of what was on screen)."""
    raw = (form.cleaned_data.get("query") or "").lstrip("?")
    return _as_query(parse_qs(raw, keep_blank_values=False))


def _visible(request, view_id) -> SavedView:
    return selectors.visible_view(request.workspace, request.user, view_id)


def _current_columns(request, view) -> list[str]:
    definitions = custom_field_definitions(request.workspace)
    keys = selectors.chosen_columns(request.workspace, request.user, view)
    return [c.key for c in cols.resolve(keys, definitions)[1:]]


@require_POST
def view_create(request):
    """Save as a view: the query on screen, with the columns on screen."""
    form = SaveViewForm(request.POST)
    fallback = safe_next(request, _list_url(request))
    if not form.is_valid():
        messages.error(request, "Give the view a name (up to 80 characters).")
        return redirect(fallback)
    query = _posted_query(form)
    started_from = None
    if query.get("view") and query.get("view") != ALL:
        started_from = _visible(request, query["view"])
    view = submit(
        form,
        services.saved_view_create,
        workspace=request.workspace,
        member=request.membership,
        params=query,
        columns=_current_columns(request, started_from),
    )
    if view is None:
        messages.error(request, " ".join(form.errors.get("name") or form.non_field_errors()))
        return redirect(fallback)
    messages.success(request, f"View “{view.name}” saved.")
    return redirect(_view_url(request, view))


@require_POST
def view_update(request, view_id):
    """Update the view with the filters and sort on screen (and the columns shown)."""
    view = _visible(request, view_id)
    form = SaveViewForm({"name": view.name, "query": request.POST.get("query", "")})
    form.is_valid()
    services.saved_view_update(
        view=view,
        member=request.membership,
        params=_posted_query(form),
        columns=_current_columns(request, view),
    )
    messages.success(request, f"View “{view.name}” updated.")
    return redirect(_view_url(request, view))


@require_http_methods(["GET", "POST"])
def view_edit(request, view_id):
    """Rename a view, share it or make it private; delete it."""
    view = _visible(request, view_id)
    if not permissions.can_change_view(request.membership, view):
        raise PermissionDenied("Only the view's owner (or an admin, for a shared view) may.")
    initial = {"name": view.name, "shared": view.shared}
    if request.method == "POST":
        form = EditViewForm(request.POST, initial=initial)
        if submit(form, services.saved_view_rename, view=view, member=request.membership):
            messages.success(request, f"View “{view.name}” saved.")
            return redirect(_view_url(request, view))
        status = 400
    else:
        form, status = EditViewForm(initial=initial), 200
    context = {"form": form, "view": view}
    return render(request, "records/view_edit.html", context, status=status)


@require_POST
def view_delete(request, view_id):
    view = _visible(request, view_id)
    services.saved_view_delete(view=view, member=request.membership)
    messages.success(request, f"View “{view.name}” deleted.")
    return redirect(_list_url(request, f"?view={ALL}"))


def _moved(keys: list[str], move: str) -> list[str]:
    """`keys` with one moved a place: "stage:up" or "stage:down"."""
    key, _, direction = move.partition(":")
    if key not in keys:
        return keys
    i = keys.index(key)
    j = i - 1 if direction == "up" else i + 1
    if 0 <= j < len(keys):
        keys[i], keys[j] = keys[j], keys[i]
    return keys


@require_http_methods(["GET", "POST"])
def columns_choose(request):
    """The column chooser: the ticked columns, in the order the form lists them; "move" buttons
    move one column a place. Kept on the view when the member may change it, else as their own
    choice. GET draws the chooser (the form alone for htmx, which loads it when the list's
    "Columns" is opened: its labels would otherwise sit in the page beside the filters')."""
    data = request.POST if request.method == "POST" else request.GET
    view_id = data.get("view", "")
    view = _visible(request, view_id) if view_id and view_id != ALL else None
    fallback = _view_url(request, view) if view else _list_url(request, f"?view={ALL}")
    if request.method == "GET":
        definitions = custom_field_definitions(request.workspace)
        keys = selectors.chosen_columns(request.workspace, request.user, view)
        state = ListState(
            params=QueryDict(),
            views=[],
            view=view,
            edited=False,
            columns=cols.resolve(keys, definitions),
            column_keys=keys,
        )
        context = {
            "view": view,
            "view_value": str(view.pk) if view else "",
            "column_options": column_options(state, definitions),
            "next": safe_next(request, fallback),
            "own_choice": view is not None
            and not permissions.can_change_view(request.membership, view),
        }
        return render_page(request, "records/columns.html", context, partial="chooser")
    keys = _moved(list(request.POST.getlist("columns")), request.POST.get("move", ""))
    services.columns_choose(
        workspace=request.workspace, member=request.membership, view=view, columns=keys
    )
    if request.POST.get("move"):
        # Moving is done a step at a time: back to the chooser, with the list to return to.
        back = reverse("records:columns", args=[request.workspace.slug])
        query = query_string(
            QueryDict(mutable=True), view=view_id, next=safe_next(request, fallback)
        )
        return redirect(back + query)
    return redirect(safe_next(request, fallback))


@require_http_methods(["GET", "POST"])
@permissions.role_defaults_access
def role_defaults(request):
    """Settings: which shared view each role opens the records list on."""
    workspace = request.workspace
    views = [v for v in selectors.visible_views(workspace, request.user) if v.shared]
    current = selectors.role_defaults(workspace)
    form = RoleDefaultsForm(request.POST or None, views=views, current=current)
    if request.method == "POST" and form.is_valid():
        by_id = {str(v.pk): v for v in views}
        for role, view_id in form.chosen().items():
            services.role_default_set(
                workspace=workspace,
                member=request.membership,
                role=role,
                view=by_id.get(view_id),
            )
        messages.success(request, "Default views saved.")
        return redirect(reverse("records:role_defaults", args=[workspace.slug]))
    status = 400 if request.method == "POST" else 200
    return render(request, "records/role_defaults.html", {"form": form}, status=status)


def list_context(request, state: ListState) -> dict:
    """What the list page shows of its views and columns."""
    here = request.path + query_string(state.params, cursor=None).rstrip("?")
    return {
        "state": state,
        "list_columns": state.columns,
        "here": here,
        "columns_url": reverse("records:columns", args=[request.workspace.slug])
        + query_string(QueryDict(mutable=True), view=state.view_value, next=here),
        "current_query": query_string(state.params, cursor=None, size=None).lstrip("?"),
        "can_change_view": state.view is not None
        and permissions.can_change_view(request.membership, state.view),
        "can_set_role_defaults": permissions.can_set_role_defaults(request.membership),
        "save_form": SaveViewForm(),
        "all_url": _list_url(request, f"?view={ALL}&owner={OWNER_ANY}"),
    }
