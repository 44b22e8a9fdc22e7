"""A customer's page: its subscriptions with their MRR history, and the summary other pages show."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from customers.models import ClassifiedMovement, Customer, Subscription


@dataclass
class SubscriptionView:
    subscription: Subscription
    history: list[ClassifiedMovement] = field(default_factory=list)


@dataclass
class CustomerPage:
    record: object
    customer: Customer | None
    subscriptions: list[SubscriptionView]

    @property
    def mrr(self) -> Decimal:
        return sum(
            (s.subscription.mrr for s in self.subscriptions if s.subscription.is_active),
            Decimal("0"),
        )

    @property
    def arr(self) -> Decimal:
        return self.mrr * 12

    @property
    def next_renewal(self):
        ends = [s.subscription.term_end for s in self.subscriptions if s.subscription.is_active]
        return min(ends) if ends else None

    @property
    def has_churned(self) -> bool:
        return any(not s.subscription.is_active for s in self.subscriptions)


def customer_of(workspace, record) -> Customer | None:
    return (
        Customer.objects.of(workspace)
        .select_related("renewal_owner", "won_by")
        .filter(record_id=getattr(record, "pk", record))
        .first()
    )


def customer_page(workspace, record) -> CustomerPage:
    """Three queries however long the history: customer, subscriptions, classified rows."""
    subs = list(
        Subscription.objects.of(workspace)
        .filter(record_id=record.pk)
        .order_by("-status", "started_on", "id")
    )
    views = {s.pk: SubscriptionView(s) for s in subs}
    for row in (
        ClassifiedMovement.objects.of(workspace)
        .filter(record_id=record.pk)
        .order_by("-effective_on", "-id")
    ):
        if row.subscription_id in views:
            views[row.subscription_id].history.append(row)
    # Active first, then the cancelled ones ("active" > "cancelled" in -status order).
    ordered = [views[s.pk] for s in subs]
    return CustomerPage(
        record=record, customer=customer_of(workspace, record), subscriptions=ordered
    )
