"""Settings › Jobs (admins): the workspace's background jobs, what needs attention first, with
a retry for the failed ones."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from jobs import selectors, services
from jobs.models import Job, JobStatus
from playbook.access import admin_required, get_for_workspace_or_404


@require_GET
@admin_required
def job_list(request):
    status = request.GET.get("status") or ""
    if status and status not in JobStatus.values:
        context = {"error": "Choose one of the listed states.", "statuses": JobStatus.choices}
        return render(request, "jobs/list.html", context, status=400)
    context = {
        "jobs": selectors.jobs(request.workspace, status=status),
        "counts": selectors.trouble_counts(request.workspace),
        "status": status,
        "statuses": JobStatus.choices,
        "page_size": selectors.PAGE,
    }
    return render(request, "jobs/list.html", context)


@require_POST
@admin_required
def job_retry(request, job_id):
    job = get_for_workspace_or_404(request.workspace, Job, pk=job_id)
    try:
        services.job_retry(workspace=request.workspace, job=job)
    except ValueError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"“{job.label}” will run again.")
    return redirect(reverse("jobs:list", args=[request.workspace.slug]))
