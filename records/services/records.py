"""Create, edit, soft-delete and restore Records.

Edits are optimistic: the form carries the `version` it read, the row is locked and compared,
and a stale save is refused with what changed since (RecordConflict), never overwriting.
"""

import re
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Max, OuterRef, Subquery
from django.utils import timezone

from pipeline.services import record_place_in_first_stage
from playbook.audit import audit_record
from playbook.models import AuditKind, Membership, User, Workspace
from records import custom_fields as cf
from records import permissions
from records.changes import EDITABLE_FIELDS, delta_between, describe, display, field_label
from records.models import Activity, CustomFieldDefinition, Record
from records.services.icp import icp_rescore_after_commit
from records.services.ownership import owner_changed

DOMAIN_RE = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
# Everything the history keeps except the fields a person edits: checked by full_clean only
# where the form can set them.
_NOT_EDITABLE = [
    f.name for f in Record._meta.get_fields() if f.concrete and f.name not in EDITABLE_FIELDS
]


@dataclass(frozen=True)
class ConflictChange:
    label: str
    before: str  # when the editor opened the form ("" when no history tells)
    theirs: str  # saved since by someone else
    yours: str  # in the refused form


class OwnerChangeNotAllowed(ValidationError):
    """The actor may not give this record another owner (records.permissions)."""


class RecordConflict(ValidationError):
    """A save based on an old version. `changes` lists what others changed since; `current` is
    the record as saved now (its version lets the editor save again, knowingly)."""

    def __init__(self, *, current: Record, changes: list[ConflictChange]):
        super().__init__(
            "Someone else saved this record after you opened it, so your changes were not "
            "saved. Compare below; saving again keeps your values."
        )
        self.current = current
        self.changes = changes


def _definitions(workspace_id: int) -> list[CustomFieldDefinition]:
    return list(CustomFieldDefinition.objects.of(workspace_id))


def normalize_domain(raw: str) -> str:
    domain = (raw or "").strip().lower()
    domain = re.sub(r"^[a-z]+://", "", domain).split("/")[0].split("?")[0]
    domain = domain.removeprefix("www.").rstrip(".")
    if domain and not DOMAIN_RE.match(domain):
        raise ValidationError({"domain": "Enter a domain like example.com."})
    return domain


def _value(record: Record, name: str):
    return getattr(record, Record._meta.get_field(name).attname)


def _validate(record: Record, definitions, custom_updates: dict | None, base_custom: dict):
    """Check and normalise `record` in place; every problem at once, keyed by form field."""
    errors: dict[str, list] = {}

    def collect(exc: ValidationError):
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, []).extend(messages)

    record.name = (record.name or "").strip()
    if not record.name:
        errors["name"] = ["Enter the company name."]
    try:
        record.domain = normalize_domain(record.domain)
    except ValidationError as exc:
        collect(exc)
    if record.expected_arr is not None and record.expected_arr < Decimal(0):
        errors.setdefault("expected_arr", []).append("Expected ARR cannot be negative.")
    if (
        record.owner_id is not None
        and not Membership.objects.of(record.workspace_id)
        .filter(user_id=record.owner_id, is_active=True)
        .exists()
    ):
        errors.setdefault("owner", []).append("Choose an active member of this workspace.")
    try:
        record.full_clean(
            exclude=[*_NOT_EDITABLE, "owner", "name", "domain"],
            validate_unique=False,
            validate_constraints=False,
        )
    except ValidationError as exc:
        collect(exc)
    try:
        record.custom_fields = cf.merge_values(definitions, base_custom, custom_updates or {})
    except ValidationError as exc:
        collect(exc)
    if errors:
        raise ValidationError(errors)


def _check_fields(fields: dict) -> None:
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"Not editable on a record: {', '.join(sorted(unknown))}")


