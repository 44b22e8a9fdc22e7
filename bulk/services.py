"""Every write of bulk actions: ask for one, run it (in the request or as a job), finish it.

Up to BULK_INLINE_LIMIT records (one page of the list) run in the request; more run as a job
through the jobs outbox (ADR 0016) that the summary page follows. Either way each record is done
in its own transaction that also moves its BulkItem out of `pending`, so a run that dies
half-way and is run again does each record once (bulk.models).

Queries: asking costs a constant (5: the selection is copied with one INSERT ... SELECT, however
large); running costs about 12 per run and per chunk, plus a constant per record, which is the
single action's own service with the item's lock and update (19 for a move, 15 for an owner
change, 14 for a task, 13 for a delete), never one per record per field.
tests/bulk/test_queries.py holds the bounds.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Count, QuerySet
from django.utils import timezone

from bulk import actions
from bulk.models import BulkAction, BulkItem, BulkKind, BulkStatus, ItemOutcome
from jobs.services import job_enqueue
from playbook.audit import audit_record
from playbook.models import AuditKind, User, Workspace

# Records done per read of the pending items; each record still commits on its own.
CHUNK = 200


def inline_limit() -> int:
    """The most records a bulk action does in the request: one page of the list at its largest
    (settings.BULK_INLINE_LIMIT, small in tests)."""
    return settings.BULK_INLINE_LIMIT


def _copy_selection(bulk: BulkAction, records: QuerySet) -> int:
    """Write one pending item per selected record in one INSERT ... SELECT; the count."""
    select, params = records.order_by().values_list("id", flat=True).query.sql_with_params()
    table = connection.ops.quote_name(BulkItem._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (workspace_id, bulk_id, record_id, outcome, reason) "
            f"SELECT DISTINCT %s, %s, s.id, %s, '' FROM ({select}) AS s",
            [bulk.workspace_id, bulk.pk, ItemOutcome.PENDING, *params],
        )
        return cursor.rowcount


@transaction.atomic
def bulk_start(
    *,
    workspace: Workspace,
    actor: User,
    kind: str,
    params: dict,
    records: QuerySet,
    selection: str,
    ticked: int = 0,
) -> BulkAction:
    """Ask for `kind` on `records` (a queryset of the workspace's live records, as selected or
    filtered). `ticked`: how many ids the user ticked (0 for "all matching"); those of them
    that are no longer live records are counted as skipped. Small selections are left for
    the caller to run now (bulk_run); larger ones are handed to a job in this transaction."""
    if kind not in BulkKind.values:
        raise ValidationError("Choose one of the listed actions.")
    bulk = BulkAction.objects.create(
        workspace=workspace, kind=kind, params=params, actor=actor, selection=selection[:300]
    )
    total = _copy_selection(bulk, records)
    if total == 0:
        raise ValidationError("No records are selected.")
    bulk.total = total
    # Counted when the selection is copied, so a record deleted after the form was shown is
    # skipped too.
    bulk.skipped = max(ticked - total, 0)
    bulk.in_background = total > inline_limit()
    bulk.save(update_fields=["total", "skipped", "in_background"])
    if bulk.in_background:
        from bulk import tasks

        job_enqueue(workspace=workspace, task=tasks.bulk_run, args=[workspace.pk, bulk.pk])
    return bulk


def bulk_run(*, workspace_id: int, bulk_id: int, chunk: int = CHUNK) -> BulkAction:
    """Do every pending record of the bulk action, then finish it. Safe to run again, and
    alongside another run: an item is claimed under its row lock."""
    bulk = BulkAction.objects.of(workspace_id).get(pk=bulk_id)
    if bulk.status == BulkStatus.DONE:
        return bulk
    ctx = actions.context_for(bulk)
    action = actions.ACTIONS[bulk.kind]
    pending = BulkItem.objects.of(workspace_id).filter(bulk_id=bulk_id, outcome=ItemOutcome.PENDING)
    after = 0
    while True:
        ids = list(pending.filter(pk__gt=after).order_by("pk").values_list("pk", flat=True)[:chunk])
        if not ids:
            break
        for item_id in ids:
            _run_item(ctx, action, item_id)
        after = ids[-1]
    return _finish(bulk)


@transaction.atomic
def _run_item(ctx: actions.Context, action, item_id: int) -> None:
    item = (
        BulkItem.objects.of(ctx.workspace_id)
        .select_for_update()
        .filter(pk=item_id, outcome=ItemOutcome.PENDING)
        .first()
    )
    if item is None:
        return  # another run did it meanwhile
    try:
        if ctx.membership is None:
            raise ValidationError(actions.NOT_A_MEMBER)
        with transaction.atomic():
            outcome, reason = action(ctx, item.record_id)
    except ValidationError as exc:
        outcome, reason = ItemOutcome.REFUSED, " ".join(exc.messages)
    item.outcome, item.reason, item.finished_at = outcome, reason, timezone.now()
    item.save(update_fields=["outcome", "reason", "finished_at"])


def outcome_counts(workspace_id: int, bulk_id: int) -> dict[str, int]:
    rows = (
        BulkItem.objects.of(workspace_id)
        .filter(bulk_id=bulk_id)
        .values("outcome")
        .annotate(n=Count("id"))
        .order_by()
    )
    counts = dict.fromkeys(ItemOutcome.values, 0)
    counts.update({row["outcome"]: row["n"] for row in rows})
    return counts


@transaction.atomic
def _finish(bulk: BulkAction) -> BulkAction:
    """Mark done and audit, once (the conditional UPDATE decides which run does it)."""
    now = timezone.now()
    claimed = (
        BulkAction.objects.of(bulk.workspace_id)
        .filter(pk=bulk.pk, status=BulkStatus.RUNNING)
        .update(status=BulkStatus.DONE, finished_at=now)
    )
    if claimed:
        counts = outcome_counts(bulk.workspace_id, bulk.pk)
        detail = {
            "action": bulk.get_kind_display(),
            "records": bulk.total,
            "done": counts[ItemOutcome.DONE],
            "unchanged": counts[ItemOutcome.UNCHANGED],
            "refused": counts[ItemOutcome.REFUSED],
            "skipped": bulk.skipped,
            **_param_detail(bulk),
        }
        audit_record(
            workspace=bulk.workspace_id,
            actor=bulk.actor,
            kind=AuditKind.BULK_ACTION,
            target=bulk,
            detail=detail,
        )
    bulk.status, bulk.finished_at = BulkStatus.DONE, bulk.finished_at or now
    return bulk


def _param_detail(bulk: BulkAction) -> dict:
    params = bulk.params
    if bulk.kind == BulkKind.ASSIGN:
        return {"owner": params.get("owner_name", "")}
    if bulk.kind == BulkKind.MOVE:
        return {"stage": params.get("stage_name", "")}
    if bulk.kind == BulkKind.TASK:
        return {"task": params.get("title", ""), "due": params.get("due", "")}
    return {}
