"""Running a records import (and its preview, and its undo). The Celery tasks in dataio.tasks
call these; docs/data-in-out.md describes the whole flow.

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

PREVIEW_ROWS = 20
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


def _progress(job: RecordImport, done: int) -> None:
    # The import's own transaction hides its writes until it commits; the progress bar reads
    # the cache instead.
    cache.set(progress_key(job.pk), done, 3600)


def _json(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


# --- preview --------------------------------------------------------------------------------


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
        "custom": {k: _json(v) for k, v in row.custom.items()},
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
        _progress(job, done)
    RecordImport.objects.of(workspace).filter(pk=job.pk).update(
        status=ImportStatus.PREVIEWED,
        preview=preview,
        refused=refused,
        total_rows=done,
        created_count=counts[CREATE],
        updated_count=counts[UPDATE],
        skipped_count=counts[SKIP],
    )


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
        _progress(job, done)
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
    _rescore_after_commit(workspace.pk, run.touched)


def _rescore_after_commit(workspace_id: int, ids) -> None:
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
            log.before.setdefault(field, _json(current))
            log.after[field] = _json(value)
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


# --- undo -----------------------------------------------------------------------------------


def _from_json(field: str, value):
    if value is None:
        return None
    internal = Record._meta.get_field(field).get_internal_type()
    if internal == "DecimalField":
        return Decimal(value)
    if internal == "DateField":
        return date.fromisoformat(value)
    return value


@transaction.atomic
def import_undo(*, workspace, record_import: RecordImport, actor) -> dict:
    """Soft-delete every record the import created and put back every field it changed (when
    nobody changed it again since), remove the contacts it added to existing records and restore
    the ones it changed. Refused unless the import is done (and not undone already)."""
    job = RecordImport.objects.of(workspace).select_for_update().get(pk=record_import.pk)
    if job.status != ImportStatus.DONE:
        raise ValidationError("Only a finished import can be undone, once.")
    now = timezone.now()
    logs = ImportedRecord.objects.of(workspace).filter(record_import=job)
    deleted = (
        Record.objects.of(workspace)
        .live()
        .filter(pk__in=logs.filter(created=True).values("record_id"))
        .update(deleted_at=now, deleted_by=actor)
    )
    restored, touched = 0, set()
    changes = list(logs.filter(created=False))
    records = {
        r.pk: r for r in Record.objects.of(workspace).filter(pk__in=[c.record_id for c in changes])
    }
    contact_ids = {int(i) for c in changes for i in c.contacts_before}
    contacts = {c.pk: c for c in Contact.objects.of(workspace).filter(pk__in=contact_ids)}
    to_save, contact_fields = [], set()
    for change in changes:
        record = records.get(change.record_id)
        if record is None:
            continue
        fields = _restore_record(record, change)
        if fields:
            record._undo_fields = fields
            to_save.append(record)
            restored += 1
            touched.add(record.pk)
        for contact_id, before in change.contacts_before.items():
            contact = contacts.get(int(contact_id))
            if contact is not None:
                for f, value in before.items():
                    setattr(contact, f, value)
                    contact_fields.add(f)
    fields = sorted({f for r in to_save for f in r._undo_fields})
    for record in to_save:
        record.version += 1
        record.updated_at = now
    update_objects(Record, workspace.pk, to_save, [*fields, "version", "updated_at"])
    if contact_fields:
        update_objects(Contact, workspace.pk, list(contacts.values()), sorted(contact_fields))
    added = [pk for c in changes for pk in c.contacts_added]
    removed = Contact.objects.of(workspace).filter(pk__in=added).delete()[0] if added else 0
    RecordImport.objects.of(workspace).filter(pk=job.pk).update(
        status=ImportStatus.UNDONE, undone_at=now
    )
    result = {"deleted": deleted, "restored": restored, "contacts removed": removed}
    audit_record(
        workspace=workspace,
        actor=actor,
        kind=AuditKind.IMPORT,
        target=job,
        detail={"what": "Records CSV undone", **result},
    )
    _rescore_after_commit(workspace.pk, touched)
    return result


def _restore_record(record: Record, change: ImportedRecord) -> set[str]:
    """Put back the values the import changed, each only while it still holds what the import
    wrote (a later edit by a person wins)."""
    fields = set()
    custom = dict(record.custom_fields or {})
    for name, before in change.before.items():
        after = change.after.get(name)
        if name.startswith("custom."):
            key = name.removeprefix("custom.")
            if custom.get(key) == after:
                if before is None:
                    custom.pop(key, None)
                else:
                    custom[key] = before
                fields.add("custom_fields")
            continue
        attname = Record._meta.get_field(name).attname if name != "owner_id" else "owner_id"
        if _json(getattr(record, attname)) == after:
            value = before if name == "owner_id" else _from_json(name, before)
            setattr(record, attname, value)
            fields.add(attname)
    record.custom_fields = custom
    return fields