@transaction.atomic
def record_create(
    *,
    workspace: Workspace,
    actor: User | None,
    custom_fields: dict | None = None,
    first_contact: dict | None = None,
    stage_note: str = "",
    definitions: list[CustomFieldDefinition] | None = None,
    first_stage=None,
    **fields,
) -> Record:
    """A new Record (optionally with its first contact) placed in the first pipeline stage;
    `stage_note` goes on that first stage-history row (where the record came from).
    `definitions` (the workspace's custom fields) and `first_stage` (its first active stage),
    when the caller read them already, are not read again.

    Errors of `first_contact` come keyed "contact.<field>"."""
    _check_fields(fields)
    record = Record(workspace=workspace, created_by=actor, **fields)
    if definitions is None:
        definitions = _definitions(workspace.pk)
    _validate(record, definitions, custom_fields, {})
    record._history_user = actor
    record.save()
    if first_contact:
        from records.services.contacts import contact_create

        try:
            contact_create(record=record, actor=actor, record_is_new=True, **first_contact)
        except ValidationError as exc:
            raise ValidationError(
                {f"contact.{field}": messages for field, messages in exc.message_dict.items()}
            ) from exc
    record_place_in_first_stage(record=record, actor=actor, note=stage_note, stage=first_stage)
    if actor is not None:  # the system's creations (imports, demo data) announce nothing
        owner_changed(
            record=record,
            from_owner_id=None,
            to_owner_id=record.owner_id,
            actor=actor,
            reason="assigned",
            detail="was created with you as its owner",
        )
    icp_rescore_after_commit(workspace_id=workspace.pk, record_id=record.pk)
    return record


def _locked(record: Record) -> Record | None:
    return Record.objects.of(record.workspace_id).select_for_update().filter(pk=record.pk).first()


@transaction.atomic
def record_update(
    *,
    record: Record,
    actor: User | None,
    version: int,
    custom_fields: dict | None = None,
    **fields,
) -> Record:
    """Save the edited fields if nobody saved the record since `version` was read."""
    _check_fields(fields)
    current = _locked(record)
    if current is None or current.deleted_at is not None:
        raise ValidationError("This record was deleted meanwhile; an admin can restore it.")
    definitions = _definitions(current.workspace_id)
    if current.version != version:
        raise RecordConflict(
            current=current,
            changes=_changes_since(current, version, fields, custom_fields or {}, definitions),
        )
    before = {name: _value(current, name) for name in EDITABLE_FIELDS}
    before_custom = dict(current.custom_fields)
    for name, value in fields.items():
        setattr(current, name, value)
    if current.owner_id != before["owner"]:
        _check_owner_change(current, actor, before_owner_id=before["owner"])
    _validate(current, definitions, custom_fields, before_custom)
    changed = [name for name in EDITABLE_FIELDS if _value(current, name) != before[name]]
    if not changed and current.custom_fields == before_custom:
        return current
    current.version += 1
    current._history_user = actor
    current.save()
    if "owner" in changed:
        owner_changed(
            record=current,
            from_owner_id=before["owner"],
            to_owner_id=current.owner_id,
            actor=actor,
            reason="assigned",
            detail="is now yours",
        )
    icp_rescore_after_commit(workspace_id=current.workspace_id, record_id=current.pk)
    return current


def _check_owner_change(record: Record, actor: User | None, *, before_owner_id) -> None:
    """Ownership decides who may move and delete a record, so changing it is permissioned
    (judged on the owner before this edit); an actor of None is the system (imports, jobs)."""
    if actor is None:
        return
    membership = (
        Membership.objects.of(record.workspace_id).filter(user=actor, is_active=True).first()
    )
    before = Record(workspace_id=record.workspace_id, owner_id=before_owner_id)
    if not permissions.can_change_owner(membership, before):
        raise OwnerChangeNotAllowed({"owner": permissions.OWNER_CHANGE_REFUSED})


def _changes_since(current, version, fields, custom_updates, definitions):
    """What others changed between `version` and now, beside the refused form's values."""
    history = (
        Record.history.of(current.workspace_id)
        .filter(id=current.pk)
        .order_by("-history_date", "-history_id")
    )
    latest, seen = history.first(), history.filter(version=version).first()
    defs = {d.key: d for d in definitions}
    if latest is not None and seen is not None and latest.version == current.version:
        delta = delta_between(seen, latest)
        names = _user_names(
            [v for c in delta.changes if c.field == "owner" for v in (c.old, c.new)]
            + [getattr(fields.get("owner"), "pk", None)]
        )
        changes = [
            ConflictChange(
                label=change.label,
                before=change.old,
                theirs=change.new,
                yours=_yours(change.field, fields, custom_updates, defs, names, change.old),
            )
            for change in describe(delta, user_names=names, definitions=defs)
            if change.field in EDITABLE_FIELDS or change.field.startswith("custom_fields.")
        ]
        if changes:
            return changes
    # No history to compare with (e.g. bulk-imported rows): show where the form differs.
    names = _user_names([current.owner_id, getattr(fields.get("owner"), "pk", None)])
    changes = []
    for name in fields:
        theirs = display(name, _value(current, name), user_names=names)
        yours = _yours(name, fields, custom_updates, defs, names, theirs)
        if theirs != yours:
            changes.append(ConflictChange(field_label(name), "", theirs, yours))
    return changes


