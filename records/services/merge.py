"""Merging two duplicate records into one (docs/adr/0113).

The survivor keeps its own fields, stage, owner and history; its empty fields are filled from the
other record; the other's contacts and activities move to it; the other is soft-deleted and
points at it (`merged_into`). Stage history is append-only, so the other's transitions stay its
own rows: the survivor's timeline reads them through `merged_into` (records.selectors.timeline).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from playbook.audit import audit_record
from playbook.models import AuditKind, User, Workspace
from records import permissions
from records.changes import display, field_label
from records.models import Activity, ActivityKind, Contact, CustomFieldDefinition, Record
from records.services.icp import icp_rescore_after_commit
from records.services.records import last_activity_subquery

# What an empty survivor field takes from the other record. Not the owner (changing an owner is
# permissioned, ADR 0108), not the yes/no facts (False is an answer, not a gap), not the source
# (the first touch of the survivor stays its own), not stage or status (the pipeline's).
FILLED_FIELDS = (
    "domain",
    "industry",
    "employee_count",
    "country",
    "revenue_band",
    "expected_arr",
    "expected_close_date",
)

# Other apps refuse merging a record away when they hold data the merge would strand (the
# customers app: subscriptions). Each check takes (survivor, other) and returns a reason or "".
MERGE_CHECKS: list[Callable[[Record, Record], str]] = []


def register_merge_check(check: Callable[[Record, Record], str]) -> None:
    if check not in MERGE_CHECKS:
        MERGE_CHECKS.append(check)


class MergeRefused(ValidationError):
    """The two records cannot be merged this way; the message says why."""


class MergeStale(ValidationError):
    """One of the records changed after the confirmation was shown."""


@dataclass(frozen=True)
class Fill:
    field: str  # model field, or "custom_fields.<key>"
    label: str
    value: str  # as shown


def _empty(value) -> bool:
    return value is None or value == ""


def merge_fills(survivor: Record, other: Record, definitions=()) -> list[Fill]:
    """The survivor's empty fields that the other record fills, as the confirmation shows them."""
    fills = [
        Fill(name, field_label(name), display(name, getattr(other, name)))
        for name in FILLED_FIELDS
        if _empty(getattr(survivor, name)) and not _empty(getattr(other, name))
    ]
    defs = {d.key: d for d in definitions}
    for key, value in (other.custom_fields or {}).items():
        if _empty(value) or not _empty((survivor.custom_fields or {}).get(key)):
            continue
        label = defs[key].label if key in defs else key
        fills.append(Fill(f"custom_fields.{key}", label, str(value)))
    return fills


def _locked_pair(workspace_id: int, survivor_id: int, other_id: int) -> tuple[Record, Record]:
    # In id order, so two merges of the same pair cannot deadlock.
    rows = {
        r.pk: r
        for r in Record.objects.of(workspace_id)
        .select_for_update()
        .filter(pk__in=[survivor_id, other_id])
        .order_by("pk")
    }
    if survivor_id not in rows or other_id not in rows:
        raise MergeRefused("One of these records no longer exists.")
    return rows[survivor_id], rows[other_id]


def _refusal(survivor: Record, other: Record, membership) -> str:
    if survivor.deleted_at is not None:
        return f"{survivor.name} is deleted; a record cannot be merged into a deleted one."
    if other.deleted_at is not None:
        return f"{other.name} is deleted already; restore it first to merge it."
    if not permissions.can_delete_record(membership, other):
        return (
            f"Merging removes {other.name} from the lists, so only admins, leaders and its "
            "owner may merge it into another record."
        )
    for check in MERGE_CHECKS:
        reason = check(survivor, other)
        if reason:
            return reason
    return ""


@transaction.atomic
def records_merge(
    *,
    workspace: Workspace,
    survivor: Record | int,
    other: Record | int,
    actor: User | None,
    membership,
    survivor_version: int,
    other_version: int,
) -> Record:
    """Merge `other` into `survivor` (both of `workspace`), if both are still at the versions the
    confirmation showed. Returns the survivor."""
    survivor_id, other_id = getattr(survivor, "pk", survivor), getattr(other, "pk", other)
    if survivor_id == other_id:
        raise MergeRefused("A record cannot be merged with itself.")
    keep, gone = _locked_pair(workspace.pk, survivor_id, other_id)
    reason = _refusal(keep, gone, membership)
    if reason:
        raise MergeRefused(reason)
    if keep.version != int(survivor_version) or gone.version != int(other_version):
        raise MergeStale(
            "One of the two records changed after you opened this page. Compare them again "
            "below, then confirm."
        )
    now = timezone.now()
    definitions = list(CustomFieldDefinition.objects.of(workspace))
    fills = merge_fills(keep, gone, definitions)

    # Contacts: the survivor's primary contact stays primary (one per record).
    contacts = Contact.objects.of(workspace).filter(record=gone)
    if Contact.objects.of(workspace).filter(record=keep, is_primary=True).exists():
        contacts.filter(is_primary=True).update(is_primary=False)
    contacts_moved = contacts.update(record=keep)
    activities_moved = Activity.objects.of(workspace).filter(record=gone).update(record=keep)

    gone.deleted_at, gone.deleted_by, gone.merged_into = now, actor, keep
    gone.version += 1
    gone._history_user = actor
    gone._change_reason = f"merged into #{keep.pk}"[:100]
    gone.save()

    for fill in fills:
        if fill.field.startswith("custom_fields."):
            key = fill.field.split(".", 1)[1]
            keep.custom_fields = {**(keep.custom_fields or {}), key: gone.custom_fields[key]}
        else:
            setattr(keep, fill.field, getattr(gone, fill.field))
    keep.version += 1
    keep._history_user = actor
    keep._change_reason = f"merged with #{gone.pk}"[:100]
    keep.save()

    lines = [
        f"{gone.name} (#{gone.pk}) was merged into this record: "
        f"{contacts_moved} contact{'s' if contacts_moved != 1 else ''} and "
        f"{activities_moved} activit{'ies' if activities_moved != 1 else 'y'} moved here.",
    ]
    if fills:
        lines.append("Filled from it: " + ", ".join(f"{f.label} ({f.value})" for f in fills) + ".")
    lines.append("Its stage history shows on this timeline; it stays its own.")
    Activity.objects.create(
        workspace=workspace,
        record=keep,
        kind=ActivityKind.NOTE,
        subject=f"Merged with {gone.name}"[:200],
        body="\n".join(lines),
        occurred_at=now,
        done=True,
        done_at=now,
        actor=actor,
    )
    # The moved activities may carry a later "last activity" than the survivor's own.
    Record.objects.of(workspace).filter(pk=keep.pk).update(
        last_activity_at=last_activity_subquery()
    )
    audit_record(
        workspace=workspace,
        actor=actor,
        kind=AuditKind.RECORD_MERGED,
        target=keep,
        detail={
            "merged_away": f"{gone.name} (#{gone.pk})",
            "contacts_moved": contacts_moved,
            "activities_moved": activities_moved,
            "filled": ", ".join(f.label for f in fills) or "nothing",
        },
    )
    icp_rescore_after_commit(workspace_id=workspace.pk, record_id=keep.pk)
    return keep
