"""ICP recompute at scale: one workspace of N records (default 1,000,000) with ~3 contacts and
~10 activities each, scored with a profile that uses every criterion kind.

PostgreSQL only. The bench works in its own database (default: the DATABASE_URL database's name
+ `_icp_bench`), creates it and migrates it if missing, and creates the data set there if the
workspace is missing: 100,000 records as seed_demo makes them (records.demo, COPY), copied in SQL
up to N with the indexes built after the load (bench/bulkdata.py; 1M records in minutes, not the
hour that COPY into indexed tables took). `--fresh` drops that database first.

    export DATABASE_URL=postgres://root@127.0.0.1:5432/playbook
    nice .venv/bin/python bench/icp.py [--records 1000000] [--database NAME] [--fresh]

What it times, each after VACUUM ANALYZE so that earlier writes do not bill the next step:
1. `changed`: a recompute after 10 % of the records changed one criterion (problem acknowledged
   flipped on every tenth record, untimed), so about 10 % of the scores change;
2. `all_changed`: every score set to NULL (untimed), then a recompute, which writes every row;
3. `floor`: every score set to NULL again, then one bare `UPDATE ... SET icp_score = <the same
   scores, precomputed>`: what writing every row costs without computing anything;
4. a rerun over unchanged data (the nightly job's usual case): it must write nothing;
5. single-record rescores after an edit that changes the score (the inline one after commit):
   p50/p95 ms and queries;
6. calibration over a generated stage history (bench/bulkdata.build_stage_history): the page
   with no stored figures, the background refresh that computes and stores them, and the page
   p50/p95 reading them.
`--only single` / `--only calibration` re-measure step 5 or 6 on an existing data set.

Last line: `RESULT records=... changed=... seconds=... all_changed_seconds=... floor_seconds=...
ratio=... rerun_changed=... single_p50_ms=... single_p95_ms=... single_queries=... calibration_...`
(ratio = all_changed_seconds / floor_seconds).
"""

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

SLUG = "icp-bench"

# Every criterion kind of the ICP profile, the custom-field conditions included.
CRITERIA = [
    {"kind": "field_in", "params": {"field": "industry", "values": ["Software", "Fintech"]}},
    {"kind": "number_range", "params": {"field": "employee_count", "min": "50", "max": "2000"}},
    {"kind": "field_in", "params": {"field": "country", "values": ["United States", "Germany"]}},
    {"kind": "field_in", "params": {"field": "revenue_band", "values": ["1m_10m", "10m_50m"]}},
    {"kind": "contact_seniority_in", "params": {"values": ["c_level", "vp", "director"]}},
    {"kind": "contact_title_contains", "params": {"values": ["Sales", "Revenue", "RevOps"]}},
    {"kind": "flag_set", "params": {"flag": "problem_acknowledged"}},
    {"kind": "field_in", "params": {"field": "custom:crm_in_use", "values": ["HubSpot"]}},
    {"kind": "number_range", "params": {"field": "custom:seats", "min": "10"}},
    {"kind": "activity_done", "params": {"activity_kind": "meeting", "within_days": 365}},
    {"kind": "activity_count", "params": {"min_count": 3, "within_days": 180}},
]
WEIGHTS = [20, 15, 10, 5, 10, 5, 10, 5, 5, 10, 5]


def bench_database_url(args) -> str:
    url = urlsplit(os.environ.get("DATABASE_URL", ""))
    if not url.scheme.startswith("postgres"):
        sys.exit("bench/icp.py measures PostgreSQL: set DATABASE_URL=postgres://...")
    name = args.database or f"{url.path.lstrip('/') or 'playbook'}_icp_bench"
    return urlunsplit(url._replace(path=f"/{name}")), name


