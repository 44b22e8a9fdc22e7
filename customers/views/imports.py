"""Admins upload billing history; a Celery job imports it while the page shows its progress."""

from django.db import transaction
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from customers import forms, tasks
from customers.models import ImportJob
from customers.views.common import url
from playbook.access import admin_required, get_for_workspace_or_404

MAX_BYTES = 50 * 1024 * 1024


@admin_required
@require_http_methods(["GET", "POST"])
def import_upload(request):
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
                        file_name=upload.name[:200],
                        content=text,
                        created_by=request.user,
                    )
                    workspace_id = request.workspace.pk
                    transaction.on_commit(
                        lambda: tasks.import_subscriptions.delay(workspace_id, job.pk)
                    )
                    return redirect(
                        url(request.workspace, "customers:import_job", import_id=job.pk)
                    )
    recent = ImportJob.objects.of(request.workspace).order_by("-created_at")[:10]
    return render(request, "customers/import.html", {"form": form, "recent": recent}, status=status)


@admin_required
@require_GET
def import_job(request, import_id):
    job = get_for_workspace_or_404(
        request.workspace, ImportJob.objects.of(request.workspace).defer("content"), pk=import_id
    )
    template = "customers/import_job.html#status" if request.htmx else "customers/import_job.html"
    return render(request, template, {"job": job})
