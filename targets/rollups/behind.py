"""The records behind an actual: the same facts the rollup counted (rollups.funnel, rollups.mrr),
listed for one metric, range of months and scope, newest first, a page at a time.

Pages are keyset pages (records/keyset.py's signed cursors): the next page starts after the
last fact shown, (time, id) descending, so a year of activities pages as cheaply as a month."""

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from django.db import connection
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from records import keyset
from targets import periods
from targets.models import MONEY_METRICS, Metric
from targets.rollups import dialect, funnel, mrr

PAGE = 100
# The `source` value that asks for the records without a source.
NO_SOURCE = "none"
SALT = "targets.actuals"
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
    key: int = 0  # the id that breaks ties of `when` in the order (record, activity or row)


@dataclass
class FactPage:
    facts: list[Fact]
    next_cursor: str | None


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
    workspace,
    metric: str,
    *,
    first: int,
    last: int,
    scope_key: str,
    cursor: str | None = None,
    size: int | None = None,
    kind: str = "",
    source: str = "",
) -> FactPage:
    """One page of the facts behind an actual, newest first, after `cursor` (a previous page's
    next_cursor; keyset.InvalidCursor if it was tampered with or belongs to another list).
    `kind` narrows a money metric to one movement kind of it (net new ARR's contraction);
    `source` narrows a funnel metric to records of that source (the dashboards' "leads by
    source"), or NO_SOURCE to the records without one."""
    size = size or PAGE
    scope = f"{metric}|{first}|{last}|{scope_key}|{kind}|{source}"
    after = keyset.decode(cursor, salt=SALT, scope=scope) if cursor else None
    if metric in MONEY_METRICS:
        found = _ledger_facts(
            workspace, metric, first=first, last=last, scope_key=scope_key, after=after,
            size=size, kind=kind,
        )  # fmt: skip
    else:
        found = _funnel_facts(
            workspace, metric, first=first, last=last, scope_key=scope_key, after=after,
            size=size, source=source,
        )  # fmt: skip
    next_cursor = None
    if len(found) > size:
        found = found[:size]
        next_cursor = keyset.encode(salt=SALT, scope=scope, value=found[-1].when, pk=found[-1].key)
    return FactPage(found, next_cursor)


def _funnel_facts(
    workspace, metric, *, first, last, scope_key, after, size, source=""
) -> list[Fact]:
    params, stages, bounds = funnel.query_params(workspace, first, last)
    stage_ids = {s["key"]: s["id"] for s in stages if not s["is_retired"]}
    stage_id = None
    if metric in STAGE_OF_METRIC:
        fact, stage_id = "entered", stage_ids.get(STAGE_OF_METRIC[metric], -1)
    elif metric == Metric.WINS:
        fact, stage_id = "entered", params["won_id"]
    else:
        fact = {Metric.ACTIVITIES: "activity", Metric.SALES_ACCEPTED_LEADS: "accepted"}[metric]
    params.update(fact=fact, stage=stage_id, limit=size + 1)
    join, where = _scope_filter(scope_key, params, "facts")
    stage = " AND facts.stage_id = %(stage)s" if stage_id is not None else ""
    if source:
        # NO_SOURCE asks for the records without one, as the snapshots' "source:none" row counts.
        params["source"] = "" if source == NO_SOURCE else source
        join += " JOIN records_record src ON src.workspace_id = %(ws)s AND src.id = facts.rec"
        where += " AND COALESCE(src.source, '') = %(source)s"
    having = ""
    if after is not None:
        params.update(after_at=dialect.timestamp_param(after[0]), after_id=after[1])
        having = (
            " HAVING MAX(facts.at) < %(after_at)s"
            " OR (MAX(facts.at) = %(after_at)s AND facts.rec < %(after_id)s)"
        )
    sql = f"""
        WITH {funnel.facts_sql(stages, bounds)}
        SELECT facts.rec, MAX(facts.at) AS last_at FROM facts{join}
        WHERE facts.metric = %(fact)s{stage}{where}
        GROUP BY facts.rec{having} ORDER BY last_at DESC, facts.rec DESC LIMIT %(limit)s"""
    with connection.cursor() as cur:
        cur.execute(sql, params)
        rows = cur.fetchall()
    if fact != "activity":
        return [Fact(record_id=rec, when=_when(at), key=rec) for rec, at in rows]
    from records.models import Activity

    record_of = dict(
        Activity.objects.of(workspace)
        .filter(pk__in=[rec for rec, _ in rows])
        .values_list("pk", "record_id")
    )
    return [
        Fact(record_id=record_of[rec], when=_when(at), activity_id=rec, key=rec) for rec, at in rows
    ]


def _ledger_facts(workspace, metric, *, first, last, scope_key, after, size, kind="") -> list[Fact]:
    if not mrr.ledger_available():
        return []
    params = {
        "ws": workspace.pk,
        "first": first,
        "last": last,
        "end": periods.first_day(last + 1),
        "limit": size + 1,
    }
    # Kinds are the constants above, never the visitor's text (the view checks `kind` is one).
    chosen = [k for k in KINDS_OF_METRIC[metric] if not kind or k == kind]
    kinds = ", ".join(f"'{k}'" for k in chosen)
    join, where = _scope_filter(scope_key, params, "moves")
    if after is not None:
        params.update(after_on=after[0], after_id=after[1])
        where += (
            " AND moves.effective_on <= %(after_on)s"
            " AND (moves.effective_on < %(after_on)s OR moves.id < %(after_id)s)"
        )
    sql = f"""
        WITH {mrr.moves_cte()}
        SELECT moves.record_id, moves.effective_on, moves.amount, moves.kind, moves.id
        FROM moves{join}
        WHERE moves.kind IN ({kinds}){where}
        ORDER BY moves.effective_on DESC, moves.id DESC LIMIT %(limit)s"""
    with connection.cursor() as cur:
        cur.execute(sql, params)
        rows = cur.fetchall()
    return [
        Fact(record_id=rec, when=_when(day), amount=mrr.money(amount) * 12, kind=kind, key=pk)
        for rec, day, amount, kind, pk in rows
    ]


def _when(value):
    """SQLite answers raw queries with text (timestamps in UTC); PostgreSQL with dates and
    aware datetimes."""
    if isinstance(value, str):
        moment = parse_datetime(value)
        if moment is None:
            return parse_date(value)
        return moment if timezone.is_aware(moment) else moment.replace(tzinfo=UTC)
    return value
