"""The records list, a record's page, its create/edit form, delete and restore."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from playbook.forms import apply_service_error
from records import permissions, selectors, services
from records.custom_fields import display_value
from records.filters import OWNER_ANY, RecordFilter, mine_by_default, with_default_owner
from records.forms import ActivityForm, ContactForm, RecordForm
from records.keyset import InvalidCursor, Page
from records.selectors.icp import icp_explanation, icp_fields
from records.selectors.records import merged_record
from records.views.common import query_string, render_page
from records.views.saved_views import ALL, list_context, list_state

TIMELINE_PAGE = 20


def _url(request, name, *args):
    return reverse(f"records:{name}", args=[request.workspace.slug, *args])


def _sort_columns(params, sort, descending):
    """Each sortable column's header link: the same filters, sorted by it (a click on the
    current column flips the direction)."""
    columns = {}
    for key, option in selectors.SORTS.items():
        current = option.key == sort.key
        flip = (not descending) if current else option.first_descending
        columns[key] = {
            "label": option.label,
            "url": query_string(params, sort=f"{'-' if flip else ''}{key}", cursor=None),
            "aria_sort": ("descending" if descending else "ascending") if current else None,
        }
    return columns


def _tidy_url(request) -> str | None:
    """The list's address without empty filters, the default sort or the role's default owner,
    when the request carried any (a GET form sends every field, filled or not); None when it is
    tidy already."""
    params = request.GET
    drop = {}
    # With a view, the sort stays: ?view=<id> alone means the view's own query.
    if params.get("sort") == selectors.DEFAULT_SORT_VALUE and params.get("view") in (None, "", ALL):
        drop["sort"] = None
    if params.get("owner") == OWNER_ANY and not mine_by_default(request.membership):
        drop["owner"] = None  # "Anyone" is this role's default already
    untidy = drop or any(value == "" for key in params for value in params.getlist(key))
    if not untidy:
        return None
    return request.path + query_string(params, **drop).rstrip("?")


def list_filters(request, definitions, params) -> tuple[RecordFilter, selectors.Sort, bool]:
    """The records list's filters and sort from `params` (the address's query, or the saved
    view's: ListState.params), for the page and its export."""
    workspace = request.workspace
    filterset = RecordFilter(
        with_default_owner(params, request.membership),
        queryset=selectors.live_records(workspace),
        workspace=workspace,
        definitions=definitions,
        request=request,
    )
    sort, descending = selectors.parse_sort(params.get("sort"))
    return filterset, sort, descending


@require_GET
def record_list(request):
    workspace = request.workspace
    tidy = _tidy_url(request)
    if tidy is not None and not request.htmx:
        return redirect(tidy)
    definitions = selectors.custom_field_definitions(workspace)
    state = list_state(request, definitions)
    params = state.params
    filterset, sort, descending = list_filters(request, definitions, params)
    size = selectors.clamp_page_size(params.get("size"))
    cursor = params.get("cursor") or None
    status, cursor_error = 200, ""
    if not filterset.is_valid():
        status = 400
    try:
        page = selectors.record_page(
            workspace, filterset.qs, sort=sort, descending=descending, cursor=cursor, size=size
        )
    except InvalidCursor as exc:
        page, cursor_error, status = Page(items=[], next_cursor=None), str(exc), 400
    sort_links = _sort_columns(params, sort, descending)
    context = {
        "filterset": filterset,
        "page": page,
        # No count for a common word's search (records.filters: 1.3-2 s to count at 1M records).
        "count": (
            selectors.capped_count(filterset.qs)
            if not cursor_error and not filterset.search_dense
            else None
        ),
        "sort_value": f"{'-' if descending else ''}{sort.key}",
        # The table's header: each shown column with its sort link, if it sorts.
        "headers": [(column, sort_links.get(column.sort)) for column in state.columns],
        "cursor": cursor,
        "cursor_error": cursor_error,
        "size": params.get("size") and size,
        "first_url": query_string(params, cursor=None),
        "next_url": query_string(params, cursor=page.next_cursor) if page.next_cursor else None,
        # Without a filter; "?view=all" where the bare list would open the role's default view.
        "clear_url": request.path + (f"?view={ALL}" if state.has_role_default else ""),
        "can_import": permissions.can_import(request.membership),
        "export_url": _url(request, "export") + query_string(params, cursor=None, size=None),
        "workspace_is_empty": not page.items
        and not cursor
        and not selectors.workspace_has_records(workspace),
        **list_context(request, state),
    }
    response = render_page(request, "records/list.html", context, partial="results", status=status)
    if tidy is not None:
        response["HX-Push-Url"] = tidy  # htmx puts this in the address bar, not the form's
    return response


