"""Monthly metric snapshots: computed set-based in the database (rollups.funnel, rollups.mrr),
then written with one upsert per month and scope, so a rebuild of the same months is idempotent
and equal to a rebuild from scratch."""

from django.db import connection
from django.utils import timezone

from targets import periods
from targets.models import SOURCE_METRICS, MetricSnapshot, Scope, scope_key
from targets.rollups.funnel import funnel_figures
from targets.rollups.mrr import ledger_available, mrr_figures

FUNNEL_COLUMNS = (
    "leads",
    "mqls",
    "sqls",
    "opportunities",
    "wins",
    "lost_deals",
    "sales_accepted_leads",
    "activities",
)
WRITTEN = (
    "team",
    "user",
    "mrr_start",
    "mrr_end",
    "new_mrr",
    "expansion_mrr",
    "contraction_mrr",
    "churn_mrr",
    "reactivation_mrr",
    "customers_start",
    "customers_end",
    "new_customers",
    "churned_customers",
    "cohort_mrr_end",
    "cohort_mrr_kept",
    "t12_mrr_start",
    "t12_mrr_end",
    "t12_mrr_kept",
    *FUNNEL_COLUMNS,
    "sales_cycle_days",
    "stages",
    "computed_at",
)


def first_activity_month(workspace) -> int | None:
    """The month of the workspace's earliest stage-history or ledger row (None when empty)."""
    from customers.models import MrrMovement
    from pipeline.models import StageTransition

    candidates = []
    first_move = StageTransition.objects.of(workspace).order_by("at").values_list("at").first()
    if first_move:
        candidates.append(periods.of_date(workspace.today(first_move[0])))
    if ledger_available():
        first_row = (
            MrrMovement.objects.of(workspace)
            .order_by("effective_on")
            .values_list("effective_on")
            .first()
        )
        if first_row:
            candidates.append(periods.of_date(first_row[0]))
    return min(candidates) if candidates else None


def rebuild(workspace, *, first: int, last: int) -> int:
    """Recompute months first..last (indexes, inclusive) for every scope; returns rows written.
    The caller holds a transaction."""
    if last < first:
        return 0
    _sort_in_memory()
    funnel = funnel_figures(workspace, first, last)
    money = mrr_figures(workspace.pk, first, last) if ledger_available() else {}
    now = timezone.now()
    rows: dict = {}
    for m in range(first, last + 1):
        rows[("workspace", None, "", m)] = {"stages": _empty_stages(funnel["stages"])}
    for key, figures in [*funnel["rows"].items(), *money.items()]:
        rows.setdefault(key, {}).update(figures)
    snapshots = []
    for (scope, user_id, name, m), figures in rows.items():
        if not first <= m <= last:
            continue
        # A source row counts stage entries only; what it does not measure stays NULL.
        by_source = scope == Scope.SOURCE
        team, source = ("", name) if by_source else (name, "")
        measured = SOURCE_METRICS if by_source else FUNNEL_COLUMNS
        for column in measured:
            figures.setdefault(column, 0)
        snapshots.append(
            MetricSnapshot(
                workspace=workspace,
                month=periods.first_day(m),
                scope_key=scope_key(scope, team, user_id, source),
                team=team,
                user_id=user_id,
                computed_at=now,
                **figures,
            )
        )
    MetricSnapshot.objects.bulk_create(
        snapshots,
        batch_size=1000,
        update_conflicts=True,
        unique_fields=["workspace", "month", "scope_key"],
        update_fields=[c for c in WRITTEN if c != "user"] + ["user"],
    )
    # A person or team with nothing left in a rebuilt month (a moved record, a re-credited
    # customer) must not keep last night's figures.
    written = {(snap.month, snap.scope_key) for snap in snapshots}
    existing = MetricSnapshot.objects.of(workspace).filter(
        month__gte=periods.first_day(first), month__lte=periods.first_day(last)
    )
    stale = [
        pk
        for pk, month, key in existing.values_list("pk", "month", "scope_key")
        if (month, key) not in written
    ]
    if stale:
        MetricSnapshot.objects.of(workspace).filter(pk__in=stale).delete()
    return len(snapshots)


def _sort_in_memory() -> None:
    """The rollup sorts and hashes a few hundred thousand rows (the ledger view's windows, the
    stage entries); PostgreSQL's default 4 MB per sort spills them to disk. For this transaction
    only, give each sort enough memory to stay in it."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SET LOCAL work_mem = '64MB'")


def _empty_stages(stages) -> list[dict]:
    return [{"key": s["key"], "name": s["name"], "entered": 0, "advanced": 0} for s in stages]
