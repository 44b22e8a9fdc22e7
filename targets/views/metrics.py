"""The monthly metrics table with the ARR bridge, metrics.csv, and "rebuild now"."""

import csv

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET, require_POST

from jobs.services import job_enqueue
from records.views.common import render_page
from targets import metrics, periods, selectors, tasks
from targets.forms import MonthRangeForm
from targets.permissions import can_set, set_required


def _range(request):
    """(first, last) from ?from=&to=, by default the last twelve months with snapshots."""
    known = selectors.snapshot_range(request.workspace)
    last = known[1] if known else periods.today_index(request.workspace)
    form = MonthRangeForm(request.GET, default=(max(last - 11, known[0] if known else last), last))
    if not form.is_valid():
        return None, " ".join(form.non_field_errors())
    return (form.cleaned_data["first"], form.cleaned_data["last"]), ""


def _table(workspace, first: int, last: int):
    snaps = {
        periods.of_date(s.month): s for s in selectors.snapshots(workspace, first=first, last=last)
    }
    stages = next((s.stages for s in reversed(list(snaps.values())) if s.stages), [])
    columns = metrics.MRR_COLUMNS + metrics.stage_columns(stages) + metrics.FUNNEL_TAIL
    rows = [
        (periods.label(m), metrics.month_figures(snaps[m]) if m in snaps else None)
        for m in range(first, last + 1)
    ]
    return columns, rows, snaps


@require_GET
def metrics_page(request):
    span, error = _range(request)
    if span is None:
        return render_page(
            request, "targets/metrics.html", {"error": error}, partial="table", status=400
        )
    first, last = span
    columns, rows, snaps = _table(request.workspace, first, last)
    context = {
        "first": periods.label(first),
        "last": periods.label(last),
        "columns": columns,
        "rows": [
            (month, [(c, metrics.formatted(f.get(c.name), c.kind)) for c in columns] if f else None)
            for month, f in rows
        ],
        "bridge": metrics.bridge(list(snaps.values())),
        "computed_at": max((s.computed_at for s in snaps.values()), default=None),
        "can_set": can_set(request.membership),
    }
    return render_page(request, "targets/metrics.html", context, partial="table")


@require_GET
def metrics_csv(request):
    """metrics.csv?from=YYYY-MM&to=YYYY-MM: one row per month, `month` then every column."""
    span, error = _range(request)
    if span is None:
        return HttpResponse(error, status=400, content_type="text/plain; charset=utf-8")
    first, last = span
    columns, rows, _ = _table(request.workspace, first, last)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    name = f"metrics-{request.workspace.slug}-{periods.label(first)}-{periods.label(last)}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    writer = csv.writer(response, lineterminator="\n")
    writer.writerow(["month", *[c.name for c in columns]])
    for month, figures in rows:
        figures = figures or {}
        writer.writerow([month, *[metrics.formatted(figures.get(c.name), c.kind) for c in columns]])
    return response


@require_POST
@set_required
def metrics_rebuild(request):
    """Rebuild every month from the first stage-history or ledger row, in the background."""
    job_enqueue(
        workspace=request.workspace, task=tasks.metrics_rebuild, args=[request.workspace.pk]
    )
    messages.success(
        request, "Rebuilding the metrics from the whole history; reload in a minute to see them."
    )
    return redirect("targets:metrics", request.workspace.slug)
