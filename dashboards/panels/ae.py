"""The account executive's home: pipeline by stage, the weighted forecast against quota, the
forecast categories (also on the leader's home), deals closing this month, stale deals and wins
against target. An AE (or SE) sees their own deals; admins and leaders see every seller's.
Figures come from pipeline.selectors.forecast (the open deals, as My pipeline lists them) and
targets.selectors (quota, wins against target)."""

from django.urls import reverse

from dashboards import empty_states, links
from dashboards.figures import Chart, Empty, Figure, Series, has_data
from dashboards.registry import OVERSEERS, panel
from pipeline.selectors import forecast as deals
from pipeline.selectors.queues import STALE_DAYS
from targets import periods as months
from targets import selectors as target_selectors
from targets.models import Metric


def _owner_id(membership):
    """Whose deals: the member's own, or every seller's for admins and leaders."""
    return None if membership.role in OVERSEERS else membership.user_id


def _deals_url(workspace, membership, **filters) -> str:
    """My pipeline with `filters`: the list behind every deal figure of these panels."""
    owner = "all" if _owner_id(membership) is None else None
    return links.page("pipeline:my_pipeline", workspace, owner=owner, **filters)


def _no_deals(workspace, membership) -> Empty:
    whose = "in the workspace" if _owner_id(membership) is None else "of yours"
    return Empty(
        f"No open deals {whose} yet. A record becomes a deal when it enters Opportunity: "
        "advance a qualified SQL from the board.",
        "Open the board",
        reverse("pipeline:board", args=[workspace.slug]),
    )


@panel("ae", "pipeline_by_stage", title="Pipeline by stage")
def pipeline_by_stage(*, workspace, membership, period):
    """Open deals per deal stage: count, expected ARR, weighted value (3 queries)."""
    rows = deals.pipeline_by_stage(workspace, owner_id=_owner_id(membership))
    if not any(r.count for r in rows):
        return {"empty": _no_deals(workspace, membership)}
    stage_links = [_deals_url(workspace, membership, stage=r.stage.pk) for r in rows]
    chart = Chart(
        title="Open deals by stage (expected and weighted ARR)",
        kind="bar",
        labels=[r.stage.name for r in rows],
        series=[
            Series("Expected ARR", [r.arr for r in rows]),
            Series("Weighted ARR", [r.weighted for r in rows]),
        ],
        links=stage_links,
    )
    return {"chart": chart, "rows": list(zip(rows, stage_links, strict=True))}


@panel("ae", "forecast", title="Weighted forecast against quota")
def forecast(*, workspace, membership, period):
    """New ARR won this year + weighted open deals closing by year end, against the quota
    (the person's new-ARR target; the Sales team's for admins and leaders). At most 6 queries."""
    today = period.today
    owner_id = _owner_id(membership)
    scope = "team:sales" if owner_id is None else f"person:{owner_id}"
    got = target_selectors.weighted_forecast(workspace, scope=scope, owner_id=owner_id, today=today)
    if got.quota is None and not has_data(got.won_arr, got.open_count):
        return {
            "empty": empty_states.set_targets(
                workspace, membership, "No new-ARR quota is set for this year."
            )
        }
    year = (months.index(today.year, 1), months.index(today.year, 12))
    figures = [
        Figure(
            "Quota (new ARR this year)",
            got.quota.value if got.quota else None,
            "money",
            reverse("targets:page", args=[workspace.slug]),
            note="" if got.quota else "not set",
        ),
        Figure(
            "Won so far",
            got.won_arr,
            "money",
            links.actuals(workspace, Metric.NEW_ARR, *year, scope=scope),
        ),
        Figure(
            "Weighted open deals",
            got.open_weighted,
            "money",
            _deals_url(workspace, membership, closing="year"),
            note=f"{got.open_count} deal{'s' if got.open_count != 1 else ''} closing by "
            f"31 December",
        ),
        Figure("Forecast", got.forecast, "money"),
        Figure("Coverage of quota", got.coverage, "percent"),
    ]
    series = [Series("Won", [got.won_arr]), Series("Weighted open deals", [got.open_weighted])]
    labels = ["Forecast"]
    if got.quota is not None:
        # The quota as a bar of its own beside the stacked forecast.
        labels.append("Quota")
        series = [Series(s.label, [*s.values, None]) for s in series]
        series.append(Series("Quota", [None, got.quota.value]))
    chart = Chart(
        title="Forecast against quota", kind="bar", labels=labels, series=series, stacked=True
    )
    return {
        "figures": figures,
        "chart": chart,
        "undated": got.undated_count,
        "undated_url": _deals_url(workspace, membership),
        "not_computed": got.quota is not None and got.won is not None and got.won.actual is None,
    }


