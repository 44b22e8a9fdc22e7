"""Customers at scale: importing billing history, the daily renewal job, and the customer list,
a customer page and the renewals page (p50/p95 server time over many requests each).

Builds its own workspace (`--workspace`, default bench-customers) from a generated billing CSV
of `--subscriptions` subscriptions (default 100,000), two ledger rows each (a start in the last
twelve months and one later change: upsell, downgrade or cancellation), so the import measured
is 2 x N ledger rows, creating N records, N subscriptions and N customers. Then the renewal job
runs for today (the first run: alerts, tasks and e-mails for every subscription within 120 days)
and for tomorrow (a steady day), and the pages are requested through Django's test client.

    createdb -h 127.0.0.1 pb_bench_customers
    export DATABASE_URL=postgres://root@127.0.0.1:5432/pb_bench_customers
    DEBUG=true .venv/bin/python manage.py migrate
    nice .venv/bin/python bench/customers.py [--subscriptions 100000] [--requests 30]

The last line is `RESULT ...` with every figure (seconds for jobs, ms for pages).
"""

import argparse
import os
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("EMAIL_URL", "memorymail://")
from django.test import Client
from django.urls import reverse

import bench.benchenv  # noqa: F401  (settings and django.setup())
from customers import services
from customers.models import Customer, RenewalAlert
from pipeline.services import pipeline_install_defaults
from playbook.models import Membership, Role, User, Workspace
from playbook.tenancy import workspace_scope

TARGET_P95_MS = 150


def billing_csv(n: int, today, rng) -> str:
    lines = ["customer,domain,subscription,plan,term_months,date,mrr"]
    for i in range(n):
        start = today - timedelta(days=rng.randint(20, 364))
        mrr = rng.randrange(50, 5000)
        name = f"Customer {i:06d}"
        lines.append(f"{name},c{i}.example.com,bill_{i},Pro,12,{start},{mrr}")
        later = start + timedelta(days=rng.randint(1, (today - start).days))
        roll = rng.random()
        new = (
            0
            if roll < 0.05
            else (mrr + rng.randrange(10, 500) if roll < 0.6 else max(10, mrr // 2))
        )
        lines.append(f"{name},c{i}.example.com,bill_{i},Pro,12,{later},{new}")
    return "\n".join(lines) + "\n"


def vacuum_analyze() -> None:
    """VACUUM ANALYZE on a connection of its own, as the database owner (autovacuum's job)."""
    import psycopg

    url = os.environ["DATABASE_URL"].replace("postgres://", "postgresql://", 1)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")


def timed(fn):
    started = time.perf_counter()
    result = fn()
    return time.perf_counter() - started, result


def pages(client, urls, requests: int) -> tuple[float, float]:
    times = []
    for i in range(requests + 3):
        url = urls[i % len(urls)]
        started = time.perf_counter()
        answer = client.get(url)
        elapsed = (time.perf_counter() - started) * 1000
        if answer.status_code != 200:
            raise SystemExit(f"{url} answered {answer.status_code}")
        if i >= 3:  # the first requests warm caches and connections
            times.append(elapsed)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1]


def time_pages(workspace, args) -> str:
    """p50/p95 of the customer list, a customer page and the renewals page."""
    with workspace_scope(workspace.pk):
        record_ids = list(
            Customer.objects.of(workspace).order_by("?").values_list("record_id", flat=True)[:50]
        )
        alerts = RenewalAlert.objects.of(workspace).count()
        admin = Membership.objects.of(workspace).filter(role=Role.ADMIN).first().user
    client = Client()
    client.force_login(admin)
    slug = workspace.slug
    figures = {}
    for label, urls in (
        ("customer_list", [reverse("customers:list", args=[slug])]),
        (
            "customer_list_filtered",
            [reverse("customers:list", args=[slug]) + "?health=&renewal=60&mrr_min=1000"],
        ),
        ("customer_page", [reverse("customers:detail", args=[slug, r]) for r in record_ids]),
        ("renewals", [reverse("customers:renewals", args=[slug]) + "?window=120"]),
        ("renewals_30", [reverse("customers:renewals", args=[slug]) + "?window=30"]),
    ):
        p50, p95 = pages(client, urls, args.requests)
        figures[label] = p95
        flag = "" if p95 <= TARGET_P95_MS else "  OVER BUDGET"
        print(f"{label:<24} p50 {p50:6.1f} ms   p95 {p95:6.1f} ms{flag}")
    line = f"alerts={alerts} " + " ".join(f"{k}_p95_ms={v:.1f}" for k, v in figures.items())
    print(f"RESULT pages {line}")
    return line


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--workspace", default="bench-customers")
    parser.add_argument("--subscriptions", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--health", action="store_true", help="also time the nightly health run")
    parser.add_argument(
        "--pages-only", action="store_true", help="time the pages of an earlier run's workspace"
    )
    args = parser.parse_args()
    rng = random.Random(2026)
    existing = Workspace.objects.filter(slug=args.workspace).first()
    if existing is not None and not args.pages_only:
        raise SystemExit(f"Workspace {args.workspace} exists; drop the database or pick another.")
    if args.pages_only:
        if existing is None:
            raise SystemExit(f"--pages-only needs the workspace {args.workspace} of a full run.")
        time_pages(existing, args)
        return
    workspace = Workspace.objects.create(name="Bench customers", slug=args.workspace)
    users = {}
    for role in (Role.ADMIN, Role.RENEWALS, Role.CSM):
        user = User.objects.create_user(f"{role}@{args.workspace}.test", "bench-password")
        Membership.objects.create(workspace=workspace, user=user, role=role)
        users[role] = user
    today = workspace.today()
    text = billing_csv(args.subscriptions, today, rng)
    with workspace_scope(workspace.pk):
        pipeline_install_defaults(workspace=workspace)
        import_s, result = timed(
            lambda: services.subscriptions_import(workspace=workspace, text=text)
        )
        print(f"import: {result} in {import_s:.1f} s")
        # What autovacuum does within a minute of a bulk load: without statistics the planner
        # takes the new tables for empty (measured: a customer list p95 of 3 s instead of
        # 0.3 s). Untimed; the app's role may not ANALYZE tables it does not own.
        vacuum_analyze()
        Customer.objects.of(workspace).update(renewal_owner=users[Role.RENEWALS])
        first_s, counts = timed(lambda: services.renewal_job_run(workspace=workspace, today=today))
        print(f"renewal job, first run: {counts} in {first_s:.1f} s")
        day_s, counts = timed(
            lambda: services.renewal_job_run(workspace=workspace, today=today + timedelta(days=1))
        )
        print(f"renewal job, the next day: {counts} in {day_s:.1f} s")
        health_s = -1.0
        if args.health:
            health_s, changed = timed(lambda: services.health_recompute(workspace=workspace))
            print(f"health recompute: {changed} scores in {health_s:.1f} s")
    figures = time_pages(workspace, args)
    print(
        "RESULT "
        f"subscriptions={args.subscriptions} ledger_rows={result.added} "
        f"import_s={import_s:.1f} renewal_first_s={first_s:.1f} renewal_day_s={day_s:.1f} "
        f"health_s={health_s:.1f} " + figures
    )


if __name__ == "__main__":
    main()
