"""Demo data for targets: the monthly snapshots computed from the seeded history, a seasonality
curve, and this year's plan made by the funnel planner from that history (new ARR 30 % above the
last twelve months) and distributed to the workspace, its teams and its people, so the targets
page shows attainment and pace right after `seed_demo`."""

from decimal import Decimal

from playbook.demo import DemoContext
from targets import periods, selectors, services
from targets.planner import Plan

GROWTH = Decimal("1.3")
# A quarter-end push: the last month of each quarter carries more.
QUARTER_END = ["7", "7", "11", "7", "7", "11", "7", "7", "11", "8", "8", "9"]


def seed(ctx: DemoContext) -> None:
    workspace = ctx.workspace
    today = workspace.today()
    admin = ctx.members["admin"][0]
    services.metrics_rebuild(workspace=workspace)
    curve = services.curve_save(workspace=workspace, name="Quarter-end push", weights=QUARTER_END)
    history = selectors.planner_history(workspace, today=today)
    last = periods.of_date(today) - 1
    done = selectors.snapshots(workspace, first=last - 11, last=last)
    new_arr = sum((s.new_mrr or 0 for s in done), Decimal(0)) * 12 * GROWTH
    plan = Plan(
        year=today.year,
        new_arr=(new_arr or Decimal("1200000")).quantize(Decimal(1)),
        curve=curve.shares,
        **{name: a.value for name, a in history.items()},
    )
    services.plan_distribute(workspace=workspace, actor=admin, plan=plan)
    for metric in ("new_arr", "net_new_arr"):
        services.target_set(
            workspace=workspace,
            actor=admin,
            metric=metric,
            year=today.year,
            month=0,
            scope="workspace",
            value=plan.new_arr,
        )
