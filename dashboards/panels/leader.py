"""The leader's home (CEO/CRO): targets against achievements, the ARR bridge, MRR/ARR trend,
the funnel, company health and ratios. Every figure comes from the targets' monthly snapshots
(targets.selectors, targets.metrics) or the customers' selectors; nothing is computed twice."""

from django.urls import reverse

from customers import selectors as customer_selectors
from dashboards import empty_states, links
from dashboards import selectors as dashboard_selectors
from dashboards.figures import Chart, Figure, Series, display
from dashboards.registry import panel
from playbook.models import Role
from targets import metrics
from targets import periods as months
from targets import selectors as target_selectors
from targets.metrics import month_figures, ratio
from targets.models import Metric

# The company summary shows some leader panels with the leader's templates.
LEADER = "dashboards/panels/leader/{}.html"


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
        return {
            "empty": empty_states.set_targets(
                workspace, membership, f"No company targets are set for {year} yet."
            )
        }
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


@panel("leader", "bridge", title="ARR bridge")
def bridge(*, workspace, membership, period):
    """start + new + expansion + reactivation − contraction − churn = end, in ARR, over the
    period's months (targets.metrics.bridge over the workspace snapshots: 1 query)."""
    snaps = target_selectors.snapshots(workspace, first=period.first, last=period.last)
    found = metrics.bridge(snaps)
    if found is None:
        if not snaps:
            return {"empty": empty_states.not_computed(workspace, period, "No ARR bridge yet.")}
        return {
            "empty": empty_states.import_billing(
                workspace, membership, f"No subscriptions in {period.label}."
            )
        }
    first, last = found.first, found.last

    def moved(metric, **extra):
        return links.actuals(workspace, metric, first, last, **extra)

    hrefs = {
        "New": moved("new_arr"),
        "Expansion": moved("expansion_arr"),
        "Reactivation": moved("net_new_arr", kind="reactivation"),
        "Contraction": moved("net_new_arr", kind="contraction"),
        "Churn": moved("churned_arr"),
    }
    steps = [
        Figure(label, amount if sign >= 0 else -amount, "money", hrefs.get(label, ""))
        for label, amount, sign in found.steps
    ]
    chart = Chart(
        title=f"ARR bridge, {found.label}",
        kind="bar",
        labels=[f.label for f in steps],
        series=[Series("ARR", [f.value for f in steps])],
        links=[f.href for f in steps],
    )
    return {"steps": steps, "chart": chart, "label": found.label, "balances": found.balances}


TREND_MONTHS = 24


@panel(
    "company",
    "trend",
    title="MRR and ARR, 24 months",
    template="dashboards/panels/leader/trend.html",
)
@panel("leader", "trend", title="MRR and ARR, 24 months", wide=True)
def trend(*, workspace, membership, period):
    """MRR and ARR at the end of each of the 24 months up to the period's last (1 query)."""
    last = min(period.last, months.of_date(period.today))
    first = last - TREND_MONTHS + 1
    snaps = {
        months.of_date(s.month): s
        for s in target_selectors.snapshots(workspace, first=first, last=last)
        if s.mrr_end is not None
    }
    if not snaps:
        return {
            "empty": empty_states.import_billing(
                workspace, membership, "No MRR history to draw yet."
            )
        }
    shown = range(min(snaps), last + 1)
    mrr = [snaps[m].mrr_end if m in snaps else None for m in shown]
    chart = Chart(
        title="MRR and ARR at month end",
        kind="line",
        labels=[months.label(m) for m in shown],
        series=[Series("MRR", mrr), Series("ARR", [None if v is None else v * 12 for v in mrr])],
        links=[links.metrics(workspace, m, m) for m in shown],
    )
    latest = snaps[max(snaps)]
    return {
        "chart": chart,
        "figures": [
            Figure("MRR now", latest.mrr_end, "money", links.customers(workspace)),
            Figure("ARR now", latest.mrr_end * 12, "money", links.customers(workspace)),
        ],
    }


FUNNEL_METRIC = {
    "lead": Metric.LEADS,
    "mql": Metric.MQLS,
    "sql": Metric.SQLS,
    "opportunity": Metric.OPPORTUNITIES,
}


