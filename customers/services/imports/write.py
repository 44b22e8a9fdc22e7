"""Saving a checked billing import in one transaction, set-based: new records (entering Won on
their first date), new subscriptions, the ledger rows, the subscriptions' and customers' mirrors
of the ledger, one audit event; the touched records' ICP score after the commit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from decimal import Decimal

from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone

from customers.models import (
    Customer,
    MovementAction,
    MrrMovement,
    Subscription,
    SubscriptionStatus,
)
from customers.services.imports.check import Plan
from customers.terms import add_months
from pipeline.models import StageDefinition, StageTransition, TransitionKind
from playbook.audit import audit_record
from playbook.models import AuditKind
from playbook.sql import AnyOf
from records.demo import insert_objects, insert_rows
from records.models import Record
from records.services.icp import icp_rescore_records

CUSTOMER_COLUMNS = [
    "workspace",
    "record",
    "goals",
    "stakeholders",
    "risks",
    "promises",
    "health_explanation",
    "created_at",
    "won_at",
    "mrr",
]
MOVEMENT_COLUMNS = [
    "workspace",
    "subscription",
    "record",
    "effective_on",
    "mrr",
    "action",
    "reason",
    "note",
    "actor",
    "recorded_at",
]
CHUNK = 5000


@dataclass
class ImportResult:
    rows: int
    added: int
    skipped: int
    new_subscriptions: int
    new_records: int

    def __str__(self):
        return (
            f"{self.rows} rows: {self.added} ledger rows added, {self.skipped} already there; "
            f"{self.new_subscriptions} new subscriptions, {self.new_records} new records."
        )


@transaction.atomic
def write_import(workspace, rows, plan: Plan, actor) -> ImportResult:
    existing, to_add = plan.existing, plan.to_add
    record_of_sub: dict[str, int | None] = {}
    first_of_sub = {}
    for row, record_id in zip(rows, plan.record_ids, strict=True):
        record_of_sub.setdefault(row.external_id, record_id)
        first_of_sub.setdefault(row.external_id, row)
    new_record_ids = _create_records(workspace, first_of_sub, record_of_sub, actor)
    last_of_sub = {row.external_id: row for row in to_add}  # each subscription's in date order
    new_subs = []
    for external_id, first in first_of_sub.items():
        if external_id in existing:
            continue
        months = first.term_months or 12
        sub = Subscription(
            workspace=workspace,
            record_id=record_of_sub[external_id],
            external_id=external_id,
            plan=first.plan,
            started_on=first.day,
            term_months=months,
            term_end=add_months(first.day, months),
            auto_renew=True,
        )
        # A new subscription's state is its last row of the file: no UPDATE afterwards.
        _mirror(sub, last_of_sub[external_id].day, last_of_sub[external_id].mrr)
        new_subs.append(sub)
    insert_objects(Subscription, new_subs)
    subs = {**existing, **{s.external_id: s for s in new_subs}}
    now, actor_id = timezone.now(), getattr(actor, "pk", None)
    insert_rows(
        MrrMovement,
        MOVEMENT_COLUMNS,
        [
            (
                workspace.pk,
                subs[row.external_id].pk,
                subs[row.external_id].record_id,
                row.day,
                row.mrr,
                MovementAction.IMPORT,
                "",
                "",
                actor_id,
                now,
            )
            for row in to_add
        ],
        copy=False,  # under row-level security (the app's role)
    )
    touched = {r.external_id for r in to_add}
    _refresh_subscriptions(workspace, [existing[e] for e in touched if e in existing])
    _refresh_customers(workspace, first_of_sub, subs, new_record_ids)
    result = ImportResult(
        rows=len(rows),
        added=len(to_add),
        skipped=plan.skipped,
        new_subscriptions=len(new_subs),
        new_records=len(new_record_ids),
    )
    audit_import(
        workspace=workspace,
        actor=actor,
        label="Billing history",
        counts={
            "rows": result.rows,
            "ledger rows added": result.added,
            "already there": result.skipped,
            "new subscriptions": result.new_subscriptions,
            "new records": result.new_records,
        },
    )
    # Records the import created or gave rows get their ICP score, set-based, once committed
    # (records created here have none yet).
    rescore = sorted({subs[row.external_id].record_id for row in to_add})
    if rescore:
        workspace_id = workspace.pk
        transaction.on_commit(
            lambda: icp_rescore_records(workspace_id=workspace_id, record_ids=rescore)
        )
    return result


def audit_import(*, workspace, actor, label: str, counts: dict) -> None:
    """One audit event per import (not one per row) with its counts, written in the import's
    transaction: no event without its rows, and none for a refused file."""
    audit_record(
        workspace=workspace,
        actor=actor,
        kind=AuditKind.IMPORT,
        target_label=label,
        detail={"what": label, **counts},
    )


def _create_records(workspace, first_of_sub, record_of_sub, actor) -> set[int]:
    """Customers not found become records in the first won stage, entered on their first date.
    Returns the new records' ids."""
    wanted = {}  # (name, normalized domain) -> first date
    for external_id, first in first_of_sub.items():
        if record_of_sub[external_id] is None:
            wanted[first.key] = min(first.day, wanted.get(first.key, first.day))
    if not wanted:
        return set()
    won = (
        StageDefinition.objects.of(workspace)
        .filter(is_won=True, is_retired=False)
        .order_by("position", "id")
        .first()
    )
    tz = workspace.tzinfo
    records = [
        Record(
            workspace=workspace,
            name=name[:200],
            domain=domain,
            source="other",
            stage=won,
            stage_entered_at=timezone.make_aware(datetime.combine(day, time()), tz),
            created_by=actor,
        )
        for (name, domain), day in wanted.items()
    ]
    insert_objects(Record, records)
    if won is not None:
        insert_rows(
            StageTransition,
            ["workspace", "record", "kind", "to_stage", "actor", "at", "note"],
            [
                (
                    workspace.pk,
                    r.pk,
                    TransitionKind.CREATED,
                    won.pk,
                    getattr(actor, "pk", None),
                    r.stage_entered_at,
                    "imported",
                )
                for r in records
            ],
            copy=False,
        )
    by_key = {(r.name, r.domain): r.pk for r in records}
    for external_id, first in first_of_sub.items():
        if record_of_sub[external_id] is None:
            record_of_sub[external_id] = by_key[(first.customer[:200], first.key[1])]
    return {r.pk for r in records}


