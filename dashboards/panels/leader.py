"""The leader's home (CEO/CRO): targets against achievements, the ARR bridge, MRR/ARR trend,
the funnel, company health and ratios. Every figure comes from the targets' monthly snapshots
(targets.selectors, targets.metrics) or the customers' selectors; nothing is computed twice."""

from django.urls import reverse

from dashboards import links
from dashboards.figures import Chart, Empty, Series
from dashboards.registry import panel
from targets import periods as months
from targets import selectors as target_selectors
from targets.permissions import can_set


def _set_targets_empty(workspace, membership, year: int) -> Empty:
    if can_set(membership):
        return Empty(
            f"No company targets are set for {year} yet. Set a yearly target (new ARR, wins, "
            "MQLs …) and spread it over the months to see achievement and pace here.",
            "Set targets",
            reverse("targets:page", args=[workspace.slug]),
        )
    return Empty(
        f"No company targets are set for {year} yet. A leader or an admin sets them on the "
        "targets page.",
        "Open the targets page",
        reverse("targets:page", args=[workspace.slug]),
    )


@panel("company", "targets", title="Company targets this year and this month")
@panel("leader", "targets", title="Targets against achievements", wide=True)
def targets(*, workspace, membership, period):
    """The company's (workspace-scope) targets of this year and of this month, each with its
    actual, % attained and pace (targets.selectors.achievements: 2 queries)."""
    today = period.today
    year, month = today.year, today.month
    chosen = [
        t
        for t in target_selectors.targets(workspace, year=year)
        if t.scope == "workspace" and t.month in (0, month)
    ]
    if not chosen:
        return {"empty": _set_targets_empty(workspace, membership, year)}
    rows = target_selectors.achievements(workspace, chosen, today=today)
    for row in rows:
        first, last = target_selectors.period_months(row.target)
        row.href = links.actuals(workspace, row.target.metric, first, last)
    yearly = [r for r in rows if r.target.month == 0]
    monthly = [r for r in rows if r.target.month == month]
    metrics = list(dict.fromkeys(r.target.metric for r in rows))
    by_key = {(r.target.metric, r.target.month): r for r in rows}

    def attained(metric, m):
        row = by_key.get((metric, m))
        return row.attained if row else None

    labels = [
        next(r for r in rows if r.target.metric == m).target.get_metric_display() for m in metrics
    ]
    chart = Chart(
        title="% of target attained",
        kind="bar",
        labels=labels,
        series=[
            Series(str(year), [attained(m, 0) for m in metrics]),
            Series(f"{today:%B}", [attained(m, month) for m in metrics]),
        ],
        value_kind="percent",
    )
    computed = all(r.actual is None for r in rows)
    return {
        "yearly": yearly,
        "monthly": monthly,
        "year": year,
        "month_label": f"{today:%B %Y}",
        "chart": chart,
        "not_computed": computed,
        "metrics_url": links.metrics(workspace, months.index(year, 1), months.of_date(today)),
    }
