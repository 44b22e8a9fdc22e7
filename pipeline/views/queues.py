"""Work queues: the SDRs' "MQLs to qualify" and the AEs' "My pipeline"; and the printable
stage definitions."""

from dataclasses import replace
from datetime import date

from django import forms
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from pipeline import selectors
from pipeline.models import StageDefinition
from pipeline.permissions import oversees
from pipeline.selectors.queues import STALE_DAYS, DealFilters, month_bounds
from playbook.access import get_for_workspace_or_404
from playbook.audit import audit_export
from playbook.csvio import csv_response
from playbook.forms import BaseForm
from records.models import ForecastCategory


@require_GET
def mql_queue(request):
    """Records handed to Inside Sales to qualify (MQL by default): past the SLA first, then by
    ICP score. One keyset-paged list per such stage; "Only mine" narrows to the viewer's, and
    "late=1" to the records past their stage's SLA (the SDR home's SLA breaches)."""
    mine = request.GET.get("mine") == "1"
    late = request.GET.get("late") == "1"
    owners = [request.user.pk] if mine else None
    queue_stages = selectors.qualification_stages(request.workspace)
    stage_id = request.GET.get("stage")
    if stage_id is not None:
        # "Load more" of one stage's list.
        stage = get_for_workspace_or_404(
            request.workspace,
            StageDefinition.objects.of(request.workspace).filter(
                pk__in=[s.pk for s in queue_stages]
            ),
            pk=stage_id,
        )
        try:
            cursor = selectors.Cursor.decode(request.GET.get("after"))
        except ValueError as exc:
            return render(request, "pipeline/queue_mqls.html", {"error": str(exc)}, status=400)
        page = selectors.column_page(
            request.workspace,
            stage,
            owners=owners,
            cursor=cursor,
            size=selectors.QUEUE_PAGE_SIZE,
            late_only=late,
        )
        template = "pipeline/queue_mqls.html#rows" if request.htmx else "pipeline/queue_mqls.html"
        context = {"page": page, "pages": [page], "mine": mine, "late": late, "more_only": True}
        return render(request, template, context)
    pages = [
        selectors.column_page(
            request.workspace,
            stage,
            owners=owners,
            size=selectors.QUEUE_PAGE_SIZE,
            late_only=late,
        )
        for stage in queue_stages
    ]
    context = {"pages": pages, "mine": mine, "late": late}
    return render(request, "pipeline/queue_mqls.html", context)


class PipelineFilterForm(BaseForm):
    """My pipeline's filters, all in the URL (the AE home links here with them set)."""

    ALL = "all"
    owner = forms.ChoiceField(required=False)
    stage = forms.TypedChoiceField(coerce=int, required=False, empty_value=None)
    category = forms.ChoiceField(
        label="Forecast category",
        choices=[("", "Any category"), *ForecastCategory.choices],
        required=False,
    )
    closing = forms.ChoiceField(
        label="Closing",
        choices=[("", "Any time"), ("month", "This month"), ("year", "By the end of this year")],
        required=False,
    )
    stale = forms.BooleanField(label=f"No activity in {STALE_DAYS} days", required=False)

    def __init__(self, data=None, *, owners=(), stages=(), **kwargs):
        super().__init__(data, **kwargs)
        self.fields["owner"].choices = [
            ("", "Me"),
            (self.ALL, "Every seller"),
            *[(str(m.user_id), str(m.user)) for m in owners],
        ]
        self.fields["stage"].choices = [("", "Any stage"), *[(s.pk, s.name) for s in stages]]

    def filters(self, *, today) -> DealFilters:
        data = self.cleaned_data
        first, last = {
            "month": month_bounds(today),
            # What the weighted forecast counts: overdue close dates too, up to 31 December.
            "year": (None, date(today.year, 12, 31)),
        }.get(data.get("closing"), (None, None))
        return DealFilters(
            stage_id=data.get("stage"),
            category=data.get("category") or "",
            close_from=first,
            close_to=last,
            stale=bool(data.get("stale")),
        )

    def owner_id(self, user):
        """The seller whose deals to show: None for every seller."""
        value = self.cleaned_data.get("owner") or ""
        if value == self.ALL:
            return None
        return int(value) if value else user.pk


def _pipeline_filters(request):
    """My pipeline's filter form read from the query string, and the seller it shows: the page
    and its export read the same filters the same way."""
    owners = selectors.sales_owners(request.workspace) if oversees(request.membership) else []
    data = request.GET.copy()
    if not owners:
        data.pop("owner", None)  # others always see their own, whatever they ask for
    form = PipelineFilterForm(data, owners=owners, stages=selectors.deal_stages(request.workspace))
    if not form.is_valid():
        return (
            owners,
            form,
            None,
            "Check the filters: "
            + "; ".join(
                f"{form.fields[name].label or name}: {' '.join(errors)}"
                for name, errors in form.errors.items()
            ),
        )
    owner_id = form.owner_id(request.user) if owners else request.user.pk
    return owners, form, owner_id, None


@require_GET
def my_pipeline(request):
    """The viewer's open deals by close date with weighted values, filtered by stage, forecast
    category, "closing this month" and "stale". Admins and leaders may look at any seller's
    pipeline, or everyone's (?owner=all)."""
    owners, form, owner_id, error = _pipeline_filters(request)
    context = {"owners": owners, "form": form}
    if error:
        context["error"] = error
        return render(request, "pipeline/queue_pipeline.html", context, status=400)
    try:
        pipeline = selectors.my_pipeline(
            request.workspace,
            owner_id,
            cursor=request.GET.get("after"),
            filters=form.filters(today=request.workspace.today()),
        )
    except ValueError as exc:
        context["error"] = str(exc)
        return render(request, "pipeline/queue_pipeline.html", context, status=400)
    query = request.GET.copy()
    query.pop("after", None)
    context.update(
        pipeline=pipeline,
        owner_id=owner_id,
        query=query.urlencode(),
        filtered=any(request.GET.get(k) for k in ("stage", "category", "closing", "stale")),
    )
    template = (
        "pipeline/queue_pipeline.html#rows"
        if request.htmx and request.GET.get("after")
        else "pipeline/queue_pipeline.html"
    )
    return render(request, template, context)


@require_GET
def my_pipeline_export(request):
    """My pipeline as a CSV: every deal its filters select (not one page), in its order, with
    the weighted values; audited like the records list's export."""
    _owners, form, owner_id, error = _pipeline_filters(request)
    if error:
        # A file must not silently hold more than was asked for.
        return HttpResponse(
            f"{error}. Fix them on My pipeline and export again.",
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    filters = replace(form.filters(today=request.workspace.today()), owner_id=owner_id)
    audit_export(
        request, what="my pipeline", rows=selectors.deals(request.workspace, filters).count()
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return csv_response(
        f"pipeline-{request.workspace.slug}-{stamp}.csv",
        selectors.DEAL_EXPORT_HEADER,
        selectors.deal_export_rows(request.workspace, filters),
    )


@require_GET
def definitions(request):
    """The printable stage definitions: stage | definition | team | entry criteria."""
    return render(
        request, "pipeline/definitions.html", {"rows": selectors.definitions(request.workspace)}
    )
