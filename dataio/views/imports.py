"""/w/<slug>/records/import/: the CSV import wizard (admins, leaders, marketing). Upload, then
one page per import that follows it: choose the columns, see the preview, watch the progress,
read the result, undo."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dataio import selectors
from dataio.forms import ConfigureForm, UploadForm
from dataio.models import ImportStatus
from dataio.services import undo, wizard
from pipeline.models import StageDefinition
from playbook.access import require_roles
from playbook.csvio import csv_response
from playbook.forms import apply_service_error
from records.models import CustomFieldDefinition
from records.permissions import IMPORTERS
from records.views.common import is_partial

importers = require_roles(*IMPORTERS)


def _job_url(request, job) -> str:
    return reverse("dataio:import_job", args=[request.workspace.slug, job.pk])


@require_http_methods(["GET", "POST"])
@importers
def import_upload(request):
    form = UploadForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                data = upload.read(wizard.MAX_BYTES + 1)
                job = wizard.import_upload(
                    workspace=request.workspace,
                    actor=request.user,
                    file_name=upload.name,
                    data=data,
                )
            except ValidationError as exc:
                form.add_error("file", exc)
            else:
                return redirect(_job_url(request, job))
    context = {"form": form, "recent": selectors.recent_imports(request.workspace)}
    return render(request, "dataio/upload.html", context, status=status)


def _configure_form(request, job, data=None):
    workspace = request.workspace
    definitions = list(CustomFieldDefinition.objects.of(workspace).order_by("position", "id"))
    stages = list(
        StageDefinition.objects.of(workspace).filter(is_retired=False).order_by("position")
    )
    return ConfigureForm(
        data,
        header=job.header,
        mapping=job.mapping,
        definitions=definitions,
        stages=stages,
        initial={"stage": job.stage_id, "owner_rule": job.owner_rule, "duplicates": job.duplicates},
    )


@require_http_methods(["GET", "POST"])
@importers
def import_job(request, record_import_id):
    """The import's page: what it shows follows the import's status."""
    job = selectors.record_import(request.workspace, record_import_id)
    form, status = None, 200
    if request.method == "POST":
        form = _configure_form(request, job, request.POST)
        status = 400
        if form.is_valid():
            try:
                wizard.import_configure(
                    workspace=request.workspace,
                    record_import=job,
                    mapping=form.mapping(),
                    stage_id=form.cleaned_data["stage"],
                    owner_rule=form.cleaned_data["owner_rule"],
                    duplicates=form.cleaned_data["duplicates"],
                )
            except ValidationError as exc:
                apply_service_error(form, exc)
            else:
                return redirect(_job_url(request, job))
    elif job.status == ImportStatus.DRAFT:
        form = _configure_form(request, job)
    context = {
        "job": job,
        "form": form,
        "done": selectors.import_progress(job),
        "refused_shown": job.refused[:200],
    }
    template = "dataio/job.html#status" if is_partial(request) else "dataio/job.html"
    return render(request, template, context, status=status)


@require_POST
@importers
def import_action(request, record_import_id, action):
    job = selectors.record_import(request.workspace, record_import_id)
    try:
        if action == "start":
            wizard.import_start(workspace=request.workspace, record_import=job)
        elif action == "edit":
            wizard.import_edit(workspace=request.workspace, record_import=job)
        elif action == "undo":
            result = undo.import_undo(
                workspace=request.workspace, record_import=job, actor=request.user
            )
            messages.success(
                request,
                f"Import undone: {result['deleted']} records deleted, "
                f"{result['restored']} records restored, "
                f"{result['contacts removed']} contacts removed.",
            )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect(_job_url(request, job))


@require_GET
@importers
def import_refused(request, record_import_id):
    job = selectors.record_import(request.workspace, record_import_id)
    if not job.refused:
        return HttpResponse("No row of this import was refused.", status=404)
    name = job.file_name.removesuffix(".csv")
    return csv_response(f"{name}-refused.csv", [*job.header, "Reason"], selectors.refused_rows(job))