def _split_errors(exc: ValidationError, prefix: str = "contact."):
    """A record_create error split into the record form's and the first contact's."""
    own, contact = {}, {}
    for field, messages_ in exc.message_dict.items():
        if field.startswith(prefix):
            contact[field.removeprefix(prefix)] = messages_
        else:
            own[field] = messages_
    return ValidationError(own) if own else None, ValidationError(contact) if contact else None


@require_http_methods(["GET", "POST"])
def record_create(request):
    workspace = request.workspace
    definitions = selectors.custom_field_definitions(workspace)
    members = selectors.active_members(workspace)
    data = request.POST if request.method == "POST" else None
    form = RecordForm(
        data, members=members, definitions=definitions, initial={"owner": request.user.pk}
    )
    contact_form = ContactForm(data, prefix="contact")
    if request.method == "POST":
        wants_contact = contact_form.has_any_value()
        forms_valid = form.is_valid() & (contact_form.is_valid() if wants_contact else True)
        if forms_valid:
            try:
                record = services.record_create(
                    workspace=workspace,
                    actor=request.user,
                    first_contact=contact_form.service_kwargs() if wants_contact else None,
                    **form.service_kwargs(),
                )
            except ValidationError as exc:
                own, contact = _split_errors(exc)
                if own:
                    apply_service_error(form, own)
                if contact:
                    apply_service_error(contact_form, contact)
            else:
                messages.success(request, f"{record.name} created.")
                return redirect(_url(request, "detail", record.pk))
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "contact_form": contact_form, "creating": True}
    return render(request, "records/form.html", context, status=status)


@require_http_methods(["GET", "POST"])
def record_edit(request, record_id):
    workspace = request.workspace
    record = selectors.record_detail(workspace, record_id)
    definitions = selectors.custom_field_definitions(workspace)
    members = selectors.active_members(workspace)
    kwargs = {
        "members": members,
        "definitions": definitions,
        "record": record,
        "owner_locked": not permissions.can_change_owner(request.membership, record),
    }
    conflict = None
    if request.method == "POST":
        form = RecordForm(request.POST, **kwargs)
        if form.is_valid() and form.cleaned_data.get("version") is None:
            form.add_error(None, "This form is out of date. Reload the page and edit again.")
        if form.is_valid():
            try:
                services.record_update(
                    record=record,
                    actor=request.user,
                    version=form.cleaned_data["version"],
                    **form.service_kwargs(),
                )
            except services.RecordConflict as exc:
                conflict = exc
                # The form keeps the editor's values; a second save, made knowingly after
                # reading the comparison, is based on the version now saved.
                data = request.POST.copy()
                data["version"] = exc.current.version
                form = RecordForm(data, **kwargs)
                form.is_valid()
            except ValidationError as exc:
                apply_service_error(form, exc)
            else:
                messages.success(request, "Changes saved.")
                return redirect(_url(request, "detail", record.pk))
        status = 409 if conflict else 400
    else:
        form, status = RecordForm(**kwargs), 200
    context = {"form": form, "record": record, "conflict": conflict, "creating": False}
    return render(request, "records/form.html", context, status=status)


