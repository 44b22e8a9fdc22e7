"""The MRR part of the monthly snapshots, aggregated in the database without expanding
customers into months.

The movement kinds and each customer's MRR just before and after every ledger row come from the
Customers app's one derivation (the view behind `customers.models.ClassifiedMovement`); nothing
here classifies a movement again. From it:

- movements: the month's sum of (customer MRR after - before) per kind, and the customers
  concerned;
- spans: per customer, one span per month with ledger rows, [that month, its next month with
  rows), holding the MRR after the month's last row (its month-end MRR throughout the span);
- balances as difference events: a span adds its MRR (and one customer) at its start and takes
  it away at its end, so MRR and customers at each month end are running sums over a few
  hundred event rows, not customers x months;
- cohorts as pairs of spans of one customer: "paying at the end of month m - k, judged at the end
  of month m" (k = 1 for NRR/GRR, 12 for the trailing twelve months) holds for the months m where
  m - k falls in one span and m in the other; each pair adds its end MRR and min(start, end) over
  that range of months, again as two events.
"""

from collections import defaultdict
from decimal import Decimal

from django.db import connection

from targets import periods
from targets.rollups import dialect

CENT = Decimal("0.01")
KIND_COLUMNS = {
    "new": "new_mrr",
    "expansion": "expansion_mrr",
    "contraction": "contraction_mrr",
    "churn": "churn_mrr",
    "reactivation": "reactivation_mrr",
}


def money(value) -> Decimal:
    """SQLite sums decimals as floats; both databases end as Decimal cents."""
    if value is None:
        return Decimal("0.00")
    if isinstance(value, float):
        return Decimal(f"{value:.2f}")
    return Decimal(value).quantize(CENT)


def _ledger_sql() -> str:
    return f"""
    cm AS (
        SELECT id, record_id, effective_on, kind,
               customer_mrr_before AS before_mrr, customer_mrr_after AS after_mrr,
               {dialect.month_of_date("effective_on")} AS m
        FROM customers_classified_movement
        WHERE workspace_id = %(ws)s AND effective_on < %(end)s
    )"""


def _spans_sql() -> str:
    """`spans`: (record_id, a, b, v): the customer's month-end MRR is v in months a..b-1."""
    return f"""
    {_ledger_sql()},
    ranked AS (
        SELECT record_id, m, after_mrr,
               ROW_NUMBER() OVER (
                   PARTITION BY record_id, m ORDER BY effective_on DESC, id DESC
               ) AS rn
        FROM cm
    ),
    spans AS (
        SELECT record_id, m AS a, after_mrr AS v,
               COALESCE(LEAD(m) OVER (PARTITION BY record_id ORDER BY m), %(far)s) AS b
        FROM ranked WHERE rn = 1
    )"""


def _pairs(k: int) -> str:
    """Pairs of spans of one customer (i paying at the end of month m - k, j at m), with the
    months m for which that holds: [lo, hi)."""
    lo = f"CASE WHEN si.a + {k} > sj.a THEN si.a + {k} ELSE sj.a END"
    hi = f"CASE WHEN si.b + {k} < sj.b THEN si.b + {k} ELSE sj.b END"
    kept = "CASE WHEN si.v < sj.v THEN si.v ELSE sj.v END"
    return f"""
        SELECT {lo} AS lo, {hi} AS hi, sj.v AS v_end, {kept} AS v_kept
        FROM spans si JOIN spans sj ON sj.record_id = si.record_id AND sj.a >= si.a
        WHERE si.v > 0 AND sj.v > 0 AND sj.a < si.b + {k}"""


def _figures_sql() -> str:
    """One statement, so the ledger view is read once, answering two kinds of rows:

    - ('balance', what, month, amount, kept, n): difference events; a running sum over months
      gives MRR and customers at each month end ('end'), and each cohort's end and kept MRR
      ('c1', 'c12');
    - ('movement', scope, month, amount, NULL, customers) with the kind, the person credited and
      the team: the month's movements for the workspace, each person and each team.
    """
    cohorts = "".join(f"\n    pairs{k} AS ({_pairs(k)}\n    )," for k in (1, 12))
    money_null, id_null = "CAST(NULL AS NUMERIC)", "CAST(NULL AS INTEGER)"
    return f"""
    WITH {_spans_sql()},{cohorts}
    events AS (
        SELECT 'end' AS what, a AS m, v AS amount, v AS kept, 1 AS n FROM spans WHERE v > 0
        UNION ALL SELECT 'end', b, -v, -v, -1 FROM spans WHERE v > 0
        UNION ALL SELECT 'c1', lo, v_end, v_kept, 0 FROM pairs1 WHERE lo < hi
        UNION ALL SELECT 'c1', hi, -v_end, -v_kept, 0 FROM pairs1 WHERE lo < hi
        UNION ALL SELECT 'c12', lo, v_end, v_kept, 0 FROM pairs12 WHERE lo < hi
        UNION ALL SELECT 'c12', hi, -v_end, -v_kept, 0 FROM pairs12 WHERE lo < hi
    ),
    {moves_cte(with_ledger=False)},
    -- One row per month, kind and customer (a customer's movements of a kind in a month all go
    -- to one person), so the roll-ups below count rows instead of sorting for DISTINCT.
    per_customer AS (
        SELECT m, kind, user_id, record_id, SUM(amount) AS amount FROM moves
        GROUP BY m, kind, user_id, record_id
    )
    SELECT 'balance', what, {id_null}, '', m, '', SUM(amount), SUM(kept), SUM(n) FROM events
    WHERE m <= %(last)s GROUP BY what, m
    UNION ALL
    SELECT 'movement', 'workspace', {id_null}, '', m, kind, SUM(amount), {money_null}, COUNT(*)
    FROM per_customer GROUP BY m, kind
    UNION ALL
    SELECT 'movement', 'person', user_id, '', m, kind, SUM(amount), {money_null}, COUNT(*)
    FROM per_customer WHERE user_id IS NOT NULL GROUP BY user_id, m, kind
    UNION ALL
    SELECT 'movement', 'team', {id_null}, mb.team, m, kind, SUM(amount), {money_null}, COUNT(*)
    FROM per_customer JOIN playbook_membership mb
      ON mb.workspace_id = %(ws)s AND mb.user_id = per_customer.user_id
    WHERE mb.team <> ''
    GROUP BY mb.team, m, kind"""


