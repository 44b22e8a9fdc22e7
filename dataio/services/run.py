"""Running a records import (the preview is in preview.py, undo in undo.py). The Celery tasks in
dataio.tasks call these; docs/data-in-out.md describes the whole flow.

The import runs in one transaction: a crash or a redelivered task leaves nothing half-saved,
and a rerun plans the file again from the start. Writes are set-based per batch of rows
(records/demo.py's bulk inserts and updates): never a save() per row. Records it creates enter
the chosen stage with a stage-history row noted "imported", and every record it created or
changed is rescored (ICP) set-based once it commits. What undo needs (the records created, the
values changed and the contacts added or changed) is kept in ImportedRecord rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from itertools import cycle

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from dataio.models import ImportedRecord, ImportStatus, OwnerRule, RecordImport
from dataio.services.plan import CREATE, SKIP, UPDATE, Context, PlannedRow, plan_batches
from pipeline.models import StageDefinition, StageTransition, TransitionKind
from playbook.audit import audit_record
from playbook.models import AuditKind, Membership
from records.demo import insert_objects, insert_rows, update_objects
from records.models import Contact, Record
from records.services.icp import icp_rescore_records

RESCORE_CHUNK = 5000
CONTACT_FIELDS = [
    "first_name",
    "last_name",
    "job_title",
    "email",
    "email_valid",
    "phone_raw",
    "phone",
    "phone_valid",
]


def progress_key(job_id: int) -> str:
    return f"dataio:import:{job_id}:done"


def report_progress(job: RecordImport, done: int) -> None:
    # The import's own transaction hides its writes until it commits; the progress bar reads
    # the cache instead.
    cache.set(progress_key(job.pk), done, 3600)


def json_value(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


# --- the import -----------------------------------------------------------------------------


@dataclass
class _Run:
    job: RecordImport
    ctx: Context
    stage: StageDefinition | None
    actor_id: int | None
    now: object
    owners: object  # an iterator of owner ids for new records (the owner rule)
    created_by_row: dict  # row number -> id of the record that row created
    changed: dict  # record id -> ImportedRecord (not yet saved) of a record the import changed
    touched: set
    created: int = 0
    updated: int = 0
    skipped: int = 0


def _owners(job: RecordImport, stage, actor_id):
    if job.owner_rule == OwnerRule.NOBODY:
        return cycle([None])
    if job.owner_rule == OwnerRule.ROUND_ROBIN and stage is not None:
        members = list(
            Membership.objects.of(job.workspace_id)
            .filter(team=stage.team, is_active=True, user__is_active=True)
            .order_by("last_assigned_at", "id")
            .values_list("user_id", flat=True)
        )
        if members:
            return cycle(members)
    return cycle([actor_id])


def import_run(*, workspace, import_id: int) -> None:
    """Import a previewed file (status pending). A task redelivered after the import finished
    does nothing; one redelivered after a crash runs it again from the start."""
    job = RecordImport.objects.of(workspace).get(pk=import_id)
    if job.status not in (ImportStatus.PENDING, ImportStatus.RUNNING):
        return
    RecordImport.objects.of(workspace).filter(pk=job.pk).update(status=ImportStatus.RUNNING)
    try:
        _import(workspace, job)
    except ValidationError as exc:  # the file changed meaning (a custom field was removed...)
        RecordImport.objects.of(workspace).filter(pk=job.pk).update(
            status=ImportStatus.FAILED, error=" ".join(exc.messages)[:300]
        )


@transaction.atomic
def _import(workspace, job: RecordImport) -> None:
    stage = StageDefinition.objects.of(workspace).filter(pk=job.stage_id, is_retired=False).first()
    actor_id = job.created_by_id
    run = _Run(
        job=job,
        ctx=None,
        stage=stage,
        actor_id=actor_id,
        now=timezone.now(),
        owners=_owners(job, stage, actor_id),
        created_by_row={},
        changed={},
        touched=set(),
    )
    refused, done = [], 0
    for rows, bad in plan_batches(job):
        _write(run, rows)
        refused.extend(bad)
        done += len(rows) + len(bad)
        report_progress(job, done)
    insert_objects(ImportedRecord, list(run.changed.values()))
    RecordImport.objects.of(workspace).filter(pk=job.pk).update(
        status=ImportStatus.DONE,
        refused=refused,
        total_rows=done,
        done_rows=done,
        created_count=run.created,
        updated_count=run.updated,
        skipped_count=run.skipped,
        finished_at=timezone.now(),
    )
    audit_record(
        workspace=workspace,
        actor=job.created_by,
        kind=AuditKind.IMPORT,
        target=job,
        detail={
            "what": "Records CSV",
            "rows": done,
            "created": run.created,
            "updated": run.updated,
            "skipped": run.skipped,
            "refused": len(refused),
        },
    )
    rescore_after_commit(workspace.pk, run.touched)


def rescore_after_commit(workspace_id: int, ids) -> None:
    ids = sorted(ids)
    if not ids:
        return

    def rescore():
        for start in range(0, len(ids), RESCORE_CHUNK):
            icp_rescore_records(
                workspace_id=workspace_id, record_ids=ids[start : start + RESCORE_CHUNK]
            )

    transaction.on_commit(rescore)


def _write(run: _Run, rows: list[PlannedRow]) -> None:
    creates = [r for r in rows if r.action == CREATE]
    run.skipped += sum(1 for r in rows if r.action == SKIP)
    _create(run, creates)
    _update(run, [r for r in rows if r.action == UPDATE])


def _create(run: _Run, rows: list[PlannedRow]) -> None:
    if not rows:
        return
    ws = run.job.workspace_id
    records = []
    for row in rows:
        fields = dict(row.record)
        owner_id = next(run.owners)
        if run.job.owner_rule == OwnerRule.COLUMN and row.owner_id:
            owner_id = row.owner_id
        records.append(
            Record(
                workspace_id=ws,
                owner_id=owner_id,
                custom_fields=row.custom,
                stage=run.stage,
                stage_entered_at=run.now if run.stage else None,
                created_by_id=run.actor_id,
                **fields,
            )
        )
    insert_objects(Record, records)
    for row, record in zip(rows, records, strict=True):
        run.created_by_row[row.n] = record.pk
        run.touched.add(record.pk)
    if run.stage is not None:
        insert_rows(
            StageTransition,
            ["workspace", "record", "kind", "to_stage", "actor", "to_owner", "at", "note"],
            [
                (
                    ws,
                    r.pk,
                    TransitionKind.CREATED,
                    run.stage.pk,
                    run.actor_id,
                    r.owner_id,
                    run.now,
                    "imported",
                )
                for r in records
            ],
            copy=False,  # under row-level security (the app's role)
        )
    contacts = [
        Contact(workspace_id=ws, record_id=record.pk, is_primary=True, **row.contact)
        for row, record in zip(rows, records, strict=True)
        if row.contact
    ]
    insert_objects(Contact, contacts)
    insert_rows(
        ImportedRecord,
        [
            "workspace",
            "record_import",
            "record",
            "created",
            "before",
            "after",
            "contacts_added",
            "contacts_before",
        ],
        [(ws, run.job.pk, r.pk, True, {}, {}, [], {}) for r in records],
        copy=False,
    )
    run.created += len(records)


def _differs(policy: str, current, value) -> bool:
    if policy == "update_empty":
        return current in (None, "")
    return current != value


def _update(run: _Run, rows: list[PlannedRow]) -> None:
    if not rows:
        return
    ws, policy = run.job.workspace_id, run.job.duplicates
    ids = {r.record_id for r in rows if r.record_id}
    records = {r.pk: r for r in Record.objects.of(ws).filter(pk__in=ids)}
    contact_ids = {r.contact_id for r in rows if r.contact_id}
    contacts = {c.pk: c for c in Contact.objects.of(ws).filter(pk__in=contact_ids)}
    targets = ids | {run.created_by_row[r.same_as] for r in rows if r.same_as}
    with_primary = set(
        Contact.objects.of(ws)
        .filter(record_id__in=targets, is_primary=True)
        .values_list("record_id", flat=True)
    )
    changed_records, changed_contacts, new_contacts = {}, {}, []
    for row in rows:
        record_id = row.record_id or run.created_by_row[row.same_as]
        record = records.get(record_id)
        log = run.changed.get(record_id)
        if record is not None:
            log = log or ImportedRecord(
                workspace_id=ws, record_import_id=run.job.pk, record_id=record_id
            )
            if _update_record(record, row, policy, log):
                changed_records[record.pk] = record
        if row.contact and row.contact_id in contacts:
            contact = contacts[row.contact_id]
            before = {
                f: getattr(contact, f)
                for f in CONTACT_FIELDS
                if row.contact.get(f) not in (None, "")
                and _differs(policy, getattr(contact, f), row.contact[f])
            }
            if before and log is not None:
                log.contacts_before.setdefault(str(contact.pk), before)
                for f in before:
                    setattr(contact, f, row.contact[f])
                changed_contacts[contact.pk] = contact
        elif row.contact:
            contact = Contact(
                workspace_id=ws,
                record_id=record_id,
                is_primary=record_id not in with_primary,
                **row.contact,
            )
            with_primary.add(record_id)
            new_contacts.append((contact, log))
        if log is not None and (log.before or log.contacts_before or row.contact):
            run.changed[record_id] = log
        run.updated += 1
        run.touched.add(record_id)
    insert_objects(Contact, [c for c, _ in new_contacts])
    for contact, log in new_contacts:
        if log is not None:
            log.contacts_added.append(contact.pk)
    if changed_records:
        fields = sorted({f for r in changed_records.values() for f in r._import_fields})
        for record in changed_records.values():
            record.version += 1
            record.updated_at = run.now
        update_objects(
            Record, ws, list(changed_records.values()), [*fields, "version", "updated_at"]
        )
    if changed_contacts:
        update_objects(Contact, ws, list(changed_contacts.values()), CONTACT_FIELDS)


def _update_record(record: Record, row: PlannedRow, policy: str, log: ImportedRecord) -> bool:
    """Apply the row to the record under the duplicate policy; what changed goes in `log`."""
    changed = set(getattr(record, "_import_fields", set()))
    values = dict(row.record)
    if row.owner_id:
        values["owner_id"] = row.owner_id
    for field, value in values.items():
        current = getattr(record, field)
        if _differs(policy, current, value) and current != value:
            log.before.setdefault(field, json_value(current))
            log.after[field] = json_value(value)
            setattr(record, field, value)
            changed.add(field)
    custom = dict(record.custom_fields or {})
    for key, value in row.custom.items():
        current = custom.get(key)
        if _differs(policy, current, value) and current != value:
            log.before.setdefault(f"custom.{key}", current)
            log.after[f"custom.{key}"] = value
            custom[key] = value
            changed.add("custom_fields")
    record.custom_fields = custom
    record._import_fields = changed
    return bool(changed)
