"""The MRR part of the monthly snapshots: a month grid joined to the ledger, aggregated in the
database.

The movement kinds and each customer's MRR just before and after every ledger row come from the
Customers app's one derivation (the view behind `customers.models.ClassifiedMovement`); nothing
here classifies a movement again. From it:

- movements: the month's sum of (customer MRR after - before) per kind, and the customers
  concerned;
- month-end MRR per customer: the MRR after its last row in or before the month, held until its
  next row (one span per customer and month with a row, joined to the month grid);
- cohorts: the customers paying at the end of month m - 1 (m - 12 for the trailing twelve months)
  joined to their MRR at the end of month m.
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


def _month_ends_sql() -> str:
    """`ends`: (m, record_id, mrr) for every customer paying at the end of each grid month."""
    return f"""
    WITH RECURSIVE grid(m) AS (
        SELECT %(grid_first)s UNION ALL SELECT m + 1 FROM grid WHERE m < %(last)s
    ),
    {_ledger_sql()},
    last_rows AS (
        SELECT record_id, m, after_mrr FROM (
            SELECT record_id, m, after_mrr,
                   ROW_NUMBER() OVER (
                       PARTITION BY record_id, m ORDER BY effective_on DESC, id DESC
                   ) AS rn
            FROM cm
        ) ranked WHERE rn = 1
    ),
    spans AS (
        SELECT record_id, after_mrr, m AS m_from,
               COALESCE(LEAD(m) OVER (PARTITION BY record_id ORDER BY m), %(last)s + 1) AS m_to
        FROM last_rows
    ),
    ends AS (
        SELECT g.m, s.record_id, s.after_mrr AS mrr
        FROM spans s JOIN grid g ON g.m >= s.m_from AND g.m < s.m_to
        WHERE s.after_mrr > 0
    )"""


def _balances_sql() -> str:
    """Per month: MRR and customers at the end, and the cohorts judged at the end (the one
    paying a month before, and the one paying twelve months before)."""
    kept = "CASE WHEN COALESCE(e1.mrr, 0) < e0.mrr THEN COALESCE(e1.mrr, 0) ELSE e0.mrr END"
    return f"""
    {_month_ends_sql()}
    SELECT 'end', m, SUM(mrr), COUNT(*), NULL FROM ends GROUP BY m
    UNION ALL
    SELECT 'cohort1', e0.m + 1, SUM(e0.mrr), SUM(COALESCE(e1.mrr, 0)), SUM({kept})
    FROM ends e0 LEFT JOIN ends e1 ON e1.record_id = e0.record_id AND e1.m = e0.m + 1
    WHERE e0.m + 1 >= %(first)s
    GROUP BY e0.m + 1
    UNION ALL
    SELECT 'cohort12', e0.m + 12, SUM(e0.mrr), SUM(COALESCE(e1.mrr, 0)), SUM({kept})
    FROM ends e0 LEFT JOIN ends e1 ON e1.record_id = e0.record_id AND e1.m = e0.m + 12
    WHERE e0.m + 12 >= %(first)s
    GROUP BY e0.m + 12"""


def moves_cte() -> str:
    """`moves`: each classified ledger row from month `first` on, with its amount (customer MRR
    after - before) and the person credited. A new customer is credited to the seller who moved
    it into the won stage (that transition's previous owner); every later movement to the
    customer's owner (its CSM)."""
    won_credit = f"""
        (SELECT COALESCE(t.from_owner_id, t.to_owner_id) FROM pipeline_stagetransition t
         JOIN pipeline_stagedefinition s ON s.id = t.to_stage_id
         WHERE t.workspace_id = %(ws)s AND t.record_id = cm.record_id
           AND s.is_won = {dialect.true()}
         ORDER BY t.at, t.id LIMIT 1)"""
    return f"""
    {_ledger_sql()},
    moves AS (
        SELECT cm.id, cm.m, cm.kind, cm.record_id, cm.effective_on,
               cm.after_mrr - cm.before_mrr AS amount,
               CASE WHEN cm.kind = 'new' THEN {won_credit} ELSE r.owner_id END AS user_id
        FROM cm JOIN records_record r ON r.id = cm.record_id
        WHERE cm.m >= %(first)s AND cm.kind IS NOT NULL
    )"""


def _movements_sql() -> str:
    """Per month and kind: the amount and the customers, for the workspace, the person credited
    and their team."""
    return f"""
    WITH {moves_cte()}
    SELECT 'workspace', NULL, '', m, kind, SUM(amount), COUNT(DISTINCT record_id)
    FROM moves GROUP BY m, kind
    UNION ALL
    SELECT 'person', user_id, '', m, kind, SUM(amount), COUNT(DISTINCT record_id)
    FROM moves WHERE user_id IS NOT NULL GROUP BY user_id, m, kind
    UNION ALL
    SELECT 'team', NULL, mb.team, m, kind, SUM(amount), COUNT(DISTINCT record_id)
    FROM moves JOIN playbook_membership mb
      ON mb.workspace_id = %(ws)s AND mb.user_id = moves.user_id
    WHERE mb.team <> ''
    GROUP BY mb.team, m, kind"""


def mrr_figures(workspace_id: int, first: int, last: int) -> dict:
    """{(scope, user_id, team, month_index): {column: value}} for months first..last."""
    params = {
        "ws": workspace_id,
        "first": first,
        "last": last,
        "grid_first": first - 12,
        # Rows effective before the first day after the range; the view has already classified
        # them over the whole history.
        "end": _day_after(last),
    }
    out: dict = defaultdict(dict)
    with connection.cursor() as cur:
        cur.execute(_balances_sql(), params)
        balances = cur.fetchall()
        cur.execute(_movements_sql(), params)
        movements = cur.fetchall()
    ends = {m: (money(total), count) for what, m, total, count, _ in balances if what == "end"}
    for m in range(first, last + 1):
        row = out[("workspace", None, "", m)]
        row["mrr_start"], row["customers_start"] = ends.get(m - 1, (money(0), 0))
        row["mrr_end"], row["customers_end"] = ends.get(m, (money(0), 0))
        for column in (*KIND_COLUMNS.values(), "cohort_mrr_end", "cohort_mrr_kept"):
            row[column] = money(0)
        row["new_customers"] = row["churned_customers"] = 0
        row["t12_mrr_start"] = row["t12_mrr_end"] = row["t12_mrr_kept"] = money(0)
    for what, m, start, end, kept in balances:
        if what == "end" or not first <= m <= last:
            continue
        row = out[("workspace", None, "", m)]
        if what == "cohort1":
            row["cohort_mrr_end"], row["cohort_mrr_kept"] = money(end), money(kept)
        else:
            row["t12_mrr_start"], row["t12_mrr_end"] = money(start), money(end)
            row["t12_mrr_kept"] = money(kept)
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