@panel(
    "leader",
    "forecast_categories",
    title="Forecast by category",
    template="dashboards/panels/ae/forecast_categories.html",
)
@panel("ae", "forecast_categories", title="Forecast by category")
def forecast_categories(*, workspace, membership, period):
    """Open deals per forecast category (pipeline, best case, commit): count, expected and
    weighted ARR; the seller's own, or everyone's for admins and leaders (3 queries)."""
    rows = deals.forecast_rollup(workspace, owner_id=_owner_id(membership))
    if not any(r.count for r in rows):
        return {"empty": _no_deals(workspace, membership)}
    hrefs = [_deals_url(workspace, membership, category=r.category) for r in rows]
    chart = Chart(
        title="Open deals by forecast category",
        kind="bar",
        labels=[r.label for r in rows],
        series=[
            Series("Expected ARR", [r.arr for r in rows]),
            Series("Weighted ARR", [r.weighted for r in rows]),
        ],
        links=hrefs,
    )
    return {"chart": chart, "rows": list(zip(rows, hrefs, strict=True))}


@panel("ae", "closing", title="Deals closing this month")
def closing(*, workspace, membership, period):
    """Open deals expected to close this month: count, ARR, the largest five (3 queries)."""
    got = deals.closing_this_month(workspace, owner_id=_owner_id(membership), today=period.today)
    href = _deals_url(workspace, membership, closing="month")
    if not got.count:
        return {
            "empty": Empty(
                f"No open deal is expected to close in {period.today:%B}. Keep the expected "
                "close dates of your deals current in My pipeline.",
                "Open My pipeline",
                _deals_url(workspace, membership),
            )
        }
    return {
        "figures": [
            Figure("Deals", got.count, "count", href),
            Figure("Expected ARR", got.arr, "money", href),
            Figure("Weighted ARR", got.weighted, "money", href),
        ],
        "deals": got.deals,
        "more": got.count > len(got.deals),
        "href": href,
        "show_owner": _owner_id(membership) is None,
    }


@panel("ae", "stale", title=f"Stale deals (no activity in {STALE_DAYS} days)")
def stale(*, workspace, membership, period):
    """Open deals with nothing done for STALE_DAYS: count, ARR, the quietest five (3 queries)."""
    got = deals.stale_deals(workspace, owner_id=_owner_id(membership))
    href = _deals_url(workspace, membership, stale="on")
    if not got.count:
        return {
            "empty": Empty(
                f"No stale deals: every open deal had an activity in the last {STALE_DAYS} days."
                " Log calls and meetings on the record page to keep it that way.",
                "Open My pipeline",
                _deals_url(workspace, membership),
            )
        }
    return {
        "figures": [
            Figure("Stale deals", got.count, "count", href),
            Figure("Their expected ARR", got.arr, "money", href),
        ],
        "deals": got.deals,
        "more": got.count > len(got.deals),
        "href": href,
        "show_owner": _owner_id(membership) is None,
    }


@panel("ae", "wins", title="Wins against target")
def wins(*, workspace, membership, period):
    """The seller's (or the Sales team's) wins this month and this year against the wins
    targets, from the monthly snapshots (2 queries)."""
    today = period.today
    owner_id = _owner_id(membership)
    scope = "team:sales" if owner_id is None else f"person:{owner_id}"
    got = target_selectors.wins_vs_target(workspace, scope=scope, today=today)
    rows = [a for a in (got.year, got.month) if a is not None]
    if not rows:
        return {
            "empty": empty_states.set_targets(
                workspace, membership, "No wins target is set for this year."
            )
        }
    for row in rows:
        first = months.index(today.year, row.target.month or 1)
        last = months.index(today.year, row.target.month or 12)
        row.href = links.actuals(workspace, Metric.WINS, first, last, scope=scope)
    chart = Chart(
        title="Wins against target",
        kind="bar",
        labels=[f"{today.year}" if r.target.month == 0 else f"{today:%B}" for r in rows],
        series=[
            Series("Target", [r.target.value for r in rows]),
            Series("Won", [r.actual for r in rows]),
        ],
        value_kind="count",
        links=[r.href for r in rows],
    )
    return {
        "rows": rows,
        "chart": chart,
        "not_computed": all(r.actual is None for r in rows),
        "metrics_url": links.metrics(workspace, months.index(today.year, 1), months.of_date(today)),
    }