@panel("leader", "funnel", title="Funnel")
def funnel(*, workspace, membership, period):
    """Records entering each stage in the period, the conversion to the next stage, win rate
    and the median sales cycle, from the workspace snapshots (1 query)."""
    totals = dashboard_selectors.period_totals(workspace, first=period.first, last=period.last)
    if not totals.stages or not any(totals.entered.values()):
        if not totals.months:
            return {"empty": empty_states.not_computed(workspace, period, "No funnel yet.")}
        return {"empty": empty_states.add_records(workspace, f"No stage moves in {period.label}.")}
    rows = []
    for key, name in totals.stages:
        metric = FUNNEL_METRIC.get(key) or (Metric.WINS if key == "won" else None)
        href = links.actuals(workspace, metric, period.first, period.last) if metric else ""
        rows.append(
            (Figure(name, totals.entered.get(key, 0), "count", href), totals.conversion(key))
        )
    chart = Chart(
        title=f"Records entering each stage, {period.label}",
        kind="bar",
        labels=[f.label for f, _ in rows],
        series=[Series("Entered", [f.value for f, _ in rows])],
        value_kind="count",
        links=[f.href for f, _ in rows],
    )
    wins = links.actuals(workspace, Metric.WINS, period.first, period.last)
    return {
        "rows": [(f, display(c, "percent")) for f, c in rows[:-1]] + [(rows[-1][0], "")],
        "chart": chart,
        "figures": [
            Figure("Win rate", totals.win_rate, "percent", wins),
            Figure(
                "Median sales cycle",
                totals.sales_cycle_days,
                "days",
                wins,
                note="" if period.first == period.last else "monthly medians weighted by wins",
            ),
        ],
    }


@panel("company", "health", title="Company health", template=LEADER.format("health"))
@panel("leader", "health", title="Company health")
def health(*, workspace, membership, period):
    """NRR and GRR (trailing 12 months, at the period's last computed month), logo churn over
    the period, NPS and ARR-weighted NPS (last 90 days), at-risk ARR (now). 3 queries."""
    totals = dashboard_selectors.period_totals(workspace, first=period.first, last=period.last)
    scores = customer_selectors.scores(workspace, today=period.today)
    risk = dashboard_selectors.at_risk(workspace)
    if not totals.has_mrr and not scores.nps_responses and not any(n for n, _ in risk.values()):
        return {
            "empty": empty_states.import_billing(
                workspace, membership, "No customers to measure yet."
            )
        }
    last = totals.last
    figures = month_figures(last) if last is not None and last.mrr_end is not None else {}
    answered_nps = links.customers(workspace, answered="nps")
    churned = links.actuals(workspace, Metric.CHURNED_ARR, period.first, period.last)
    return {
        "as_of": months.label(months.of_date(last.month)) if figures else "",
        "figures": [
            Figure("NRR (trailing 12 months)", figures.get("nrr_t12"), "percent",
                   links.metrics(workspace, period.first, period.last)),
            Figure("GRR (trailing 12 months)", figures.get("grr_t12"), "percent",
                   links.metrics(workspace, period.first, period.last)),
            Figure("Logo churn (monthly)", totals.logo_churn, "percent", churned,
                   note=f"{totals.churned_customers} churned of {totals.customer_months} "
                   "customer-months"),
            Figure("NPS (90 days)", scores.nps, "count", answered_nps,
                   note=f"{scores.nps_responses} responses"),
            Figure("ARR-weighted NPS", scores.arr_weighted_nps, "count", answered_nps),
            Figure("At-risk ARR (health 40–69)", risk["at_risk"][1], "money",
                   links.customers(workspace, health="at_risk", mrr_min=links.PAYING),
                   note=f"{risk['at_risk'][0]} customers"),
            Figure("Critical ARR (health under 40)", risk["critical"][1], "money",
                   links.customers(workspace, health="critical", mrr_min=links.PAYING),
                   note=f"{risk['critical'][0]} customers"),
        ],
    }  # fmt: skip


@panel("leader", "ratios", title="Ratios")
def ratios(*, workspace, membership, period):
    """SDR:AE, win rate, average contract value and quick ratio over the period (2 queries)."""
    totals = dashboard_selectors.period_totals(workspace, first=period.first, last=period.last)
    roles = dashboard_selectors.role_counts(workspace)
    if not totals.months and not roles[Role.SDR] and not roles[Role.AE]:
        return {"empty": empty_states.not_computed(workspace, period, "No ratios yet.")}
    members = reverse("members", args=[workspace.slug])
    first, last = period.first, period.last
    return {
        "figures": [
            Figure("SDRs per AE", ratio(roles[Role.SDR], roles[Role.AE]), "ratio", members,
                   note=f"{roles[Role.SDR]} SDRs, {roles[Role.AE]} AEs"),
            Figure("Win rate", totals.win_rate, "percent",
                   links.actuals(workspace, Metric.WINS, first, last),
                   note=f"{totals.wins} won, {totals.lost_deals} lost"),
            Figure("Average contract value", totals.acv, "money",
                   links.actuals(workspace, Metric.NEW_ARR, first, last),
                   note=f"new ARR over {totals.new_customers} new customers"),
            Figure("Quick ratio", totals.quick_ratio if totals.has_mrr else None, "ratio",
                   links.actuals(workspace, Metric.NET_NEW_ARR, first, last),
                   note="(new + expansion + reactivation) / (contraction + churn)"),
        ],
    }  # fmt: skip
