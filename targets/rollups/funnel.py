"""The funnel part of the monthly snapshots, from the stage history, in a few set-based queries.

A record *enters* a stage when a forward move reaches it or passes it (a skip from Lead to SQL
enters MQL and SQL), so every stage's cohort contains the next one's and a conversion rate never
exceeds 100 %. A record created directly in a later stage (an imported customer) enters only
that stage: it never was a lead. Credit goes to the person who worked the record before the move
(the transition's previous owner; the new owner when the record was just created): the marketer
who made it an MQL, the AE who won it.
"""

from collections import defaultdict
from decimal import Decimal
from itertools import pairwise

from django.db import connection

from targets import periods
from targets.rollups import dialect

# The metric columns that count records entering the stage with that key.
STAGE_METRICS = {
    "lead": "leads",
    "mql": "mqls",
    "sql": "sqls",
    "opportunity": "opportunities",
}
WON_KEY = "won"
FACT_COLUMNS = {
    "lost": "lost_deals",
    "accepted": "sales_accepted_leads",
    "activity": "activities",
}
# Activities that are touches with a customer; tasks are to-dos and notes are not contacts.
UNCOUNTED_ACTIVITY_KINDS = ("task", "note")


def _stages(workspace_id: int) -> list[dict]:
    with connection.cursor() as cur:
        cur.execute(
            "SELECT id, key, name, position, is_won, is_retired FROM pipeline_stagedefinition "
            "WHERE workspace_id = %s ORDER BY position, id",
            [workspace_id],
        )
        cols = [c[0] for c in cur.description]
        return [dict(zip(cols, row, strict=True)) for row in cur.fetchall()]


def won_stage(stages: list[dict]) -> dict | None:
    """The stage whose entries are wins: the one keyed "won", else the first won stage."""
    active = [s for s in stages if not s["is_retired"]]
    return next((s for s in active if s["key"] == WON_KEY), None) or next(
        (s for s in active if s["is_won"]), None
    )


def _values(name: str, columns: str, rows: list[tuple]) -> str:
    """A small constant table as a CTE. Its rows are the workspace's stages (ids and positions
    from the database, never user text), inlined so that the planner knows how many there are:
    a CTE over the stage table is estimated at one row, which turns joins into nested loops
    over every transition."""
    never = "(" + ", ".join(["-2"] * len(columns.split(","))) + ")"
    body = ", ".join("(" + ", ".join(str(int(v)) for v in row) + ")" for row in rows) or never
    return f"{name}({columns}) AS (VALUES {body})"


def stage_tables(stages: list[dict]) -> str:
    """stg: every stage's position and flags; cre: the stage a created record enters; pass: for
    a forward move from a stage (-1: none) to a later one, every active stage it enters (the
    ones it passes and the one it reaches), each with the next active stage (-1: none)."""
    active = [s for s in stages if not s["is_retired"]]
    nxt = {a["id"]: b["id"] for a, b in pairwise(active)}
    stg = [(s["id"], s["position"], s["key"] == "mql", s["is_won"]) for s in stages]
    cre = [(s["id"], s["id"], s["position"], nxt.get(s["id"], -1)) for s in active]
    origins = [(-1, -1)] + [(s["id"], s["position"]) for s in stages]
    passes = [
        (from_id, t["id"], s["id"], s["position"], nxt.get(s["id"], -1))
        for from_id, from_pos in origins
        for t in stages
        if t["position"] > from_pos
        for s in active
        if from_pos < s["position"] <= t["position"]
    ]
    return ",\n    ".join(
        [
            _values("stg", "id, pos, is_mql, is_won", stg),
            _values("cre", "to_id, stage_id, pos, next_id", cre),
            _values("pass", "from_id, to_id, stage_id, pos, next_id", passes),
        ]
    )