def _mirror(sub, day, mrr) -> None:
    """The subscription as of its latest ledger row; an active one's term rolls on past it."""
    sub.mrr = mrr
    sub.status = SubscriptionStatus.ACTIVE if mrr > 0 else SubscriptionStatus.CANCELLED
    sub.cancelled_on = day if mrr == 0 else None
    sub.cancel_reason = "other" if mrr == 0 else ""
    while sub.term_end <= day:
        sub.term_end = add_months(sub.term_end, sub.term_months)


def _refresh_subscriptions(workspace, subs):
    """Existing subscriptions that got rows mirror their latest ledger row again."""
    if not subs:
        return
    latest = {}
    for sub_id, day, mrr in (
        MrrMovement.objects.of(workspace)
        .filter(AnyOf(F("subscription_id"), [s.pk for s in subs]))
        .order_by("effective_on", "id")
        .values_list("subscription_id", "effective_on", "mrr")
    ):
        latest[sub_id] = (day, mrr)
    for sub in subs:
        _mirror(sub, *latest[sub.pk])
        sub.version += 1
    Subscription.objects.of(workspace).bulk_update(
        subs,
        ["mrr", "status", "cancelled_on", "cancel_reason", "term_end", "version"],
        batch_size=CHUNK,
    )


def _refresh_customers(workspace, first_of_sub, subs, new_record_ids: set[int]):
    """Every customer of the file gets its Customer row (won on its first date) and its MRR, the
    sum of its active subscriptions. A record created here has only the file's subscriptions,
    summed here; the others are read from the database."""
    won_on, totals = {}, {}
    for external_id, first in first_of_sub.items():
        rid = subs[external_id].record_id
        won_on[rid] = min(first.day, won_on.get(rid, first.day))
    for sub in subs.values():
        if sub.record_id in new_record_ids and sub.status == SubscriptionStatus.ACTIVE:
            totals[sub.record_id] = totals.get(sub.record_id, Decimal("0")) + sub.mrr
    matched = [rid for rid in won_on if rid not in new_record_ids]
    have = set()
    if matched:
        have = set(
            Customer.objects.of(workspace)
            .filter(AnyOf(F("record_id"), matched))
            .values_list("record_id", flat=True)
        )
        totals.update(
            Subscription.objects.of(workspace)
            .filter(AnyOf(F("record_id"), matched), status=SubscriptionStatus.ACTIVE)
            .values("record_id")
            .annotate(total=Sum("mrr"))
            .values_list("record_id", "total")
        )
    tz, now = workspace.tzinfo, timezone.now()
    insert_rows(
        Customer,
        CUSTOMER_COLUMNS,
        [
            (
                workspace.pk,
                rid,
                "",
                "",
                "",
                "",
                [],
                now,
                timezone.make_aware(datetime.combine(won_on[rid], time()), tz),
                totals.get(rid) or Decimal("0"),
            )
            for rid in won_on
            if rid not in have
        ],
        copy=False,  # under row-level security (the app's role)
    )
    customers = list(Customer.objects.of(workspace).filter(AnyOf(F("record_id"), list(have))))
    for c in customers:
        c.mrr = totals.get(c.record_id) or Decimal("0")
    Customer.objects.of(workspace).bulk_update(customers, ["mrr"], batch_size=CHUNK)
