"""Every read of the customers app, workspace first. Import from here."""

from customers.selectors.customer import customer_of, customer_page
from customers.selectors.ledger import (
    classified_movements,
    current_mrr,
    customer_mrr_on,
    subscriptions_mrr_on,
    workspace_mrr_on,
)
from customers.selectors.renewals import renewal_status, renewals_due

__all__ = [
    "classified_movements",
    "current_mrr",
    "customer_mrr_on",
    "customer_of",
    "customer_page",
    "renewal_status",
    "renewals_due",
    "subscriptions_mrr_on",
    "workspace_mrr_on",
]
