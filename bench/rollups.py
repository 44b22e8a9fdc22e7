"""Metric rollups at size: a full rebuild of the monthly snapshots over 100k subscriptions and
36 months, the nightly rebuild (3 months), and the server time of the targets, planner and
metrics pages that read the snapshots.

It creates (or reuses, when it already has them) a workspace of its own with one record per
customer (a fifth of them with a second subscription), each record's stage history (created
as a lead, won when its first subscription starts) and a realistic ledger: every month a paying
subscription may expand, contract or churn; some churned ones come back. Data goes in with
PostgreSQL's COPY. Then:

    DATABASE_URL=postgres://root@127.0.0.1:5432/pb_bench .venv/bin/python bench/rollups.py

The last line is `RESULT subscriptions=... months=... seconds=...` (the full rebuild).
"""

import argparse
import os
import random
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from django.db import connection, transaction
from django.db.models import Max
from django.test import Client

import bench.benchenv  # noqa: F401  (settings and django.setup())
from customers.models import MrrMovement, Subscription
from pipeline.models import StageDefinition, StageTransition
from pipeline.services import pipeline_install_defaults
from playbook.models import Membership, Role, User, Workspace
from records.demo import insert_rows
from records.models import Record
from targets import periods, services
from targets.models import MetricSnapshot

TARGET_SECONDS = 10
TARGET_P95_MS = 150
MONTHS = 36


def _next_id(model) -> int:
    return (model.objects.all_workspaces().aggregate(m=Max("id"))["m"] or 0) + 1


def _day(rng, month_index: int) -> date:
    return periods.first_day(month_index) + timedelta(
        days=rng.randrange(periods.days_in(month_index))
    )


def _subscription_rows(rng, first: int, last: int, today: date):
    """One subscription's ledger as (date, mrr, action) rows, month by month."""
    start = rng.randint(first, last)
    day = _day(rng, start)
    if day > today:
        day = today
    mrr = Decimal(rng.choice([49, 99, 199, 299, 499, 999, 1999]))
    rows = [(day, mrr, "start")]
    paying, m = True, start + 1
    while m <= last:
        roll = rng.random()
        day = min(_day(rng, m), today)
        if paying and roll < 0.03:
            mrr = (mrr * Decimal(rng.choice(["1.2", "1.5", "2"]))).quantize(Decimal("0.01"))
            rows.append((day, mrr, "upsell"))
        elif paying and roll < 0.045:
            mrr = max(Decimal(10), (mrr * Decimal("0.7")).quantize(Decimal("0.01")))
            rows.append((day, mrr, "downgrade"))
        elif paying and roll < 0.06:
            rows.append((day, Decimal(0), "cancel"))
            paying = False
        elif not paying and roll < 0.05:
            rows.append((day, mrr, "reactivate"))
            paying = True
        m += 1
    return rows


def seed(slug: str, subscriptions: int, seed_value: int) -> Workspace:
    workspace = Workspace.objects.filter(slug=slug).first()
    if workspace and Subscription.objects.of(workspace).count() >= subscriptions:
        return workspace
    if workspace:
        raise SystemExit(f"Workspace {slug} exists with other data; pick another --workspace.")
    rng = random.Random(seed_value)
    today = date.today()
    last = periods.of_date(today)
    first = last - MONTHS + 1
    started = time.perf_counter()
    with transaction.atomic():
        workspace = Workspace.objects.create(name="Rollups bench", slug=slug)
        pipeline_install_defaults(workspace=workspace)
        stages = {s.key: s for s in StageDefinition.objects.of(workspace)}
        people = []
        for i, role in enumerate([Role.ADMIN, Role.LEADER] + [Role.AE] * 8 + [Role.CSM] * 6):
            user = User.objects.create_user(email=f"{slug}-{i}@example.com", password=None)
            Membership.objects.create(workspace=workspace, user=user, role=role)
            people.append((role, user.pk))
        aes = [u for r, u in people if r == Role.AE]
        csms = [u for r, u in people if r == Role.CSM]
        customers = int(subscriptions / 1.2)
        record_id, sub_id, row_id = _next_id(Record), _next_id(Subscription), _next_id(MrrMovement)
        transition_id = _next_id(StageTransition)
        now = datetime.now(UTC)
        records, transitions, subs, ledger = [], [], [], []
        for c in range(customers):
            rid = record_id + c
            owner = rng.choice(csms)
            records.append(
                Record(
                    id=rid, workspace=workspace, name=f"Customer {c}", owner_id=owner,
                    stage=stages["won"], status="open",
                )
            )  # fmt: skip
            n_subs = 2 if c < subscriptions - customers else 1
            first_day = None
            for _ in range(n_subs):
                rows = _subscription_rows(rng, first, last, today)
                first_day = min(first_day or rows[0][0], rows[0][0])
                mrr, status = rows[-1][1], "active" if rows[-1][1] > 0 else "cancelled"
                subs.append(
                    (sub_id, workspace.pk, rid, f"b-{sub_id}", "Plan", mrr, status, rows[0][0],
                     12, rows[0][0] + timedelta(days=365), False, "", 1, now)
                )  # fmt: skip
                for day, amount, action in rows:
                    ledger.append(
                        (row_id, workspace.pk, sub_id, rid, day, amount, action, "", "", now)
                    )
                    row_id += 1
                sub_id += 1
            lead_at = datetime.combine(first_day - timedelta(days=rng.randint(20, 120)),
                                       datetime.min.time(), tzinfo=UTC)  # fmt: skip
            won_at = datetime.combine(first_day, datetime.min.time(), tzinfo=UTC)
            ae = rng.choice(aes)
            transitions.append(
                StageTransition(
                    id=transition_id, workspace=workspace, record_id=rid, kind="created",
                    to_stage=stages["lead"], to_owner_id=ae, at=lead_at,
                )
            )  # fmt: skip
            transitions.append(
                StageTransition(
                    id=transition_id + 1, workspace=workspace, record_id=rid, kind="forward",
                    from_stage=stages["opportunity"], to_stage=stages["won"], from_owner_id=ae,
                    to_owner_id=owner, at=won_at,
                )
            )  # fmt: skip
            transition_id += 2
        Record.objects.bulk_create(records, batch_size=5000)
        StageTransition.objects.bulk_create(transitions, batch_size=5000)
        insert_rows(
            Subscription,
            ["id", "workspace", "record", "external_id", "plan", "mrr", "status", "started_on",
             "term_months", "term_end", "auto_renew", "cancel_reason", "version", "created_at"],
            subs,
        )  # fmt: skip
        insert_rows(
            MrrMovement,
            ["id", "workspace", "subscription", "record", "effective_on", "mrr", "action",
             "reason", "note", "recorded_at"],
            ledger,
        )  # fmt: skip
    with connection.cursor() as cur:
        for model in (Record, StageTransition, Subscription, MrrMovement):
            table = model._meta.db_table
            if connection.vendor == "postgresql":
                cur.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT MAX(id) FROM {table}))"
                )
                cur.execute(f"ANALYZE {table}")
    print(
        f"seeded {customers} customers, {len(subs)} subscriptions, {len(ledger)} ledger rows, "
        f"{len(transitions)} stage moves in {time.perf_counter() - started:.1f} s"
    )
    return workspace


