"""Every read of the customers app, workspace first. Import from here."""

from customers.selectors.customer import customer_of, customer_page
from customers.selectors.customers import (
    CustomerFilters,
    customer_page_of,
    customers,
    engagements_due_by_csm,
)
from customers.selectors.ledger import (
    classified_movements,
    current_mrr,
    customer_mrr_on,
    subscriptions_mrr_on,
    workspace_mrr_on,
)
from customers.selectors.renewals import renewal_rows, renewal_status, renewals_due
from customers.selectors.surveys import recent_responses, scores, scores_by_csm

__all__ = [
    "CustomerFilters",
    "classified_movements",
    "current_mrr",
    "customer_mrr_on",
    "customer_of",
    "customer_page",
    "customer_page_of",
    "customers",
    "engagements_due_by_csm",
    "recent_responses",
    "renewal_rows",
    "renewal_status",
    "renewals_due",
    "scores",
    "scores_by_csm",
    "subscriptions_mrr_on",
    "workspace_mrr_on",
]
