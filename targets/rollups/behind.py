"""The records behind an actual: the same facts the rollup counted (rollups.funnel, rollups.mrr),
listed for one metric, range of months and scope, newest first and bounded."""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.db import connection
from django.utils.dateparse import parse_date, parse_datetime

from targets import periods
from targets.models import MONEY_METRICS, Metric
from targets.rollups import funnel, mrr

LIMIT = 200
STAGE_OF_METRIC = {
    Metric.LEADS: "lead",
    Metric.MQLS: "mql",
    Metric.SQLS: "sql",
    Metric.OPPORTUNITIES: "opportunity",
}
KINDS_OF_METRIC = {
    Metric.NEW_ARR: ("new",),
    Metric.EXPANSION_ARR: ("expansion",),
    Metric.CHURNED_ARR: ("churn",),
    Metric.NET_NEW_ARR: ("new", "expansion", "reactivation", "contraction", "churn"),
}


@dataclass
class Fact:
    record_id: int
    when: date | datetime
    amount: Decimal | None = None  # ARR moved, for the money metrics
    kind: str = ""
    activity_id: int | None = None


def _scope_filter(scope_key: str, params: dict, source: str) -> tuple[str, str]:
    """(join, where) restricting `source` rows to a person or a team."""
    if scope_key.startswith("person:"):
        params["user"] = int(scope_key.split(":", 1)[1])
        return "", f" AND {source}.user_id = %(user)s"
    if scope_key.startswith("team:"):
        params["team"] = scope_key.split(":", 1)[1]
        join = (
            f" JOIN playbook_membership mb ON mb.workspace_id = %(ws)s"
            f" AND mb.user_id = {source}.user_id"
        )
        return join, " AND mb.team = %(team)s"
    return "", ""


def facts(
    workspace, metric: str, *, first: int, last: int, scope_key: str, kind: str = "", source=""
) -> list[Fact]:
    """At most LIMIT + 1 facts (the caller says "first LIMIT" when there are more). `kind`
    narrows a money metric to one movement kind of it (net new ARR's contraction); `source`
    narrows a funnel metric to records of that source (the dashboards' "leads by source")."""
    if metric in MONEY_METRICS:
        return _ledger_facts(
            workspace, metric, first=first, last=last, scope_key=scope_key, kind=kind
        )
    return _funnel_facts(
        workspace, metric, first=first, last=last, scope_key=scope_key, source=source
    )


def _funnel_facts(workspace, metric, *, first, last, scope_key, source="") -> list[Fact]:
    params, stages = funnel.query_params(
        workspace.pk, periods.start(first), periods.start(last + 1)
    )
    stage_ids = {s["key"]: s["id"] for s in stages if not s["is_retired"]}
    stage_id = None
    if metric in STAGE_OF_METRIC:
        fact, stage_id = "entered", stage_ids.get(STAGE_OF_METRIC[metric], -1)
    elif metric == Metric.WINS:
        fact, stage_id = "entered", params["won_id"]
    else:
        fact = {Metric.ACTIVITIES: "activity", Metric.SALES_ACCEPTED_LEADS: "accepted"}[metric]
    params.update(fact=fact, stage=stage_id, limit=LIMIT + 1)
    join, where = _scope_filter(scope_key, params, "facts")
    stage = " AND facts.stage_id = %(stage)s" if stage_id is not None else ""
    if source:
        params["source"] = source
        join += " JOIN records_record src ON src.workspace_id = %(ws)s AND src.id = facts.rec"
        where += " AND src.source = %(source)s"
    sql = f"""
        WITH {funnel.facts_sql(stages)}
        SELECT facts.rec, MAX(facts.at) AS last_at FROM facts{join}
        WHERE facts.metric = %(fact)s{stage}{where}
        GROUP BY facts.rec ORDER BY last_at DESC, facts.rec DESC LIMIT %(limit)s"""
    with connection.cursor() as cur:
        cur.execute(sql, params)
        rows = cur.fetchall()
    if fact != "activity":
        return [Fact(record_id=rec, when=_when(at)) for rec, at in rows]
    from records.models import Activity

    record_of = dict(
        Activity.objects.of(workspace)
        .filter(pk__in=[rec for rec, _ in rows])
        .values_list("pk", "record_id")
    )
    return [Fact(record_id=record_of[rec], when=_when(at), activity_id=rec) for rec, at in rows]


def _ledger_facts(workspace, metric, *, first, last, scope_key, kind="") -> list[Fact]:
    if not mrr.ledger_available():
        return []
    params = {
        "ws": workspace.pk,
        "first": first,
        "last": last,
        "end": periods.first_day(last + 1),
        "limit": LIMIT + 1,
    }
    # Kinds are the constants above, never the visitor's text (the view checks `kind` is one).
    chosen = [k for k in KINDS_OF_METRIC[metric] if not kind or k == kind]
    kinds = ", ".join(f"'{k}'" for k in chosen)
    join, where = _scope_filter(scope_key, params, "moves")
    sql = f"""
        WITH {mrr.moves_cte()}
        SELECT moves.record_id, moves.effective_on, moves.amount, moves.kind FROM moves{join}
        WHERE moves.kind IN ({kinds}){where}
        ORDER BY moves.effective_on DESC, moves.id DESC LIMIT %(limit)s"""
    with connection.cursor() as cur:
        cur.execute(sql, params)
        rows = cur.fetchall()
    return [
        Fact(record_id=rec, when=_when(day), amount=mrr.money(amount) * 12, kind=kind)
        for rec, day, amount, kind in rows
    ]


def _when(value):
    """SQLite answers raw queries with text; PostgreSQL with dates and datetimes."""
    if isinstance(value, str):
        return parse_datetime(value) or parse_date(value)
    return value
