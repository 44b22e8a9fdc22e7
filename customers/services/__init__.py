"""Every write of the customers app. Import from here: `from customers import services`."""

from customers.services.ledger import (
    ChangeNotAllowed,
    StaleSubscription,
    parse_mrr,
    subscription_cancel,
    subscription_change_mrr,
    subscription_reactivate,
    subscription_renew,
    subscription_start,
)

__all__ = [
    "ChangeNotAllowed",
    "StaleSubscription",
    "parse_mrr",
    "subscription_cancel",
    "subscription_change_mrr",
    "subscription_reactivate",
    "subscription_renew",
    "subscription_start",
]