def _running(events: list[tuple], what: str, first: int, last: int) -> dict[int, tuple]:
    """{month: (amount, kept, n)} at each month end from `first` - 12 to `last`, by summing
    the difference events of all months before."""
    deltas = defaultdict(lambda: [Decimal(0), Decimal(0), 0])
    for kind, m, amount, kept, n in events:
        if kind == what:
            d = deltas[m]
            d[0] += money(amount)
            d[1] += money(kept)
            d[2] += int(n)
    total = [Decimal(0), Decimal(0), 0]

    def add(d):
        total[0], total[1], total[2] = total[0] + d[0], total[1] + d[1], total[2] + d[2]

    for m in sorted(deltas):
        if m < first - 12:
            add(deltas[m])
    out = {}
    for month in range(first - 12, last + 1):
        if month in deltas:
            add(deltas[month])
        out[month] = tuple(total)
    return out


def moves_cte(*, with_ledger: bool = True) -> str:
    """`moves`: each classified ledger row from month `first` on, with its amount (customer MRR
    after - before) and the person credited. A new customer is credited to the seller who first
    moved it into a won stage (that transition's previous owner); every later movement to the
    customer's owner (its CSM)."""
    ledger = f"{_ledger_sql()}," if with_ledger else ""
    return f"""
    {ledger}
    won_moves AS (
        SELECT t.record_id, COALESCE(t.from_owner_id, t.to_owner_id) AS user_id,
               ROW_NUMBER() OVER (PARTITION BY t.record_id ORDER BY t.at, t.id) AS rn
        FROM pipeline_stagetransition t
        JOIN pipeline_stagedefinition s ON s.id = t.to_stage_id
        WHERE t.workspace_id = %(ws)s AND s.workspace_id = %(ws)s AND s.is_won = {dialect.true()}
    ),
    moves AS (
        SELECT cm.id, cm.m, cm.kind, cm.record_id, cm.effective_on,
               cm.after_mrr - cm.before_mrr AS amount,
               CASE WHEN cm.kind = 'new' THEN w.user_id ELSE r.owner_id END AS user_id
        FROM cm
        JOIN records_record r ON r.id = cm.record_id
        LEFT JOIN won_moves w ON w.record_id = cm.record_id AND w.rn = 1
        WHERE cm.m >= %(first)s AND cm.kind IS NOT NULL
    )"""


def mrr_figures(workspace_id: int, first: int, last: int) -> dict:
    """{(scope, user_id, team, month_index): {column: value}} for months first..last."""
    params = {
        "ws": workspace_id,
        "first": first,
        "last": last,
        # A span still open at the end runs past every month asked for.
        "far": last + 13,
        # Rows effective before the first day after the range; the view has already classified
        # them over the whole history.
        "end": _day_after(last),
    }
    out: dict = defaultdict(dict)
    with connection.cursor() as cur:
        cur.execute(_figures_sql(), params)
        rows = cur.fetchall()
    events = [(what, m, a, b, n) for tag, what, _, _, m, _, a, b, n in rows if tag == "balance"]
    movements = [
        (scope, user_id, team, m, kind, amount, n)
        for tag, scope, user_id, team, m, kind, amount, _, n in rows
        if tag == "movement"
    ]
    ends = _running(events, "end", first, last)
    c1 = _running(events, "c1", first, last)
    c12 = _running(events, "c12", first, last)
    for m in range(first, last + 1):
        row = out[("workspace", None, "", m)]
        row["mrr_start"], _, row["customers_start"] = ends[m - 1]
        row["mrr_end"], _, row["customers_end"] = ends[m]
        row["cohort_mrr_end"], row["cohort_mrr_kept"], _ = c1[m]
        row["t12_mrr_start"] = ends[m - 12][0]
        row["t12_mrr_end"], row["t12_mrr_kept"], _ = c12[m]
        for column in KIND_COLUMNS.values():
            row[column] = money(0)
        row["new_customers"] = row["churned_customers"] = 0
    for scope, user_id, team, m, kind, amount, customers in movements:
        row = out[(scope, user_id, team or "", m)]
        for column in KIND_COLUMNS.values():
            row.setdefault(column, money(0))
        # Contraction and churn are stored as positive amounts lost.
        row[KIND_COLUMNS[kind]] = abs(money(amount))
        if scope == "workspace" and kind == "new":
            row["new_customers"] = customers
        if scope == "workspace" and kind == "churn":
            row["churned_customers"] = customers
    return dict(out)


def _day_after(last: int):
    return periods.first_day(last + 1)


def ledger_available() -> bool:
    """The Customers app's derivation is a database view created by its migrations."""
    with connection.cursor() as cur:
        names = connection.introspection.table_names(cur, include_views=True)
    return "customers_classified_movement" in names
