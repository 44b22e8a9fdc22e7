"""Importing billing history (`import_subscriptions`, the admin upload page): each CSV row says
"from this date, this subscription's MRR is X" (0: cancelled).

All or nothing: every row is checked first and any bad row (row number, column, reason) stops
the whole file. Re-importing is safe: a row already in the ledger (same subscription, date and
MRR) is recognised and skipped, so a billing system's monthly export can be imported whole each
month; a row that contradicts the ledger (same subscription and date, another MRR) is a bad
row. Customers are matched by domain, else exact name (records/matching.py); a customer not found
becomes a new record that enters Won on its first date (a stage transition dated then, note
"imported"). Writes are set-based (bulk inserts), in one transaction.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from customers.models import (
    Customer,
    MovementAction,
    MrrMovement,
    Subscription,
    SubscriptionStatus,
)
from customers.services.ledger import MAX_MRR
from customers.terms import add_months
from pipeline.models import StageDefinition, StageTransition, TransitionKind
from playbook.audit import audit_record
from playbook.models import AuditKind
from records.demo import insert_objects, insert_rows
from records.matching import match_records, normalize_domain
from records.models import Record
from records.services.icp import icp_rescore_records

REQUIRED = ("customer", "subscription", "date", "mrr")
CUSTOMER_COLUMNS = [
    "workspace",
    "record",
    "goals",
    "stakeholders",
    "risks",
    "promises",
    "health_explanation",
    "created_at",
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
class _Row:
    n: int  # the row number in the file (the header is row 1)
    customer: str
    domain: str
    external_id: str
    plan: str
    term_months: int | None
    day: date
    mrr: Decimal


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


def _parse(text: str, today: date, errors: list) -> list[_Row]:
    reader = csv.DictReader(io.StringIO(text))
    columns = [c.strip() for c in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        raise ValidationError(f"The file has no column {', '.join(missing)}.")
    rows = []
    for n, raw in enumerate(reader, start=2):
        raw = {(k or "").strip(): (v or "").strip() for k, v in raw.items()}
        bad = []
        for column in ("customer", "subscription"):
            if not raw.get(column):
                bad.append((column, "is empty."))
        try:
            day = date.fromisoformat(raw.get("date", ""))
            if day > today:
                bad.append(("date", "cannot be in the future."))
        except ValueError:
            day = None
            bad.append(("date", f"“{raw.get('date', '')}” is not a date (YYYY-MM-DD)."))
        try:
            mrr = Decimal(raw.get("mrr", ""))
            if not mrr.is_finite() or mrr < 0 or mrr > MAX_MRR:
                raise InvalidOperation
            if mrr != mrr.quantize(Decimal("0.01")):
                bad.append(("mrr", "has more than two decimals."))
        except InvalidOperation:
            mrr = None
            bad.append(("mrr", f"“{raw.get('mrr', '')}” is not an amount of 0 or more."))
        term = raw.get("term_months") or ""
        term_months = None
        if term:
            if term.isdigit() and 1 <= int(term) <= 120:
                term_months = int(term)
            else:
                bad.append(("term_months", f"“{term}” is not a whole number from 1 to 120."))
        if bad:
            errors.extend((n, col, msg) for col, msg in bad)
            continue
        rows.append(
            _Row(
                n,
                raw["customer"],
                raw.get("domain", ""),
                raw["subscription"],
                raw.get("plan", ""),
                term_months,
                day,
                mrr,
            )
        )
    return rows


def subscriptions_import(
    *,
    workspace,
    text: str,
    actor=None,
    today: date | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ImportResult:
    """Check the whole file, then write it in one transaction. Raises ValidationError listing
    every bad row ("Row 7, mrr: ...") and saves nothing if any row is bad."""
    today = today or workspace.today()
    errors: list[tuple[int, str, str]] = []
    rows = _parse(text, today, errors)
    total = len(rows) + len({e[0] for e in errors})
    if progress:
        progress(0, total)
    rows.sort(key=lambda r: (r.day, r.n))  # applied in date order; ties in file order

    existing = {
        s.external_id: s
        for s in Subscription.objects.of(workspace).filter(
            external_id__in={r.external_id for r in rows}
        )
    }
    ledger = defaultdict(dict)  # subscription id -> {date: [mrr of that date's rows]}
    last_of = {}
    for sub_id, day, mrr in (
        MrrMovement.objects.of(workspace)
        .filter(subscription_id__in=[s.pk for s in existing.values()])
        .order_by("effective_on", "id")
        .values_list("subscription_id", "effective_on", "mrr")
    ):
        ledger[sub_id].setdefault(day, []).append(mrr)
        last_of[sub_id] = mrr
    record_ids = match_records(workspace, [(r.customer, r.domain) for r in rows])

    by_sub: dict[str, list[tuple[_Row, int | None]]] = defaultdict(list)
    for row, record_id in zip(rows, record_ids, strict=True):
        by_sub[row.external_id].append((row, record_id))
    to_add = []  # (row, record key)
    skipped = 0
    for external_id, group in by_sub.items():
        sub = existing.get(external_id)
        first_row = group[0][0]
        names = {(r.customer, normalize_domain(r.domain)) for r, _ in group}
        if len(names) > 1:
            for r, _ in group[1:]:
                if (r.customer, normalize_domain(r.domain)) != (
                    first_row.customer,
                    normalize_domain(first_row.domain),
                ):
                    errors.append(
                        (
                            r.n,
                            "customer",
                            f"subscription {external_id} belongs to "
                            f"“{first_row.customer}” in row {first_row.n}.",
                        )
                    )
            continue
        if sub is not None and group[0][1] not in (None, sub.record_id):
            errors.append(
                (
                    first_row.n,
                    "customer",
                    f"subscription {external_id} belongs to another customer in the ledger.",
                )
            )
            continue
        if sub is None and first_row.mrr == 0:
            errors.append(
                (
                    first_row.n,
                    "subscription",
                    f"unknown subscription {external_id}: its first row cannot cancel it (MRR 0).",
                )
            )
            continue
        seen_on_date = defaultdict(int)
        for row, _ in group:
            known = ledger[sub.pk].get(row.day, []) if sub is not None else []
            index = seen_on_date[row.day]
            seen_on_date[row.day] += 1
            if index < len(known):
                if known[index] == row.mrr:
                    skipped += 1
                    continue
                errors.append(
                    (
                        row.n,
                        "mrr",
                        f"the ledger says {known[index]} for subscription "
                        f"{external_id} from {row.day}; this row says {row.mrr}.",
                    )
                )
                continue
            to_add.append(row)
    if errors:
        errors.sort()
        raise ValidationError([f"Row {n}, {col}: {msg}" for n, col, msg in errors])
    if progress:
        progress(total // 2, total)
    result = _write(workspace, rows, record_ids, to_add, existing, actor, skipped)
    if progress:
        progress(total, total)
    return result


@transaction.atomic
def _write(workspace, rows, record_ids, to_add, existing, actor, skipped) -> ImportResult:
    record_of_sub: dict[str, int | None] = {}
    first_of_sub: dict[str, _Row] = {}
    for row, record_id in zip(rows, record_ids, strict=True):
        record_of_sub.setdefault(row.external_id, record_id)
        first_of_sub.setdefault(row.external_id, row)
    new_records = _create_records(workspace, first_of_sub, record_of_sub, actor)
    last_of_sub = {row.external_id: row for row in to_add}  # rows are in date order
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
    # COPY on PostgreSQL, in date order: the ids (recorded order) follow the file's dates.
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
    _refresh_customers(workspace, {s.record_id for s in subs.values()}, first_of_sub, subs)
    result = ImportResult(
        rows=len(rows),
        added=len(to_add),
        skipped=skipped,
        new_subscriptions=len(new_subs),
        new_records=new_records,
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
    touched = sorted({subs[row.external_id].record_id for row in to_add})
    if touched:
        workspace_id = workspace.pk
        transaction.on_commit(
            lambda: icp_rescore_records(workspace_id=workspace_id, record_ids=touched)
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


def _create_records(workspace, first_of_sub, record_of_sub, actor) -> int:
    """Customers not found become records in the first won stage, entered on their first date."""
    wanted: dict[tuple[str, str], date] = {}
    for external_id, first in first_of_sub.items():
        if record_of_sub[external_id] is None:
            key = (first.customer, normalize_domain(first.domain))
            wanted[key] = min(first.day, wanted.get(key, first.day))
    if not wanted:
        return 0
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
            record_of_sub[external_id] = by_key[
                (first.customer[:200], normalize_domain(first.domain))
            ]
    return len(records)


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
        .filter(subscription_id__in=[s.pk for s in subs])
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


def _refresh_customers(workspace, record_ids, first_of_sub, subs):
    record_ids = list(record_ids)
    have = set(
        Customer.objects.of(workspace)
        .filter(record_id__in=record_ids)
        .values_list("record_id", flat=True)
    )
    won_on = {}
    for external_id, first in first_of_sub.items():
        rid = subs[external_id].record_id
        won_on[rid] = min(first.day, won_on.get(rid, first.day))
    tz = workspace.tzinfo
    totals = dict(
        Subscription.objects.of(workspace)
        .filter(record_id__in=record_ids, status=SubscriptionStatus.ACTIVE)
        .values("record_id")
        .annotate(total=Sum("mrr"))
        .values_list("record_id", "total")
    )
    now = timezone.now()
    insert_rows(
        Customer,
        [*CUSTOMER_COLUMNS, "won_at", "mrr"],
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
            for rid in record_ids
            if rid not in have
        ],
        copy=False,  # under row-level security (the app's role)
    )
    customers = list(Customer.objects.of(workspace).filter(record_id__in=list(have)))
    for c in customers:
        c.mrr = totals.get(c.record_id) or Decimal("0")
    Customer.objects.of(workspace).bulk_update(customers, ["mrr"], batch_size=CHUNK)
