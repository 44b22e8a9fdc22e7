"""Reads of data in and out, workspace first."""

from __future__ import annotations

from collections.abc import Iterator

from django.core.cache import cache

from dataio.models import ImportStatus, RecordImport
from dataio.services.run import progress_key
from playbook.access import get_for_workspace_or_404
from playbook.csvio import CsvTable


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
