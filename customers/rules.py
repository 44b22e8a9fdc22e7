"""The stage rule kinds that need subscriptions, registered into records.conditions at start-up
(records and pipeline cannot import customers): "has an active subscription" (Won) and "has an
expansion since Won" (Expanded). docs/adr/0301."""

from __future__ import annotations

from records import conditions
from records.conditions.kinds import ConditionKind
from records.conditions.params import KindSpec

NEED = "subscriptions"


def subscription_facts(record, now) -> dict:
    """Whether `record` pays now (its MRR after its latest ledger row is above 0; rows are never
    dated in the future), and whether its MRR grew since it was won: an expansion after the
    latest row that started its paying (new, or reactivation for a customer won back). One
    query over the customer's own rows."""
    from customers.models import ClassifiedMovement, MovementKind

    rows = list(
        ClassifiedMovement.objects.of(record.workspace_id)
        .filter(record_id=record.pk)
        .order_by("effective_on", "id")
        .values_list("kind", "customer_mrr_after")
    )
    active = bool(rows) and rows[-1][1] > 0
    starts = [i for i, (kind, _) in enumerate(rows) if kind in (MovementKind.NEW, "reactivation")]
    since = starts[-1] if starts else 0
    expanded = any(kind == MovementKind.EXPANSION for kind, _ in rows[since:])
    return {"active": active, "expanded": expanded}


def register() -> None:
    conditions.register(
        KindSpec(
            ConditionKind.HAS_SUBSCRIPTION,
            (),
            lambda facts, p: facts.extra[NEED]["active"],
            lambda p, f: "Has an active subscription (a signed subscription with MRR above 0)",
            frozenset({NEED}),
        ),
        need=NEED,
        loader=subscription_facts,
    )
    conditions.register(
        KindSpec(
            ConditionKind.HAS_EXPANSION,
            (),
            lambda facts, p: facts.extra[NEED]["expanded"],
            lambda p, f: "An upsell, cross-sell or higher renewal since the customer was won",
            frozenset({NEED}),
        ),
        need=NEED,
        loader=subscription_facts,
    )
