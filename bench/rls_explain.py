"""Plans of every query of the benchmarked pages under row-level security: do the workspace-
leading indexes still carry them? (ADR 0006, docs/PERFORMANCE.md)

Requests each page of bench/pages.py once through Django's test client, records its SELECTs,
then runs EXPLAIN (ANALYZE) of each one with the same role and workspace the request had, and
prints per page the largest tenant-table scans: which index (or a sequential scan) and the
time. Run it as pages.py is run under RLS, e.g.

    DATABASE_URL=postgres://pb_bench_app@127.0.0.1:5432/pb_bench DATABASE_APP_ROLE=playbook_app \\
        .venv/bin/python bench/rls_explain.py [workspace] [--only LABEL-PART] [--queries]

`--only` explains the pages whose label contains it (as bench/pages.py's `--only`); `--queries`
also prints each SELECT's execution time and its first characters, slowest first.

The last line is `RESULT ...` with the number of sequential scans of tenant tables over more
than a thousand rows (none expected).
"""

import argparse
import json
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from django.db import connection
from django.test import Client

from bench import pages
from playbook import tenancy

SEQ_SCAN_ROWS = 1000


def _nodes(plan):
    yield plan
    for child in plan.get("Plans", []):
        yield from _nodes(child)


def _scans(sql, params):
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    plan = plan if isinstance(plan, list) else json.loads(plan)
    root = plan[0]
    for node in _nodes(root["Plan"]):
        if "Relation Name" in node or "Index Name" in node:
            yield (
                node.get("Relation Name", ""),
                node["Node Type"],
                node.get("Index Name", ""),
                node.get("Actual Rows", 0) * node.get("Actual Loops", 1),
            )
    yield ("(query)", "total", "", root["Execution Time"])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("workspace", nargs="?", default="demo")
    parser.add_argument("--only", default="")
    parser.add_argument("--queries", action="store_true")
    args = parser.parse_args()
    bench = pages.prepare(args.workspace)
    client = Client()
    seq_scans = 0
    print(f"{'page':<30} {'table':<28} {'scan':<18} {'index':<34} {'rows':>8}")
    for label, builder in pages.PAGES:
        if args.only not in label:
            continue
        user = bench.users.get(pages.PAGE_ROLES.get(label), bench.user)
        client.force_login(user)
        url = builder(bench)
        captured = []

        def capture(execute, sql, params, many, context, captured=captured):
            if sql.lstrip("( ").upper().startswith("SELECT") and not many:
                captured.append((sql, params))
            return execute(sql, params, many, context)

        with connection.execute_wrapper(capture):
            headers = {"HTTP_HX_REQUEST": "true"} if label in pages.HTMX_PAGES else {}
            assert client.get(url, **headers).status_code == 200, url
        total_ms = 0.0
        timed = []
        with tenancy.workspace_scope(bench.workspace), tenancy.user_scope(user):
            for sql, params in captured:
                if re.search(r'FROM "(django_session|playbook_user|playbook_workspace)"', sql):
                    continue  # not tenant tables
                for table, scan, index, rows in _scans(sql, params):
                    if table == "(query)":
                        total_ms += rows
                        timed.append((rows, sql))
                        continue
                    big_seq = scan == "Seq Scan" and rows > SEQ_SCAN_ROWS
                    seq_scans += big_seq
                    if rows >= 100 or big_seq:
                        print(f"{label:<30} {table:<28} {scan:<18} {index:<34} {rows:>8}")
        if args.queries:
            for ms, sql in sorted(timed, reverse=True):
                print(f"    {ms:8.1f} ms  {' '.join(sql.split())[:160]}")
        print(f"{label:<30} {len(captured)} SELECTs, {total_ms:.1f} ms of SQL in EXPLAIN ANALYZE")
    print(f"RESULT pages={len(pages.PAGES)} big_seq_scans={seq_scans}")


if __name__ == "__main__":
    main()
