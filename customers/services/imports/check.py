"""Holding a file's rows against the ledger and the records: which rows are new, which are in
the ledger already (skipped), which contradict it (bad rows); which customer each row is."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import F

from customers.models import MrrMovement, Subscription
from customers.services.imports.rows import Row
from playbook.sql import AnyOf
from records.matching import match_records


@dataclass
class Plan:
    record_ids: list[int | None]  # per row (in the rows' order): the record it matched
    existing: dict[str, Subscription]  # billing id -> the subscription already saved
    to_add: list[Row] = field(default_factory=list)  # per subscription, each in date order
    skipped: int = 0


def check_rows(workspace, rows: list[Row], errors: list) -> Plan:
    """What `rows` (in date order) would add; each bad row adds (row, column, reason) to
    `errors`. Three queries however many rows: the subscriptions, their ledger, the matcher's."""
    existing = {
        s.external_id: s
        for s in Subscription.objects.of(workspace).filter(
            AnyOf(F("external_id"), {r.external_id for r in rows})
        )
    }
    ledger = defaultdict(dict)  # subscription id -> {date: [mrr of that date's rows]}
    if existing:
        for sub_id, day, mrr in (
            MrrMovement.objects.of(workspace)
            .filter(AnyOf(F("subscription_id"), [s.pk for s in existing.values()]))
            .order_by("effective_on", "id")
            .values_list("subscription_id", "effective_on", "mrr")
        ):
            ledger[sub_id].setdefault(day, []).append(mrr)
    plan = Plan(match_records(workspace, [(r.customer, r.domain) for r in rows]), existing)
    by_sub: dict[str, list[tuple[Row, int | None]]] = defaultdict(list)
    for row, record_id in zip(rows, plan.record_ids, strict=True):
        by_sub[row.external_id].append((row, record_id))
    for external_id, group in by_sub.items():
        sub = existing.get(external_id)
        first_row = group[0][0]
        if any(r.key != first_row.key for r, _ in group):
            for r, _ in group[1:]:
                if r.key != first_row.key:
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
                    plan.skipped += 1
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
            plan.to_add.append(row)
    return plan
