"""CSV imports that run as Celery jobs while their page shows the progress: billing history
(admins) and NPS/CSAT answers (the customer teams). One upload view and one job view serve both;
what differs is in IMPORTS (who may, which template, where the job page lives)."""

from dataclasses import dataclass

from django.db import transaction
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from customers import forms, tasks
from customers.models import ImportJob
from customers.permissions import customers_change_access
from customers.views.common import url
from playbook.access import admin_required, get_for_workspace_or_404

MAX_BYTES = 50 * 1024 * 1024


@dataclass(frozen=True)
class _Import:
    kind: str  # ImportJob.kind, which the job runner dispatches on
    template: str  # the upload page
    upload_url: str  # its URL name
    job_url: str  # the job page's URL name
    job_kwarg: str  # its id parameter
    title: str  # what the job page is an import of
    upload_label: str  # the upload form's accessible name


SUBSCRIPTIONS = _Import(
    "subscriptions",
    "customers/import.html",
    "customers:import",
    "customers:import_job",
    "import_id",
    "Import billing history",
    "Upload billing history",
)
SURVEYS = _Import(
    "surveys",
    "customers/surveys_import.html",
    "customers:surveys_import",
    "customers:surveys_import_job",
    "survey_import_id",
    "Import NPS and CSAT answers",
    "Upload answers",
)


def _upload(request, spec: _Import):
    form = forms.CsvUploadForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            upload = form.cleaned_data["file"]
            if upload.size > MAX_BYTES:
                form.add_error("file", "The file is larger than 50 MB; split it by date.")
            else:
                try:
                    text = form.text()
                except forms.forms.ValidationError as exc:
                    form.add_error("file", exc)
                else:
                    job = ImportJob.objects.create(
                        workspace=request.workspace,
                        kind=spec.kind,
                        file_name=upload.name[:200],
                        content=text,
                        created_by=request.user,
                    )
                    workspace_id = request.workspace.pk
                    transaction.on_commit(lambda: tasks.import_run.delay(workspace_id, job.pk))
                    return redirect(
                        url(request.workspace, spec.job_url, **{spec.job_kwarg: job.pk})
                    )
    recent = (
        ImportJob.objects.of(request.workspace)
        .filter(kind=spec.kind)
        .defer("content")
        .order_by("-created_at")[:10]
    )
    context = {"form": form, "recent": recent, "spec": spec}
    return render(request, spec.template, context, status=status)


def _job(request, spec: _Import, job_id: int):
    jobs = ImportJob.objects.of(request.workspace).filter(kind=spec.kind).defer("content")
    job = get_for_workspace_or_404(request.workspace, jobs, pk=job_id)
    template = "customers/import_job.html#status" if request.htmx else "customers/import_job.html"
    return render(request, template, {"job": job, "spec": spec})


@admin_required
@require_http_methods(["GET", "POST"])
def import_upload(request):
    return _upload(request, SUBSCRIPTIONS)


@admin_required
@require_GET
def import_job(request, import_id):
    return _job(request, SUBSCRIPTIONS, import_id)


@customers_change_access
@require_http_methods(["GET", "POST"])
def surveys_import(request):
    return _upload(request, SURVEYS)


@customers_change_access
@require_GET
def surveys_import_job(request, survey_import_id):
    return _job(request, SURVEYS, survey_import_id)
