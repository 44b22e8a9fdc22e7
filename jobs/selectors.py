"""Reads of the Jobs page, workspace first."""

from jobs.models import Job, JobStatus

PAGE = 50
# What the page shows first: what needs someone's attention.
TROUBLE = [JobStatus.FAILED, JobStatus.RETRYING, JobStatus.WAITING]


def jobs(workspace, *, status: str = "", limit: int = PAGE) -> list[Job]:
    rows = Job.objects.of(workspace)
    if status:
        rows = rows.filter(status=status)
    return list(rows.order_by("-created_at", "-id")[:limit])


def trouble_counts(workspace) -> dict[str, int]:
    """How many jobs are failed (not retried), retrying and waiting: one grouped query."""
    from django.db.models import Count, Q

    return Job.objects.of(workspace).aggregate(
        failed=Count("id", filter=Q(status=JobStatus.FAILED, retried_at__isnull=True)),
        retrying=Count("id", filter=Q(status=JobStatus.RETRYING)),
        waiting=Count("id", filter=Q(status=JobStatus.WAITING)),
    )
