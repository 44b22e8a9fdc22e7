"""The preview of a records import: the whole file planned as the import will plan it
(dataio/services/plan.py), nothing written."""

from __future__ import annotations

from dataio.models import ImportStatus, RecordImport
from dataio.services.plan import CREATE, SKIP, UPDATE, PlannedRow, plan_batches
from dataio.services.run import json_value, report_progress

PREVIEW_ROWS = 20


def preview_row(row: PlannedRow, stage_name: str) -> dict:
    """One planned row as the preview table shows it."""
    return {
        "n": row.n,
        "action": row.action if not row.same_as else "contact",
        "name": row.record.get("name", ""),
        "domain": row.record.get("domain", ""),
        "country": row.record.get("country", ""),
        "stage": stage_name if row.action == CREATE else "",
        "contact": " ".join(
            filter(None, [row.contact.get("first_name"), row.contact.get("last_name")])
        ),
        "email": row.contact.get("email", ""),
        "phone": row.contact.get("phone", ""),
        "custom": {k: json_value(v) for k, v in row.custom.items()},
        "same_as": row.same_as,
    }


def import_preview_run(*, workspace, import_id: int) -> None:
    """Plan the whole file without writing: the first rows as they will be saved, every
    refused row with its reason, and how many rows will be created, updated and skipped."""
    job = RecordImport.objects.of(workspace).select_related("stage").get(pk=import_id)
    if job.status != ImportStatus.PREVIEWING:
        return
    counts = {CREATE: 0, UPDATE: 0, SKIP: 0}
    preview, refused, done = [], [], 0
    stage_name = job.stage.name if job.stage else ""
    for rows, bad in plan_batches(job):
        for row in rows:
            counts[row.action] += 1
            if len(preview) < PREVIEW_ROWS:
                preview.append(preview_row(row, stage_name))
        refused.extend(bad)
        done += len(rows) + len(bad)
        report_progress(job, done)
    RecordImport.objects.of(workspace).filter(pk=job.pk).update(
        status=ImportStatus.PREVIEWED,
        preview=preview,
        refused=refused,
        total_rows=done,
        created_count=counts[CREATE],
        updated_count=counts[UPDATE],
        skipped_count=counts[SKIP],
    )