def facts_sql(stages: list[dict], bounds: list[tuple[int, str]]) -> str:
    """One row per fact (m, metric, stage_id, user_id, rec, at): a record entering a stage, a
    deal lost at Opportunity or later, a lead accepted by sales, an activity. `m` is the month
    on the workspace's calendar (bounds: periods.utc_bounds of the months read)."""
    month_at = dialect.month_of_timestamp("t.at", bounds)
    return f"""
    {stage_tables(stages)},
    tr AS (
        SELECT t.id, t.record_id, t.at, t.kind, {month_at} AS m,
               COALESCE(t.from_owner_id, t.to_owner_id) AS user_id,
               COALESCE(t.from_stage_id, -1) AS from_id, t.to_stage_id AS to_id,
               COALESCE(fs.is_mql, 0) AS from_mql, ts.pos AS to_pos, ts.is_won AS to_won
        FROM pipeline_stagetransition t
        JOIN stg ts ON ts.id = t.to_stage_id
        LEFT JOIN stg fs ON fs.id = t.from_stage_id
        WHERE t.workspace_id = %(ws)s AND t.at >= %(start)s AND t.at < %(end)s
    ),
    entries AS (
        SELECT tr.record_id, tr.m, c.stage_id, c.pos, c.next_id, tr.user_id, tr.at
        FROM tr JOIN cre c ON c.to_id = tr.to_id
        WHERE tr.kind = 'created'
        UNION ALL
        SELECT tr.record_id, tr.m, p.stage_id, p.pos, p.next_id, tr.user_id, tr.at
        FROM tr JOIN pass p ON p.from_id = tr.from_id AND p.to_id = tr.to_id
        WHERE tr.kind = 'forward'
    ),
    facts AS (
        SELECT m, 'entered' AS metric, stage_id, user_id, record_id AS rec, at FROM entries
        UNION ALL
        SELECT m, 'lost', NULL, user_id, record_id, at FROM tr
        WHERE kind = 'lost' AND to_won = 0 AND to_pos >= %(opportunity_pos)s
        UNION ALL
        SELECT m, 'accepted', NULL,
               (SELECT COALESCE(q.from_owner_id, q.to_owner_id) FROM pipeline_stagetransition q
                WHERE q.workspace_id = %(ws)s AND q.record_id = tr.record_id
                  AND q.to_stage_id = %(mql_id)s AND q.at <= tr.at
                ORDER BY q.at DESC, q.id DESC LIMIT 1),
               record_id, at
        FROM tr WHERE kind = 'forward' AND from_mql = 1 AND to_pos >= %(sql_pos)s
        UNION ALL
        SELECT {dialect.month_of_timestamp("a.occurred_at", bounds)}, 'activity', NULL, a.actor_id,
               a.id,
               a.occurred_at
        FROM records_activity a
        WHERE a.workspace_id = %(ws)s AND a.occurred_at >= %(start)s AND a.occurred_at < %(end)s
          AND a.kind NOT IN {UNCOUNTED_ACTIVITY_KINDS!r}
    )"""


def _figures_sql(stages: list[dict], bounds: list[tuple[int, str]]) -> str:
    """Everything of the funnel in one statement over the facts, as rows of (scope, user_id,
    name, m, metric, stage_id, n, days), where name is the team of a team row and the record's
    source ('' for none) of a source row:

    - counts of distinct records (or activities) per fact, month and stage, for the workspace,
      each person credited and each team; records entering each stage per source (marketing's
      leads and MQLs by source, read by the dashboards without touching the records);
    - "advanced": per month and stage, how many of the records entering it that month entered
      the next active stage by the month's end (the cohort is judged when its month closes, so a
      closed month never changes). Per record and month the stages entered are in position
      order, so the next active stage, when entered, is the next row: a window, not a self-join;
    - "cycle": the median days from a record's first stage-history row to its entry into the won
      stage, per month of winning (a portable median: the middle one or two rows of the month).
    """
    days = dialect.days_between("w.won_at", "w.first_at")
    # Typed: PostgreSQL resolves a UNION's column types branch by branch, left to right.
    no_days = "CAST(NULL AS NUMERIC)"
    return f"""
    WITH {facts_sql(stages, bounds)},
    per_stage AS (
        SELECT record_id, m, stage_id, pos, next_id, MIN(at) AS first_at, MAX(at) AS last_at
        FROM entries GROUP BY record_id, m, stage_id, pos, next_id
    ),
    ordered AS (
        SELECT m, stage_id, next_id, first_at,
               LEAD(stage_id) OVER (PARTITION BY record_id, m ORDER BY pos) AS after_id,
               LEAD(last_at) OVER (PARTITION BY record_id, m ORDER BY pos) AS after_at
        FROM per_stage
    ),
    won AS (
        -- The first stage row by a correlated probe of the record's history index: a join of
        -- these CTEs would be planned on row estimates of 1 (a nested loop over all wins).
        SELECT m, record_id, first_at AS won_at,
               (SELECT MIN(q.at) FROM pipeline_stagetransition q
                WHERE q.workspace_id = %(ws)s AND q.record_id = per_stage.record_id) AS first_at
        FROM per_stage WHERE stage_id = %(won_id)s
    ),
    cycles AS (
        SELECT w.m, {days} AS days,
               ROW_NUMBER() OVER (PARTITION BY w.m ORDER BY {days}) AS rn,
               COUNT(*) OVER (PARTITION BY w.m) AS cnt
        FROM won w
    )
    SELECT 'workspace', NULL, '', m, metric, stage_id, COUNT(DISTINCT rec), {no_days} FROM facts
    GROUP BY m, metric, stage_id
    UNION ALL
    SELECT 'person', user_id, '', m, metric, stage_id, COUNT(DISTINCT rec), {no_days} FROM facts
    WHERE user_id IS NOT NULL
    GROUP BY user_id, m, metric, stage_id
    UNION ALL
    SELECT 'team', NULL, mb.team, m, metric, stage_id, COUNT(DISTINCT rec), {no_days} FROM facts
    JOIN playbook_membership mb ON mb.workspace_id = %(ws)s AND mb.user_id = facts.user_id
    WHERE mb.team <> ''
    GROUP BY mb.team, m, metric, stage_id
    UNION ALL
    SELECT 'source', NULL, COALESCE(r.source, ''), f.m, f.metric, f.stage_id,
           COUNT(DISTINCT f.rec), {no_days}
    FROM facts f JOIN records_record r ON r.workspace_id = %(ws)s AND r.id = f.rec
    WHERE f.metric = 'entered'
    GROUP BY COALESCE(r.source, ''), f.m, f.metric, f.stage_id
    UNION ALL
    SELECT 'workspace', NULL, '', m, 'advanced', stage_id, COUNT(*), {no_days}
    FROM ordered
    WHERE after_id = next_id AND after_at >= first_at
    GROUP BY m, stage_id
    UNION ALL
    SELECT 'workspace', NULL, '', m, 'cycle', NULL, NULL, AVG(days) FROM cycles
    WHERE rn IN ((cnt + 1) / 2, (cnt + 2) / 2)
    GROUP BY m"""


