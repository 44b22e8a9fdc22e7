"""The import wizard's steps: upload (the file is read and its columns guessed), configure
(mapping, stage, owner rule, duplicate policy; the mapping is remembered) and preview, start.
Each queues its Celery task once the transaction commits."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from dataio import mapping as mapping_module
from dataio.models import (
    DuplicatePolicy,
    ImportColumnMemory,
    ImportStatus,
    OwnerRule,
    RecordImport,
)
from pipeline.models import StageDefinition
from playbook.csvio import read_csv
from records.models import CustomFieldDefinition

MAX_BYTES = 50 * 1024 * 1024


def _definitions(workspace):
    return list(CustomFieldDefinition.objects.of(workspace).order_by("position", "id"))


@transaction.atomic
def import_upload(*, workspace, actor, file_name: str, data: bytes) -> RecordImport:
    """A new import of `data` with its columns guessed; ValidationError when the file cannot be
    read at all (not CSV, not UTF-8, empty, no header, too many columns, too large)."""
    if len(data) > MAX_BYTES:
        raise ValidationError("The file is larger than 50 MB; split it and import each part.")
    table = read_csv(data)
    if not any(True for _ in table.rows()):
        raise ValidationError("The file has a header line but no rows.")
    first_stage = (
        StageDefinition.objects.of(workspace).filter(is_retired=False).order_by("position").first()
    )
    return RecordImport.objects.create(
        workspace=workspace,
        created_by=actor,
        file_name=(file_name or "import.csv")[:200],
        content=table.text,
        header=table.header,
        separator=table.separator,
        mapping=mapping_module.guess(workspace, table.header, _definitions(workspace)),
        stage=first_stage,
    )


@transaction.atomic
def import_configure(
    *,
    workspace,
    record_import: RecordImport,
    mapping: list[str],
    stage_id: int | None,
    owner_rule: str,
    duplicates: str,
) -> RecordImport:
    """Save the choices, remember the mapping for these column names and check the file again
    (the preview task)."""
    from dataio import tasks

    job = RecordImport.objects.of(workspace).select_for_update().get(pk=record_import.pk)
    if job.status not in (ImportStatus.DRAFT, ImportStatus.PREVIEWED):
        raise ValidationError("This import has started; its columns cannot change now.")
    valid = {t.key for t in mapping_module.targets(_definitions(workspace))}
    errors = {}
    if len(mapping) != len(job.header) or any(m and m not in valid for m in mapping):
        errors["mapping"] = "Choose a field (or “ignore”) from the list for each column."
    chosen = [m for m in mapping if m]
    if errors:
        pass
    elif len(chosen) != len(set(chosen)):
        errors["mapping"] = "Each field can take one column only."
    elif not {"record.name", "record.domain", "contact.email"} & set(chosen):
        errors["mapping"] = (
            "Map at least the company name, the domain or the contact e-mail: rows need one "
            "to be saved or matched."
        )
    stage = None
    if stage_id is not None:
        stage = StageDefinition.objects.of(workspace).filter(pk=stage_id, is_retired=False).first()
        if stage is None:
            errors["stage"] = "Choose one of the stages."
    if owner_rule not in OwnerRule.values:
        errors["owner_rule"] = "Choose one of the owner rules."
    if duplicates not in DuplicatePolicy.values:
        errors["duplicates"] = "Choose what a duplicate does."
    if errors:
        raise ValidationError(errors)
    job.mapping, job.stage, job.owner_rule, job.duplicates = mapping, stage, owner_rule, duplicates
    job.status = ImportStatus.PREVIEWING
    job.save(update_fields=["mapping", "stage", "owner_rule", "duplicates", "status"])
    for column, target in zip(job.header, mapping, strict=True):
        name = mapping_module.normalise(column)[:200]
        if name:
            ImportColumnMemory.objects.update_or_create(
                workspace=workspace, column=name, defaults={"target": target}
            )
    workspace_id, job_id = workspace.pk, job.pk
    transaction.on_commit(lambda: tasks.import_preview.delay(workspace_id, job_id))
    return job


@transaction.atomic
def import_start(*, workspace, record_import: RecordImport) -> RecordImport:
    """Queue the import of a previewed file."""
    from dataio import tasks

    job = RecordImport.objects.of(workspace).select_for_update().get(pk=record_import.pk)
    if job.status != ImportStatus.PREVIEWED:
        raise ValidationError("Check the preview first; this import is not ready to start.")
    job.status = ImportStatus.PENDING
    job.save(update_fields=["status"])
    workspace_id, job_id = workspace.pk, job.pk
    transaction.on_commit(lambda: tasks.import_run.delay(workspace_id, job_id))
    return job


@transaction.atomic
def import_edit(*, workspace, record_import: RecordImport) -> RecordImport:
    """Back from the preview to the column choices."""
    job = RecordImport.objects.of(workspace).select_for_update().get(pk=record_import.pk)
    if job.status != ImportStatus.PREVIEWED:
        raise ValidationError("This import has started; its columns cannot change now.")
    job.status = ImportStatus.DRAFT
    job.save(update_fields=["status"])
    return job
