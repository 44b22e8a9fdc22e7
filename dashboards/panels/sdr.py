"""The SDR's home: the MQL queue by ICP score, SLA breaches, today's tasks and MQL -> SQL this
month against target. An SDR sees their own queue and figures; a leader or admin opening the
home sees the Inside Sales team's."""

from datetime import datetime, time, timedelta

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from dashboards import empty_states, links
from dashboards import selectors as dashboard_selectors
from dashboards.figures import Chart, Figure, Series
from dashboards.registry import panel
from pipeline import selectors as pipeline_selectors
from playbook.models import Role, Team
from records.models import Record, RecordStatus
from records.selectors import tasks as task_selectors
from targets import periods as months
from targets import selectors as target_selectors
from targets.models import Metric

# ICP score bands of the queue, highest first: (label, lowest, highest).
BANDS = (("80–100", 80, None), ("60–79", 60, 79), ("40–59", 40, 59), ("Under 40", 0, 39))


def _mine(membership) -> bool:
    """An SDR's home shows their own work; anyone else opening it sees the team's."""
    return membership.role == Role.SDR


@panel("sdr", "queue", title="MQLs to qualify, by ICP score")
def queue(*, workspace, membership, period):
    """Open records in the stages handed to Inside Sales (MQL by default), counted by ICP score
    band: 2 queries (the stages, one aggregate on the board index)."""
    stages = pipeline_selectors.qualification_stages(workspace)
    owner = membership.user_id if _mine(membership) else None
    rows = (
        Record.objects.of(workspace)
        .live()
        .filter(status=RecordStatus.OPEN, stage_id__in=[s.pk for s in stages])
    )
    if owner is not None:
        rows = rows.filter(owner_id=owner)
    bands = {
        label: Q(icp_score__gte=low) & (Q(icp_score__lte=high) if high is not None else Q())
        for label, low, high in BANDS
    }
    counts = rows.aggregate(
        **{f"b{i}": Count("id", filter=q) for i, q in enumerate(bands.values())},
        unscored=Count("id", filter=Q(icp_score__isnull=True)),
    )
    total = sum(counts.values())
    if not stages or not total:
        return {
            "empty": empty_states.add_records(
                workspace, "No MQLs are waiting." if stages else "No stage hands work to SDRs."
            )
        }
    base = {"status": RecordStatus.OPEN, "owner": owner}
    # The list behind a band: one stage at a time (the records list filters by one stage).
    stage = stages[0].pk if len(stages) == 1 else None
    figures = [
        Figure(
            label,
            counts[f"b{i}"],
            "count",
            links.records(workspace, **base, stage=stage, icp_min=low, icp_max=high),
        )
        for i, (label, low, high) in enumerate(BANDS)
    ]
    figures.append(
        Figure(
            "No score yet",
            counts["unscored"],
            "count",
            links.records(workspace, **base, stage=stage, unscored="true"),
        )
    )
    chart = Chart(
        title="MQLs by ICP score",
        kind="bar",
        labels=[f.label for f in figures],
        series=[Series("Records", [f.value for f in figures])],
        value_kind="count",
        links=[f.href for f in figures],
    )
    queue_url = links.page("pipeline:mql_queue", workspace, mine="1" if owner else "")
    return {"figures": figures, "chart": chart, "total": total, "queue_url": queue_url}


@panel("sdr", "sla", title="SLA breaches")
def sla(*, workspace, membership, period):
    """Records waiting past their stage's SLA in the qualification stages (the board's own
    totals: 2 queries)."""
    stages = pipeline_selectors.qualification_stages(workspace)
    owners = [membership.user_id] if _mine(membership) else None
    totals = pipeline_selectors.column_totals(workspace, stages, owners=owners)
    waiting = sum(row["n"] for row in totals.values())
    if not waiting:
        return {"empty": empty_states.add_records(workspace, "Nothing is waiting to be qualified.")}
    mine = "1" if owners else ""
    queue_url = links.page("pipeline:mql_queue", workspace, mine=mine)
    late_url = links.page("pipeline:mql_queue", workspace, mine=mine, late="1")
    rows = [
        (
            s,
            Figure("Past the SLA", totals.get(s.pk, {}).get("late", 0), "count", late_url),
            Figure("Waiting", totals.get(s.pk, {}).get("n", 0), "count", queue_url),
        )
        for s in stages
    ]
    late = sum(row["late"] for row in totals.values())
    return {
        "rows": rows,
        "figures": [
            Figure("Past the SLA", late, "count", late_url),
            Figure("Waiting to be qualified", waiting, "count", queue_url),
        ],
    }


TASKS_SHOWN = 8


@panel("sdr", "tasks", title="Today's tasks")
def tasks(*, workspace, membership, period):
    """The viewer's open tasks: overdue, due today, and the first few by due date (2 queries)."""
    today = period.today
    start = timezone.make_aware(datetime.combine(today, time.min), workspace.tzinfo)
    end = start + timedelta(days=1)
    counts = task_selectors.open_task_counts(
        workspace, membership.user, day_start=start, day_end=end
    )
    if not counts["open"]:
        return {
            "empty": empty_states.add_records(
                workspace, "No open tasks. Tasks come with every handoff and from your records."
            )
        }
    page = task_selectors.my_open_tasks(workspace, membership.user, cursor=None, size=TASKS_SHOWN)
    url = reverse("records:tasks", args=[workspace.slug])
    return {
        "figures": [
            Figure("Overdue", counts["overdue"], "count", url),
            Figure("Due today", counts["today"], "count", url),
            Figure("Open in all", counts["open"], "count", url),
        ],
        "tasks": page.items,
        "start": start,
        "end": end,
        "tasks_url": url,
    }


@panel("sdr", "conversion", title="MQL → SQL this month")
def conversion(*, workspace, membership, period):
    """SQLs made this month (credited to the SDR who made them, docs/METRICS.md) against the
    month's SQL target, and the workspace's MQL -> SQL conversion this month. 3 queries."""
    month = months.of_date(period.today)
    scope = f"person:{membership.user_id}" if _mine(membership) else f"team:{Team.INSIDE_SALES}"
    own = target_selectors.snapshots(workspace, first=month, last=month, key=scope)
    totals = dashboard_selectors.period_totals(workspace, first=month, last=month)
    target = dashboard_selectors.period_target(
        workspace, Metric.SQLS, first=month, last=month, scope_key=scope
    )
    if not totals.months:
        label = f"{period.today:%B %Y}"
        return {
            "empty": empty_states.add_records(
                workspace,
                f"No MQLs or SQLs in {label} yet (the monthly metrics are computed every night).",
            )
        }
    sqls = target_selectors.metric_value(own[0], Metric.SQLS) if own else 0
    sqls = sqls or 0
    who = "you" if _mine(membership) else "the Inside Sales team"
    made = links.actuals(workspace, Metric.SQLS, month, month, scope=scope)
    figures = [
        Figure(f"SQLs made by {who}", sqls, "count", made),
        Figure(
            "SQL target",
            target,
            "count",
            reverse("targets:page", args=[workspace.slug]),
            note="" if target is not None else "no target for this month",
        ),
        Figure(
            "Of target",
            None if not target else sqls / target,
            "percent",
            made,
        ),
        Figure(
            "MQL → SQL (company)",
            totals.conversion("mql"),
            "percent",
            links.actuals(workspace, Metric.MQLS, month, month),
            note=f"of {totals.entered.get('mql', 0)} MQLs this month",
        ),
    ]
    return {"figures": figures}
