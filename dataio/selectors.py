"""Reads of data in and out, workspace first."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta

from django.core.cache import cache
from django.db.models import Count, Q
from django.db.models.functions import Lower, TruncDate
from django.utils import timezone

from dataio.models import ImportStatus, RecordImport, WebForm, WebFormSubmission
from dataio.services.run import progress_key
from playbook import tenancy
from playbook.access import get_for_workspace_or_404
from playbook.csvio import CsvTable
from records import keyset


def record_import(workspace, import_id: int) -> RecordImport:
    return get_for_workspace_or_404(
        workspace, RecordImport.objects.of(workspace).select_related("stage"), pk=import_id
    )


def recent_imports(workspace, size: int = 10):
    return (
        RecordImport.objects.of(workspace)
        .defer("content", "refused", "preview")
        .select_related("created_by")
        .order_by("-created_at")[:size]
    )


def import_progress(job: RecordImport) -> int:
    """Rows checked or imported so far (the running task's count, kept in the cache)."""
    if job.status in (ImportStatus.PREVIEWING, ImportStatus.RUNNING, ImportStatus.PENDING):
        return cache.get(progress_key(job.pk)) or 0
    return job.total_rows


def refused_rows(job: RecordImport) -> Iterator[list[str]]:
    """The refused rows as they were in the file, each with its reason last."""
    reasons = dict((n, reason) for n, reason in job.refused)
    table = CsvTable(job.content, job.separator, job.header)
    reader = table.raw_rows()
    for n, cells in reader:
        if n in reasons:
            yield [*cells, reasons[n]]


# --- web forms ------------------------------------------------------------------------------

SUBMISSIONS_PAGE = 50
_SUBMISSION_CURSOR = "dataio.webform.submissions"
_NEWEST_FIRST = keyset.Order("submitted_at", descending=True)


def webforms(workspace, *, days: int = 30) -> list[WebForm]:
    """The workspace's forms, active first, each with `recent`: its submissions in the last
    `days` days (one query for all)."""
    since = timezone.now() - timedelta(days=days)
    recent = Count("submissions", filter=Q(submissions__submitted_at__gte=since))
    return list(
        WebForm.objects.of(workspace)
        .annotate(recent=recent)
        .order_by("-is_active", Lower("name"), "id")
    )


def webform(workspace, webform_id) -> WebForm:
    return get_for_workspace_or_404(
        workspace, WebForm.objects.of(workspace).select_related("owner"), pk=webform_id
    )


def webform_by_key(key: str) -> WebForm | None:
    """The active form a public URL names, with its workspace, or None (unknown or disabled).
    The one lookup of a tenant row before its workspace is known (ADR 0017)."""
    if not key or len(key) > 64:
        return None
    with tenancy.webform_scope(key):
        return (
            WebForm.objects.by_key(key).filter(is_active=True).select_related("workspace").first()
        )


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """The instants a calendar day of the workspace's time zone starts and ends."""
    zone = timezone.get_current_timezone()
    start = datetime.combine(day, time.min, tzinfo=zone)
    return start, start + timedelta(days=1)


def submissions_per_day(webform: WebForm, *, days: int = 30) -> list[tuple[date, int]]:
    """(day, submissions) for each of the last `days` days up to today, oldest first, zeros
    included; one query through webformsub_ws_form_at."""
    today = timezone.localdate()
    first = today - timedelta(days=days - 1)
    counted = dict(
        WebFormSubmission.objects.of(webform.workspace_id)
        .filter(form=webform, submitted_at__gte=day_bounds(first)[0])
        .annotate(day=TruncDate("submitted_at", tzinfo=timezone.get_current_timezone()))
        .order_by()
        .values_list("day")
        .annotate(n=Count("id"))
        .values_list("day", "n")
    )
    days_shown = [first + timedelta(days=i) for i in range(days)]
    return [(day, counted.get(day, 0)) for day in days_shown]


def submissions(webform: WebForm, *, day: date | None = None, cursor: str | None = None):
    """One page of the form's submissions (of one day, if given), newest first, with their
    records."""
    rows = (
        WebFormSubmission.objects.of(webform.workspace_id)
        .filter(form=webform)
        .select_related("record", "contact")
    )
    if day is not None:
        start, end = day_bounds(day)
        rows = rows.filter(submitted_at__gte=start, submitted_at__lt=end)
    scope = f"{webform.pk}:{day or ''}"
    return keyset.paginate(
        rows,
        _NEWEST_FIRST,
        salt=_SUBMISSION_CURSOR,
        scope=scope,
        cursor=cursor,
        size=SUBMISSIONS_PAGE,
    )
