"""The marketing home: leads and MQLs by source against target, the lead -> MQL rate and the
leads sales accepted, over the chosen period. Company-wide: marketing's figures are the
company's top of funnel."""

from dataclasses import dataclass
from decimal import Decimal

from dashboards import empty_states, links
from dashboards import selectors as dashboard_selectors
from dashboards.figures import Chart, Figure, Series
from dashboards.registry import panel
from records.models import Source
from targets.models import Metric, source_scope_key
from targets.rollups.behind import NO_SOURCE as NO_SOURCE_FILTER

NO_SOURCE = "(no source)"


def _target_figure(label, actual, target, href):
    return Figure(
        label,
        None if not target else actual / target,
        "percent",
        href,
        note="no target for this period" if target is None else f"of a target of {target:,.0f}",
    )


@dataclass(frozen=True)
class SourceRow:
    leads: Figure
    mqls: Figure
    lead_target: Decimal | None
    mql_target: Decimal | None


@panel("marketing", "sources", title="Leads and MQLs by source", wide=True)
def sources(*, workspace, membership, period):
    """Records entering Lead and MQL in the period, per source (the snapshots' per-source rows:
    the rollup's own stage-entry facts, split by the record's source), against the period's
    targets, the workspace's and each source's. 4 queries."""
    first, last = period.first, period.last
    counts = dashboard_selectors.entered_by_source(
        workspace, first=first, last=last, stage_keys=("lead", "mql")
    )
    keys = {"": "workspace", **{s: source_scope_key(s) for s in Source.values}}
    metrics = (Metric.LEADS, Metric.MQLS)
    targets = dashboard_selectors.period_targets(
        workspace, metrics, first=first, last=last, scope_keys=keys.values()
    )
    lead_target, mql_target = (
        targets[(Metric.LEADS, "workspace")],
        targets[(Metric.MQLS, "workspace")],
    )
    targeted = {s for s in Source.values if any(targets[(m, keys[s])] is not None for m in metrics)}
    if not counts and not targeted:
        return {
            "empty": empty_states.add_records(workspace, f"No leads or MQLs in {period.label} yet.")
        }
    labels = dict(Source.choices)
    found = sorted(
        {source for _, source in counts} | targeted,
        key=lambda s: -(counts.get(("lead", s), 0) + counts.get(("mql", s), 0)),
    )

    def cell(stage, metric, source):
        return Figure(
            labels.get(source, NO_SOURCE),
            counts.get((stage, source), 0),
            "count",
            links.actuals(workspace, metric, first, last, source=source or NO_SOURCE_FILTER),
        )

    def target_of(metric, source):
        return targets[(metric, keys[source])] if source else None

    rows = [
        SourceRow(
            cell("lead", Metric.LEADS, s),
            cell("mql", Metric.MQLS, s),
            target_of(Metric.LEADS, s),
            target_of(Metric.MQLS, s),
        )
        for s in found
    ]
    leads = sum(counts.get(("lead", s), 0) for s in found)
    mqls = sum(counts.get(("mql", s), 0) for s in found)
    all_leads = links.actuals(workspace, Metric.LEADS, first, last)
    all_mqls = links.actuals(workspace, Metric.MQLS, first, last)
    chart = Chart(
        title=f"Leads and MQLs by source, {period.label}",
        kind="bar",
        labels=[row.leads.label for row in rows],
        series=[
            Series("Leads", [row.leads.value for row in rows]),
            Series("MQLs", [row.mqls.value for row in rows]),
        ],
        value_kind="count",
        links=[row.leads.href for row in rows],
    )
    return {
        "rows": rows,
        "has_source_targets": bool(targeted),
        "chart": chart,
        "figures": [
            Figure("Leads", leads, "count", all_leads),
            _target_figure("Leads of target", leads, lead_target, all_leads),
            Figure("MQLs", mqls, "count", all_mqls),
            _target_figure("MQLs of target", mqls, mql_target, all_mqls),
        ],
    }


@panel("marketing", "accepted", title="Lead → MQL and sales-accepted leads")
def accepted(*, workspace, membership, period):
    """The lead -> MQL conversion (the monthly cohorts of the snapshots, summed) and the leads
    sales accepted (MQL -> SQL) against target. 2 queries."""
    first, last = period.first, period.last
    totals = dashboard_selectors.period_totals(workspace, first=first, last=last)
    if not totals.months:
        return {"empty": empty_states.not_computed(workspace, period, "No funnel figures yet.")}
    if not totals.entered.get("lead") and not totals.sales_accepted_leads:
        return {"empty": empty_states.add_records(workspace, f"No leads in {period.label}.")}
    target = dashboard_selectors.period_target(
        workspace, Metric.SALES_ACCEPTED_LEADS, first=first, last=last
    )
    accepted_url = links.actuals(workspace, Metric.SALES_ACCEPTED_LEADS, first, last)
    return {
        "figures": [
            Figure(
                "Lead → MQL",
                totals.conversion("lead"),
                "percent",
                links.actuals(workspace, Metric.MQLS, first, last),
                note=f"of {totals.entered.get('lead', 0)} leads entering in the period",
            ),
            Figure("Sales-accepted leads", totals.sales_accepted_leads, "count", accepted_url),
            _target_figure("Accepted of target", totals.sales_accepted_leads, target, accepted_url),
            Figure(
                "MQL → SQL",
                totals.conversion("mql"),
                "percent",
                links.actuals(workspace, Metric.SQLS, first, last),
            ),
        ]
    }
