"""The customer success manager's home: customers by health (worst first), NPS/CSAT,
engagements due and handoffs not yet called. A CSM sees the customers they own; admins and
leaders see every CSM's. Figures come from customers.selectors.success (the customer list's
filters, My tasks) and customers.selectors.surveys."""

from django.urls import reverse

from customers.selectors import success as csm
from customers.selectors.customers import settings_or_defaults
from customers.selectors.surveys import scores
from customers.services.won import HANDOFF_CALL_SUBJECT
from dashboards import links
from dashboards.figures import Chart, Empty, Figure, Series
from dashboards.registry import OVERSEERS, panel


def _csm_id(membership):
    return None if membership.role in OVERSEERS else membership.user_id


def _customers_url(workspace, membership, **filters) -> str:
    return links.customers(workspace, csm=_csm_id(membership), **filters)


def _no_customers(workspace, membership) -> Empty:
    if _csm_id(membership) is None:
        return Empty(
            "No customers yet. Win a deal (its first subscription makes it a customer) or "
            "import the billing history.",
            "Import billing history",
            reverse("customers:import", args=[workspace.slug]),
        )
    return Empty(
        "No customers of yours yet. When a deal is won, Customer Success receives it and its "
        "new owner gets a handoff call task.",
        "See every customer",
        links.customers(workspace),
    )


@panel("csm", "health", title="Customers by health")
def health(*, workspace, membership, period):
    """Customers per health band, worst first, with ARR; the five lowest scores (2 queries)."""
    got = csm.customers_by_health(workspace, csm_id=_csm_id(membership), today=period.today)
    if not got.total:
        return {"empty": _no_customers(workspace, membership)}
    hrefs = [_customers_url(workspace, membership, health=b.key) for b in got.bands]
    chart = Chart(
        title="Customers by health band",
        kind="bar",
        labels=[b.label for b in got.bands],
        series=[Series("Customers", [b.count for b in got.bands])],
        value_kind="count",
        links=hrefs,
    )
    return {"chart": chart, "bands": list(zip(got.bands, hrefs, strict=True)), "worst": got.worst}


@panel("csm", "satisfaction", title="NPS and CSAT (last 90 days)")
def satisfaction(*, workspace, membership, period):
    """NPS, ARR-weighted NPS and CSAT of the last 90 days' answers (1 query)."""
    got = scores(workspace, owner_id=_csm_id(membership), today=period.today)
    if not (got.nps_responses or got.csat_responses):
        return {
            "empty": Empty(
                "No NPS or CSAT answers in the last 90 days. Log an answer on a customer's "
                "page, or import a survey export.",
                "Import NPS and CSAT answers",
                reverse("customers:surveys_import", args=[workspace.slug]),
            )
        }
    # The customers whose answers each figure counts.
    nps = _customers_url(workspace, membership, answered="nps")
    csat = _customers_url(workspace, membership, answered="csat")
    figures = [
        Figure("NPS", got.nps, "score", nps, note=f"{got.nps_responses} answers"),
        Figure("ARR-weighted NPS", got.arr_weighted_nps, "score", nps),
        Figure(
            "CSAT (4 or 5 of 5)",
            None if got.csat is None else got.csat / 100,
            "percent",
            csat,
            note=f"{got.csat_responses} answers",
        ),
    ]
    chart = Chart(
        title="NPS answers",
        kind="bar",
        labels=["Promoters (9-10)", "Passives (7-8)", "Detractors (0-6)"],
        series=[
            Series(
                "Answers",
                [got.promoters, got.nps_responses - got.promoters - got.detractors, got.detractors],
            )
        ],
        value_kind="count",
    )
    return {"figures": figures, "chart": chart if got.nps_responses else None}


@panel("csm", "engagements", title="Engagements due")
def engagements(*, workspace, membership, period):
    """Paying customers with no engagement for the workspace's N days (3 queries + settings)."""
    days = settings_or_defaults(workspace).engagement_days
    got = csm.engagements_due(
        workspace, csm_id=_csm_id(membership), today=period.today, engagement_days=days
    )
    href = _customers_url(workspace, membership, due="on")
    if not got.count:
        return {
            "empty": Empty(
                f"No engagement due: every paying customer had a call, meeting or QBR in the "
                f"last {days} days.",
                "See the customers",
                _customers_url(workspace, membership),
            )
        }
    return {
        "figures": [
            Figure(f"Customers without an engagement in {days} days", got.count, "count", href),
            Figure("Their ARR", got.arr, "money", href),
        ],
        "customers": got.customers,
        "more": got.count > len(got.customers),
        "href": href,
    }


@panel("csm", "handoffs", title="Handoffs not yet called")
def handoffs(*, workspace, membership, period):
    """Open "Handoff call" tasks, left for the CSM when a deal is won (2 queries)."""
    csm_id = _csm_id(membership)
    got = csm.handoffs_not_called(workspace, csm_id=csm_id)
    href = links.page(
        "records:tasks",
        workspace,
        subject=HANDOFF_CALL_SUBJECT,
        everyone="1" if csm_id is None else None,
    )
    if not got.count:
        return {
            "empty": Empty(
                "Every handoff has had its call. A won deal leaves its new CSM a “Handoff call” "
                "task; it appears here until it is done.",
                "Open my tasks",
                reverse("records:tasks", args=[workspace.slug]),
            )
        }
    return {
        "figures": [Figure("Handoff calls to make", got.count, "count", href)],
        "tasks": got.tasks,
        "more": got.count > len(got.tasks),
        "href": href,
        "show_assignee": csm_id is None,
    }