def _yours(field, fields, custom_updates, defs, names, unchanged) -> str:
    if field.startswith("custom_fields."):
        key = field.split(".", 1)[1]
        if key not in custom_updates:
            return unchanged
        try:
            return cf.display_value(defs.get(key), cf.clean_value(defs[key], custom_updates[key]))
        except (ValidationError, KeyError):
            return str(custom_updates[key])
    if field not in fields:
        return unchanged
    value = fields[field]
    if field == "owner":
        value = getattr(value, "pk", value)
    return display(field, value, user_names=names)


def _user_names(ids) -> dict[int, str]:
    ids = {i for i in ids if i}
    return {u.pk: u.display_name for u in User.objects.filter(pk__in=ids)} if ids else {}


@transaction.atomic
def record_delete(*, record: Record, actor: User | None) -> Record:
    """Soft delete: the record leaves every list and can be restored by an admin."""
    current = _locked(record)
    if current is None or current.deleted_at is not None:
        raise ValidationError("This record is already deleted.")
    current.deleted_at, current.deleted_by = timezone.now(), actor
    current.version += 1
    current._history_user = actor
    current._change_reason = "deleted"
    current.save()
    audit_record(
        workspace=current.workspace_id, actor=actor, kind=AuditKind.RECORD_DELETED, target=current
    )
    return current


@transaction.atomic
def record_restore(*, record: Record, actor: User | None) -> Record:
    current = _locked(record)
    if current is None or current.deleted_at is None:
        raise ValidationError("This record is not deleted.")
    if current.merged_into_id is not None:
        raise ValidationError(
            f"{current.name} was merged into record #{current.merged_into_id}, which has its "
            "contacts and activities now; it cannot be restored."
        )
    current.deleted_at, current.deleted_by = None, None
    current.version += 1
    current._history_user = actor
    current._change_reason = "restored"
    current.save()
    audit_record(
        workspace=current.workspace_id, actor=actor, kind=AuditKind.RECORD_RESTORED, target=current
    )
    return current


def record_touch(*, workspace_id: int, record_id: int, activities_changed: bool = False) -> None:
    """Bump updated_at (the list's default order: latest activity first) without a history
    row or a new version: a logged call must not make an open edit form stale. When its
    activities changed, last_activity_at is recomputed in the same UPDATE. Either way the ICP
    score is recomputed after commit (contacts and activities are criteria too)."""
    changes = {"updated_at": timezone.now()}
    if activities_changed:
        changes["last_activity_at"] = last_activity_subquery()
    Record.objects.of(workspace_id).filter(pk=record_id).update(**changes)
    icp_rescore_after_commit(workspace_id=workspace_id, record_id=record_id)


def last_activity_subquery() -> Subquery:
    """When a record's latest done activity was done (NULL with none), for an UPDATE of records:
    reads the record's own activities through activity_ws_timeline."""
    return Subquery(
        Activity.objects.of(OuterRef("workspace_id"))
        .filter(record_id=OuterRef("pk"), done=True)
        .order_by()
        .values("record_id")
        .annotate(last=Max("done_at"))
        .values("last")
    )


def records_last_activity_refresh(*, workspace_id: int) -> int:
    """Recompute last_activity_at of every record of a workspace (after bulk inserts of
    activities: imports, demo data); writes only the rows that differ."""
    fresh = (
        Activity.objects.of(workspace_id)
        .filter(done=True)
        .order_by()
        .values("record_id")
        .annotate(last=Max("done_at"))
    )
    select, params = fresh.query.sql_with_params()
    table = connection.ops.quote_name(Record._meta.db_table)
    distinct = "IS DISTINCT FROM" if connection.vendor == "postgresql" else "IS NOT"
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} AS r SET last_activity_at = a.last FROM {table} AS o "
            f"LEFT JOIN ({select}) AS a ON a.record_id = o.id "
            f"WHERE o.id = r.id AND r.workspace_id = %s AND o.workspace_id = %s "
            f"AND r.last_activity_at {distinct} a.last",
            [*params, workspace_id, workspace_id],
        )
        return cursor.rowcount
