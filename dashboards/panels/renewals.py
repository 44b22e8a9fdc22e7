"""The renewal rep's home: renewals due in 30/60/90/120 days with ARR and health, at-risk ARR,
upsell opportunities, renewed against churned this quarter. A rep sees the renewals they own;
admins and leaders see everyone's. Figures come from customers.selectors (the renewals page's rows,
the customer list's filters)."""

from django.urls import reverse

from customers.selectors.customers import at_risk_arr, upsell_opportunities
from customers.selectors.renewals import renewals_by_window, renewed_vs_churned
from dashboards import links
from dashboards.figures import Chart, Empty, Figure, Series
from dashboards.registry import OVERSEERS, panel


def _owner_id(membership):
    return None if membership.role in OVERSEERS else membership.user_id


def _renewals_url(workspace, membership, **filters) -> str:
    return links.page("customers:renewals", workspace, owner=_owner_id(membership), **filters)


def _customers_url(workspace, membership, **filters) -> str:
    return links.customers(workspace, renewal_owner=_owner_id(membership), **filters)


@panel("renewals", "due", title="Renewals due")
def due(*, workspace, membership, period):
    """Upcoming renewals within 30, 60, 90 and 120 days: count, ARR, at-risk (1 query)."""
    rows = renewals_by_window(workspace, owner_id=_owner_id(membership), today=period.today)
    if not rows[-1].count:
        return {
            "empty": Empty(
                "No renewal due in the next 120 days. The daily job creates an alert 120 days "
                "before each subscription's term end; import the billing history if the "
                "subscriptions are not in yet.",
                "Import billing history",
                reverse("customers:import", args=[workspace.slug]),
            )
        }
    hrefs = [_renewals_url(workspace, membership, window=w.days, upcoming="on") for w in rows]
    chart = Chart(
        title="ARR up for renewal",
        kind="bar",
        labels=[f"{w.days} days" for w in rows],
        series=[Series("ARR", [w.arr for w in rows])],
        links=hrefs,
    )
    return {"chart": chart, "rows": list(zip(rows, hrefs, strict=True))}


@panel("renewals", "at_risk", title="At-risk ARR")
def at_risk(*, workspace, membership, period):
    """ARR of the paying customers whose health is at risk (40-69) or critical (under 40), as
    on the leader's company health (1 query)."""
    got = at_risk_arr(workspace, renewal_owner_id=_owner_id(membership))
    if not (got.at_risk or got.critical):
        return {
            "empty": Empty(
                "No ARR at risk: no paying customer of yours has a health score under 70 "
                "(health is recomputed every night from NPS, CSAT, engagement and open risks).",
                "See the customers",
                _customers_url(workspace, membership),
            )
        }
    figures = [
        Figure(
            label,
            arr,
            "money",
            _customers_url(workspace, membership, health=band, mrr_min=links.PAYING),
            note=f"{n} customer{'s' if n != 1 else ''}",
        )
        for label, band, n, arr in (
            ("At-risk ARR (health 40–69)", "at_risk", got.at_risk, got.at_risk_arr),
            ("Critical ARR (health under 40)", "critical", got.critical, got.critical_arr),
        )
    ]
    return {"figures": figures}


@panel("renewals", "upsells", title="Upsell opportunities")
def upsells(*, workspace, membership, period):
    """Open upsell and cross-sell opportunities on the rep's customers (2 queries)."""
    got = upsell_opportunities(workspace, owner_id=_owner_id(membership), today=period.today)
    href = _customers_url(workspace, membership, upsell="on")
    if not got.count:
        return {
            "empty": Empty(
                "No open upsell or cross-sell. Add one from a customer's page when a customer "
                "is ready to grow.",
                "See the customers",
                _customers_url(workspace, membership),
            )
        }
    return {
        "figures": [
            Figure("Customers with an open upsell", got.customers, "count", href),
            Figure("Open opportunities", got.count, "count", href),
            Figure("Their expected ARR", got.arr, "money", href),
        ]
    }


@panel("renewals", "outcomes", title="Renewed and churned this quarter")
def outcomes(*, workspace, membership, period):
    """Terms that ended this quarter so far: renewed or churned, count and ARR (1 query)."""
    got = renewed_vs_churned(workspace, owner_id=_owner_id(membership), today=period.today)
    if not (got.renewed or got.churned):
        return {
            "empty": Empty(
                f"No term has ended with a renewal or a churn since {got.first:%-d %B}. The "
                "renewals page lists what is due.",
                "Open renewals",
                _renewals_url(workspace, membership),
            )
        }
    renewed = _renewals_url(workspace, membership, outcome="renewed")
    churned = _renewals_url(workspace, membership, outcome="churned")
    chart = Chart(
        title="ARR renewed and churned this quarter",
        kind="bar",
        labels=["Renewed", "Churned"],
        series=[Series("ARR", [got.renewed_arr, got.churned_arr])],
        links=[renewed, churned],
    )
    return {
        "figures": [
            Figure("Renewed", got.renewed, "count", renewed, note="subscriptions"),
            Figure("Renewed ARR", got.renewed_arr, "money", renewed),
            Figure("Churned", got.churned, "count", churned, note="subscriptions"),
            Figure("Churned ARR", got.churned_arr, "money", churned),
            Figure("Renewal rate", got.renewal_rate, "percent"),
        ],
        "chart": chart,
    }