def detail_context(request, record, **overrides) -> dict:
    """Everything the record page shows; views that re-render it with a form's errors pass
    that form in `overrides`."""
    workspace = request.workspace
    definitions = selectors.custom_field_definitions(workspace)
    members = selectors.active_members(workspace)
    cursor = request.GET.get("timeline") or None
    context = {
        "record": record,
        "custom_values": [
            (d.label, display_value(d, record.custom_fields.get(d.key))) for d in definitions
        ],
        "contacts": list(selectors.contacts_of(workspace, record)),
        "contact_form": ContactForm(),
        "activity_form": ActivityForm(members=members, initial={"assignee": request.user.pk}),
        # Also decides "Merge with…": merging this record away deletes it (records.views.merge).
        "can_delete": permissions.can_delete_record(request.membership, record),
        "timeline_cursor": cursor,
        "timeline_error": "",
        "icp": icp_explanation(workspace, record, fields=icp_fields(workspace, definitions)),
    }
    try:
        context["timeline"] = selectors.record_timeline(
            workspace, record, cursor=cursor, size=TIMELINE_PAGE, definitions=definitions
        )
    except InvalidCursor as exc:
        context["timeline"] = Page(items=[], next_cursor=None)
        context["timeline_error"] = str(exc)
    context.update(overrides)
    return context


@require_GET
def record_detail(request, record_id):
    try:
        record = selectors.record_detail(request.workspace, record_id)
    except Http404:
        merged = merged_record(request.workspace, record_id)
        if merged is None:
            raise
        return render(request, "records/merged.html", {"record": merged})
    context = detail_context(request, record)
    status = 400 if context["timeline_error"] else 200
    return render(request, "records/detail.html", context, status=status)


@require_GET
def record_timeline(request, record_id):
    """More of the timeline ("load more"): the entries for htmx, else the record page there."""
    workspace = request.workspace
    record = selectors.record_detail(workspace, record_id)
    cursor = request.GET.get("cursor") or None
    if not request.htmx:
        detail = _url(request, "detail", record.pk)
        return redirect(f"{detail}{query_string(request.GET, timeline=cursor, cursor=None)}")
    try:
        timeline = selectors.record_timeline(
            workspace,
            record,
            cursor=cursor,
            size=TIMELINE_PAGE,
            definitions=selectors.custom_field_definitions(workspace),
        )
    except InvalidCursor as exc:
        context = {"record": record, "timeline_error": str(exc)}
        return render(request, "records/detail.html#timeline-error", context, status=400)
    context = {"record": record, "timeline": timeline}
    return render(request, "records/detail.html#timeline-entries", context)


@require_POST
def record_delete(request, record_id):
    record = selectors.record_detail(request.workspace, record_id)
    if not permissions.can_delete_record(request.membership, record):
        raise PermissionDenied(permissions.DELETE_REFUSED)
    try:
        services.record_delete(record=record, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request, f"{record.name} deleted. An admin can restore it from Deleted records."
        )
    return redirect(_url(request, "list"))


@require_GET
@permissions.deleted_records_access
def deleted_list(request):
    try:
        page = selectors.deleted_record_page(
            request.workspace,
            cursor=request.GET.get("cursor") or None,
            size=selectors.clamp_page_size(request.GET.get("size")),
        )
        status, error = 200, ""
    except InvalidCursor as exc:
        page, status, error = Page(items=[], next_cursor=None), 400, str(exc)
    context = {
        "page": page,
        "cursor_error": error,
        "next_url": query_string(request.GET, cursor=page.next_cursor)
        if page.next_cursor
        else None,
        "first_url": query_string(request.GET, cursor=None),
        "cursor": request.GET.get("cursor"),
    }
    return render_page(request, "records/deleted.html", context, partial="rows", status=status)


@require_POST
@permissions.deleted_records_access
def record_restore(request, record_id):
    record = selectors.deleted_record(request.workspace, record_id)
    try:
        services.record_restore(record=record, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"{record.name} restored.")
    return redirect(_url(request, "deleted"))