def ensure_database(url: str, name: str, fresh: bool) -> None:
    import psycopg

    admin = urlunsplit(urlsplit(url)._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and fresh:
            conn.execute(f'DROP DATABASE "{name}"')
            exists = None
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--database", help="bench database name (default: <db>_icp_bench)")
    parser.add_argument("--fresh", action="store_true", help="drop the bench database first")
    parser.add_argument("--singles", type=int, default=200)
    parser.add_argument("--requests", type=int, default=20, help="calibration page requests")
    parser.add_argument(
        "--only", choices=["single", "calibration"], help="only step 5 or only step 6"
    )
    parser.add_argument(
        "--base", type=int, default=100_000, help="records made by seed_demo's code, then copied"
    )
    args = parser.parse_args()
    url, name = bench_database_url(args)
    ensure_database(url, name, args.fresh)
    os.environ["DATABASE_URL"] = url

    from django.core.management import call_command

    import bench.benchenv  # noqa: F401  (production-like settings, django.setup())

    call_command("migrate", verbosity=0)
    run(args)


def run(args):
    from django.db import connection, transaction

    from bench.bulkdata import build_demo_records
    from playbook import demo
    from playbook.models import Workspace
    from records.models import IcpProfile, Record
    from records.services.icp import icp_recompute_workspace

    workspace = Workspace.objects.filter(slug=SLUG).first()
    if workspace is None:
        print(f"Creating {args.records:,} records with contacts and activities ...")
        started = time.monotonic()
        with transaction.atomic():
            ctx = demo.seed_workspace(slug=SLUG, name="ICP bench", records=args.records)
            build_demo_records(ctx, args.records, base=args.base)
        workspace = ctx.workspace
        print(f"  created in {time.monotonic() - started:.0f}s")
    count = Record.objects.of(workspace).count()
    if count != args.records:
        sys.exit(f"{SLUG} has {count:,} records, not {args.records:,}: use --fresh.")
    criteria = [{**c, "weight": w} for c, w in zip(CRITERIA, WEIGHTS, strict=True)]
    IcpProfile.objects.update_or_create(workspace=workspace, defaults={"criteria": criteria})
    table = "records_record"

    def sql(statement, params=()):
        with connection.cursor() as cursor:
            cursor.execute(statement, params)
            return cursor.rowcount

    def vacuum():
        sql(f"VACUUM (ANALYZE) {table}")

    def timed(label, step):
        vacuum()
        started = time.monotonic()
        result = step()
        seconds = time.monotonic() - started
        print(f"  {label}: {seconds:.2f}s")
        return result, seconds

    def null_scores():
        sql(f"UPDATE {table} SET icp_score = NULL WHERE workspace_id = %s", [workspace.pk])

    print(f"Workspace {SLUG}: {count:,} records; {len(criteria)} criteria, every kind.")
    print("Bringing every score up to date (untimed) ...")
    icp_recompute_workspace(workspace_id=workspace.pk)
    if args.only == "calibration":
        print(f"RESULT records={count} {calibration(workspace, args)}")
        return
    if args.only == "single":
        p50, p95, queries = singles(workspace, args)
        print(
            f"RESULT records={count} single_p50_ms={p50:.1f} single_p95_ms={p95:.1f} "
            f"single_queries={queries}"
        )
        return

    print("1. 10 % of the records change (problem acknowledged flipped on every tenth) ...")
    sql(
        f"UPDATE {table} SET problem_acknowledged = NOT problem_acknowledged "
        "WHERE workspace_id = %s AND id %% 10 = 0",
        [workspace.pk],
    )
    some, seconds = timed("recompute", lambda: icp_recompute_workspace(workspace_id=workspace.pk))
    print(f"     {some.changed:,} scores changed ({some.changed / count:.1%})")

    print("2. Every score changes (all set to NULL first, untimed) ...")
    sql("DROP TABLE IF EXISTS icp_bench_scores")
    sql(
        f"CREATE TEMP TABLE icp_bench_scores AS SELECT id, icp_score FROM {table} "
        "WHERE workspace_id = %s",
        [workspace.pk],
    )
    sql("ALTER TABLE icp_bench_scores ADD PRIMARY KEY (id)")
    null_scores()
    every, all_seconds = timed(
        "recompute", lambda: icp_recompute_workspace(workspace_id=workspace.pk)
    )

    print("3. Floor: one bare UPDATE writing the same scores (all set to NULL first) ...")
    null_scores()
    _, floor_seconds = timed(
        "bare UPDATE",
        lambda: sql(
            f"UPDATE {table} AS r SET icp_score = s.icp_score, icp_scored_at = now() "
            "FROM icp_bench_scores AS s WHERE r.id = s.id AND r.workspace_id = %s",
            [workspace.pk],
        ),
    )
    icp_recompute_workspace(workspace_id=workspace.pk)  # scored_at as the service writes it

    print("4. Rerun over unchanged data (the nightly job's usual case) ...")
    rerun, rerun_seconds = timed(
        "recompute", lambda: icp_recompute_workspace(workspace_id=workspace.pk)
    )

    p50, p95, queries = singles(workspace, args)

    calibration_figures = calibration(workspace, args)
    ratio = all_seconds / floor_seconds if floor_seconds else float("inf")
    print(
        f"RESULT records={count} changed={some.changed} seconds={seconds:.2f} "
        f"all_changed_seconds={all_seconds:.2f} floor_seconds={floor_seconds:.2f} "
        f"ratio={ratio:.2f} rerun_changed={rerun.changed} rerun_seconds={rerun_seconds:.2f} "
        f"single_p50_ms={p50:.1f} single_p95_ms={p95:.1f} single_queries={queries} "
        f"all_changed_rows={every.changed} {calibration_figures}"
    )


def singles(workspace, args) -> tuple[float, float, int]:
    """5. Single-record rescores after an edit that changes the score: p50, p95 ms, queries."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from records.models import Record
    from records.services.icp import icp_rescore_record

    table = "records_record"

    def sql(statement, params=()):
        with connection.cursor() as cursor:
            cursor.execute(statement, params)

    print(f"5. {args.singles} single-record rescores after an edit (inline, after commit) ...")
    low, high = (
        Record.objects.of(workspace).order_by("pk").values_list("pk", flat=True).first(),
        Record.objects.of(workspace).order_by("-pk").values_list("pk", flat=True).first(),
    )
    rng, times, queries, written = random.Random(7), [], 0, 0
    for _ in range(args.singles):
        pk = rng.randint(low, high)
        # The edit (untimed): a criterion of the profile flips, so the score changes.
        sql(
            f"UPDATE {table} SET problem_acknowledged = NOT problem_acknowledged WHERE id = %s",
            [pk],
        )
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            written += icp_rescore_record(workspace_id=workspace.pk, record_id=pk)
            times.append((time.perf_counter() - started) * 1000)
        queries = max(queries, len(captured))
    times.sort()
    p50, p95 = statistics.median(times), times[int(len(times) * 0.95) - 1]
    print(f"     p50 {p50:.1f} ms, p95 {p95:.1f} ms, {queries} queries, {written} written")

    return p50, p95, queries


def calibration(workspace, args) -> str:
    """6. Calibration: the background refresh that computes and stores the figures (the page
    never computes them), then the page as users see it (p50/p95 over --requests requests by the
    workspace's admin), first with no stored figures (it says they are coming) then with them."""
    from django.test import Client
    from django.urls import reverse

    from bench.bulkdata import build_stage_history
    from pipeline.models import IcpCalibration
    from pipeline.selectors.calibration import icp_calibration
    from pipeline.services import icp_calibration_refresh
    from playbook.models import Membership, Role
    from playbook.tenancy import workspace_scope

    written = build_stage_history(workspace.pk)
    if written:
        print(f"   stage history: {written:,} transitions written (untimed)")
    print("6. Calibration ...")
    admin = Membership.objects.of(workspace).filter(role=Role.ADMIN).first().user
    client = Client()
    client.force_login(admin)
    url = reverse("pipeline:icp_calibration", args=[workspace.slug])

    def page() -> tuple[float, float]:
        times = []
        for _ in range(args.requests):
            started = time.perf_counter()
            if client.get(url).status_code != 200:
                sys.exit("the calibration page did not answer 200")
            times.append((time.perf_counter() - started) * 1000)
        times.sort()
        return statistics.median(times), times[max(0, int(len(times) * 0.95) - 1)]

    with workspace_scope(workspace.pk):
        IcpCalibration.objects.of(workspace).delete()
    _, pending_p95 = page()
    print(f"     page with no stored figures: p95 {pending_p95:.0f} ms")
    with workspace_scope(workspace.pk):
        started = time.monotonic()
        icp_calibration_refresh(workspace=workspace)
        refresh = time.monotonic() - started
        result = icp_calibration(workspace)
    print(f"     background refresh: {refresh:.2f}s ({result.won:,} won of {result.decided:,})")
    p50, p95 = page()
    print(f"     page: p50 {p50:.0f} ms, p95 {p95:.0f} ms over {args.requests} requests")
    return (
        f"calibration_refresh_s={refresh:.2f} calibration_pending_p95_ms={pending_p95:.0f} "
        f"calibration_p50_ms={p50:.0f} calibration_p95_ms={p95:.0f}"
    )


if __name__ == "__main__":
    main()
