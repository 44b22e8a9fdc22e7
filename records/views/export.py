"""Export CSV of the records list: what the list shows under the same filters and sort, all of
it, streamed (docs/data-in-out.md)."""

from django.http import HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from playbook.audit import audit_export
from playbook.csvio import csv_response
from records import selectors
from records.selectors.export import export_header, export_rows
from records.views.records import list_filters
from records.views.saved_views import list_state


@require_GET
def record_export(request):
    workspace = request.workspace
    definitions = selectors.custom_field_definitions(workspace)
    # The page's own reading of the address: the same view, filters and columns.
    state = list_state(request, definitions)
    filterset, sort, descending = list_filters(request, definitions, state.params)
    if not filterset.is_valid():
        # The page leaves a bad filter out and says so; a file must not silently hold more
        # than was asked for.
        problems = "; ".join(
            f"{name}: {' '.join(errors)}" for name, errors in filterset.errors.items()
        )
        return HttpResponse(
            f"Some filters could not be read ({problems}). Fix them on the list and export again.",
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    queryset = filterset.qs
    audit_export(request, what="records", rows=queryset.count())
    rows = export_rows(workspace, queryset, sort=sort, descending=descending, columns=state.columns)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    header = export_header(state.columns)
    return csv_response(f"records-{workspace.slug}-{stamp}.csv", header, rows)