def _run(sql: str, params: dict) -> list[tuple]:
    with connection.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchall()


def query_params(workspace, first: int, last: int) -> tuple[dict, list[dict], list]:
    """The query parameters (the workspace, its time zone, the time range of months first..last
    on its calendar and the stages the facts need), the workspace's stages, and the months'
    bounds for facts_sql."""
    workspace_id, tz = workspace.pk, workspace.tzinfo
    stages = _stages(workspace_id)
    by_key = {s["key"]: s for s in stages if not s["is_retired"]}
    won = won_stage(stages)
    never = -1  # an id no stage has, when the workspace lacks a stage a fact needs
    return (
        {
            "ws": workspace_id,
            "tz": str(tz),
            "start": dialect.timestamp_param(periods.start(first, tz)),
            "end": dialect.timestamp_param(periods.start(last + 1, tz)),
            "opportunity_pos": by_key["opportunity"]["position"]
            if "opportunity" in by_key
            else 1e9,
            "mql_id": by_key["mql"]["id"] if "mql" in by_key else never,
            "sql_pos": by_key["sql"]["position"] if "sql" in by_key else 1e9,
            "won_id": won["id"] if won else never,
        },
        stages,
        periods.utc_bounds(first, last, tz),
    )


def funnel_figures(workspace, first: int, last: int) -> dict:
    """{(scope, user_id, name, month_index): {column: value}} for months first..last; name is
    a team row's team and a source row's source ('' for records without one)."""
    params, stages, bounds = query_params(workspace, first, last)
    stage_ids = {s["key"]: s["id"] for s in stages if not s["is_retired"]}
    won = won_stage(stages)
    metric_of_stage = {stage_ids[k]: col for k, col in STAGE_METRICS.items() if k in stage_ids}
    if won:
        metric_of_stage[won["id"]] = "wins"
    out: dict = defaultdict(lambda: {"entered": {}})
    advanced: dict = defaultdict(dict)
    cycle = {}
    for scope, user_id, team, m, metric, stage_id, n, days in _run(
        _figures_sql(stages, bounds), params
    ):
        if metric == "advanced":
            advanced[m][stage_id] = n
        elif metric == "cycle":
            cycle[m] = Decimal(str(round(days, 1)))
        elif metric == "entered":
            row = out[(scope, user_id, team or "", m)]
            row["entered"][stage_id] = n
            if stage_id in metric_of_stage:
                row[metric_of_stage[stage_id]] = n
        else:
            out[(scope, user_id, team or "", m)][FACT_COLUMNS[metric]] = n
    active = [s for s in stages if not s["is_retired"]]
    for (scope, _user, _team, m), row in out.items():
        entered = row.pop("entered")
        if scope != "workspace":
            continue
        row["stages"] = [
            {
                "key": s["key"],
                "name": s["name"],
                "entered": entered.get(s["id"], 0),
                "advanced": advanced[m].get(s["id"], 0),
            }
            for s in active
        ]
        row["sales_cycle_days"] = cycle.get(m)
    return {"rows": dict(out), "stages": active}
