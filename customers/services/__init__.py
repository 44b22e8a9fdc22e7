"""Every write of the customers app. Import from here: `from customers import services`.

Split by concern: `ledger` (subscriptions and their MRR rows), `won` (winning a deal),
`expansion` (the move to Expanded)."""

from customers.services.health import health_recompute
from customers.services.imports import subscriptions_import
from customers.services.jobs import import_job_run
from customers.services.ledger import (
    ChangeNotAllowed,
    StaleSubscription,
    check_may_change,
    parse_mrr,
    subscription_cancel,
    subscription_change_mrr,
    subscription_reactivate,
    subscription_renew,
    subscription_start,
)
from customers.services.opportunities import (
    opportunity_create,
    opportunity_lose,
    opportunity_win,
)
from customers.services.renewals import (
    alert_dismiss,
    alert_snooze,
    renewal_job_run,
    settings_of,
    window_for,
)
from customers.services.settings import customer_settings_update
from customers.services.surveys import survey_log, surveys_import
from customers.services.won import HANDOFF_CALL_SUBJECT, record_win

__all__ = [
    "HANDOFF_CALL_SUBJECT",
    "ChangeNotAllowed",
    "StaleSubscription",
    "alert_dismiss",
    "alert_snooze",
    "check_may_change",
    "customer_settings_update",
    "health_recompute",
    "import_job_run",
    "opportunity_create",
    "opportunity_lose",
    "opportunity_win",
    "parse_mrr",
    "record_win",
    "renewal_job_run",
    "settings_of",
    "subscription_cancel",
    "subscription_change_mrr",
    "subscription_reactivate",
    "subscription_renew",
    "subscription_start",
    "subscriptions_import",
    "survey_log",
    "surveys_import",
    "window_for",
]
