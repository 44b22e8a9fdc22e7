"""Undoing a records import: what it created is soft-deleted, what it changed is put back from
its own history (ImportedRecord)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from dataio.models import ImportedRecord, ImportStatus, RecordImport
from dataio.services.run import json_value, rescore_after_commit
from playbook.audit import audit_record
from playbook.models import AuditKind
from records.demo import update_objects
from records.models import Contact, Record


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
    rescore_after_commit(workspace.pk, touched)
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
        if json_value(getattr(record, attname)) == after:
            value = before if name == "owner_id" else _from_json(name, before)
            setattr(record, attname, value)
            fields.add(attname)
    record.custom_fields = custom
    return fields
