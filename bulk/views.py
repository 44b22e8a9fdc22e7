"""Bulk actions on the records list: choose what to do, do it, and the summary.

The list's bulk bar posts the selection (ticked rows, or "all matching" with the list's filters)
and the action to `bulk:start`, which shows the action's form; posting that form with `confirm`
runs the action (or hands it to a job) and shows the summary, which polls while a job runs.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, QueryDict
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect

from bulk import permissions, selectors, services
from bulk.forms import FORMS
from bulk.models import BulkKind
from pipeline.models import StageDefinition
from records import selectors as record_selectors
from records.views.common import is_partial, render_page
from records.views.records import list_filters


class _Selection:
    def __init__(self, records, label: str, count: int, scope: str, ids, filters: str, gone=0):
        self.records, self.label, self.count = records, label, count
        self.scope, self.ids, self.filters = scope, ids, filters
        self.gone = gone  # ticked ids that name no live record of this workspace


GONE = "The ticked records no longer exist: they were deleted or merged meanwhile."


def _selection(request) -> tuple[_Selection | None, str]:
    """The records the bulk bar posted: (selection, "") or (None, why not)."""
    workspace = request.workspace
    scope = request.POST.get("scope", "selected")
    filters = request.POST.get("filters", "")
    if scope == "all":
        definitions = record_selectors.custom_field_definitions(workspace)
        filterset, _, _ = list_filters(request, definitions, params=QueryDict(filters))
        if not filterset.is_valid():
            return None, "Some filters could not be read; correct them on the list first."
        records = filterset.qs
        count = records.count()
        label = f"all {count:,} record{'s' if count != 1 else ''} matching the list's filters"
        return _Selection(records, label, count, scope, [], filters), ""
    try:
        ids = sorted({int(value) for value in request.POST.getlist("ids")})
    except ValueError as exc:
        raise Http404("No such record.") from exc
    if not ids:
        return None, "Tick at least one record, or choose “all matching”."
    records = record_selectors.live_records(workspace).filter(pk__in=ids)
    live = records.count()
    if not live:
        return None, GONE
    # A record deleted since the list was shown is skipped, not a failure of the whole
    # request; another workspace's id counts the same as a missing one (nothing revealed).
    label = f"{live} selected record{'s' if live != 1 else ''}"
    return _Selection(records, label, live, scope, ids, filters, gone=len(ids) - live), ""


def _form(request, kind, data=None):
    workspace = request.workspace
    stages = (
        StageDefinition.objects.of(workspace).filter(is_retired=False).order_by("position", "id")
    )
    return FORMS[kind](
        data, members=record_selectors.active_members(workspace), stages=stages, prefix="bulk"
    )


def _list_url(request, filters: str = "") -> str:
    url = reverse("records:list", args=[request.workspace.slug])
    return f"{url}?{filters}" if filters else url


@require_POST
def bulk_start(request):
    """Step two (the action's form) and, with `confirm`, running it."""
    kind = request.POST.get("kind", "")
    if kind == "merge":
        return _merge_two(request)
    if kind not in BulkKind.values:
        return _refuse(request, "Choose an action for the selected records.")
    selection, problem = _selection(request)
    if selection is None:
        return _refuse(request, problem)
    confirming = "confirm" in request.POST
    form = _form(request, kind, request.POST if confirming else None)
    status = 200
    if confirming:
        if form.is_valid():
            try:
                bulk = services.bulk_start(
                    workspace=request.workspace,
                    actor=request.user,
                    kind=kind,
                    params=form.params(),
                    records=selection.records,
                    selection=selection.label,
                    ticked=len(selection.ids),
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                if not bulk.in_background:
                    bulk = services.bulk_run(workspace_id=request.workspace.pk, bulk_id=bulk.pk)
                return _summary_response(request, bulk)
        status = 400
    context = {
        "form": form,
        "kind": kind,
        "kind_label": BulkKind(kind).label,
        "selection": selection,
        "list_url": _list_url(request, selection.filters),
        "in_background": selection.count > services.inline_limit(),
    }
    return render_page(request, "bulk/start.html", context, partial="panel", status=status)


def _merge_two(request):
    """Exactly two ticked records open the merge confirmation (records.views.merge)."""
    selection, problem = _selection(request)
    if selection is None:
        return _refuse(request, problem)
    if selection.scope == "all" or len(selection.ids) != 2:
        return _refuse(request, "Tick exactly two records to merge them.")
    if selection.gone:
        return _refuse(request, "One of the two ticked records no longer exists.")
    url = reverse("records:merge_confirm", args=[request.workspace.slug, *selection.ids])
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


def _refuse(request, message: str):
    context = {"problem": message, "list_url": _list_url(request, request.POST.get("filters", ""))}
    return render_page(request, "bulk/start.html", context, partial="panel", status=400)


def _summary_response(request, bulk):
    if is_partial(request):
        summary = selectors.bulk_summary(request.workspace, bulk)
        response = render_page(
            request, "bulk/summary.html", {"summary": summary}, partial="summary"
        )
        if not summary.running:
            # The list under the panel shows the records as they were: it reloads itself.
            response["HX-Trigger"] = "bulk-done"
        return response
    return redirect(reverse("bulk:detail", args=[request.workspace.slug, bulk.pk]))


@require_GET
def bulk_detail(request, bulk_id):
    """The summary: a progress bar while a job runs (htmx polls this), then which records were
    done, which were refused and why. Its author's, and admins' and leaders' (403 for others)."""
    bulk = selectors.bulk_of(request.workspace, bulk_id)
    if not permissions.can_see_bulk(request.membership, bulk):
        raise PermissionDenied("Only its author, leaders and admins can see this summary.")
    summary = selectors.bulk_summary(request.workspace, bulk)
    context = {"summary": summary, "list_url": _list_url(request)}
    response = render_page(request, "bulk/summary.html", context, partial="summary")
    if is_partial(request) and not summary.running and request.GET.get("polling"):
        response["HX-Trigger"] = "bulk-done"
    return response