def _backend_cpu() -> float | None:
    """CPU seconds the database backend has used (PostgreSQL on this host), so that a run on a
    shared machine can tell the work from the waiting."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cur:
        cur.execute("SELECT pg_backend_pid()")
        pid = cur.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def timed(fn) -> tuple[float, float | None]:
    """(wall seconds, database CPU seconds or None)."""
    cpu, started = _backend_cpu(), time.perf_counter()
    fn()
    wall, after = time.perf_counter() - started, _backend_cpu()
    return wall, (after - cpu if cpu is not None and after is not None else None)


def page_p95(client: Client, url: str, requests: int) -> tuple[float, float]:
    for _ in range(3):
        client.get(url)
    times = []
    for _ in range(requests):
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code}")
    return statistics.median(times), statistics.quantiles(times, n=20, method="inclusive")[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workspace", default="bench-rollups")
    parser.add_argument("--subscriptions", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    workspace = seed(args.workspace, args.subscriptions, args.seed)
    subs = Subscription.objects.of(workspace).count()
    rows = MrrMovement.objects.of(workspace).count()
    last = periods.today_index(workspace)
    first = last - MONTHS + 1
    MetricSnapshot.objects.of(workspace).delete()

    def rebuild(months):
        first_month = last - months + 1
        return timed(
            lambda: services.metrics_rebuild(workspace=workspace, first=first_month, last=last)
        )

    # The first run inserts every row, the others upsert them; the median of three.
    fulls = [rebuild(MONTHS) for _ in range(3)]
    full, full_cpu = sorted(fulls, key=lambda run: run[0])[1]
    nightly = sorted(rebuild(3)[0] for _ in range(3))[1]
    snapshots = MetricSnapshot.objects.of(workspace).count()
    cpu = f" (database CPU {full_cpu:.2f} s)" if full_cpu is not None else ""
    print(
        f"{subs} subscriptions, {rows} ledger rows, {MONTHS} months on {connection.vendor}: "
        f"full rebuild {full:.2f} s{cpu}, runs {', '.join(f'{w:.2f}' for w, _ in fulls)} s; "
        f"nightly (3 months) {nightly:.2f} s; {snapshots} snapshot rows"
    )
    admin = Membership.objects.of(workspace).filter(role=Role.ADMIN).first()
    client = Client()
    client.force_login(admin.user)
    year = date.today().year
    services.target_set(
        workspace=workspace, actor=admin.user, metric="new_arr", year=year, month=0,
        scope="workspace", value=Decimal("2400000"),
    )  # fmt: skip
    base = f"/w/{workspace.slug}/targets"
    pages = {
        "targets": f"{base}/?year={year}",
        "planner": f"{base}/planner/",
        "metrics": f"{base}/metrics/?from={periods.label(first)}&to={periods.label(last)}",
        "metrics_csv": f"{base}/metrics.csv?from={periods.label(first)}&to={periods.label(last)}",
    }
    p95s = {}
    for name, url in pages.items():
        p50, p95 = page_p95(client, url, args.requests)
        p95s[name] = p95
        print(f"{name:<12} p50 {p50:7.1f} ms  p95 {p95:7.1f} ms")
    ok = full < TARGET_SECONDS and all(v < TARGET_P95_MS for v in p95s.values())
    pages_out = " ".join(f"{k}_p95_ms={v:.1f}" for k, v in p95s.items())
    print(
        f"RESULT subscriptions={subs} ledger_rows={rows} months={MONTHS} db={connection.vendor} "
        f"seconds={full:.2f} db_cpu_seconds={full_cpu or 0:.2f} nightly_seconds={nightly:.2f} "
        f"{pages_out} "
        f"target_seconds={TARGET_SECONDS} ok={'yes' if ok else 'no'}"
    )


if __name__ == "__main__":
    main()
