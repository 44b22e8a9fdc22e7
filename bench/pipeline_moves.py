"""Server-side time of a stage move on a big workspace: p50/p95 over many moves, and the
queries one move runs (constant: a move reads the record, the stages, the rules and the
receiving team, never anything proportional to the workspace's size).

Each round moves an open Opportunity back to SQL (no rules; hands it to Inside Sales) and
forward again (the Opportunity rules are evaluated; round-robin handoff to an AE with its
task), through the services, in their own transactions, as an admin. Seed first (see
bench/pages.py), then:

    DATABASE_URL=postgres://root@127.0.0.1:5432/pb_bench .venv/bin/python bench/pipeline_moves.py

It writes history (two transitions and up to two tasks per round): run it on a bench database.
The last line is `RESULT ...`.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "playbook.settings")
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECRET_KEY", "bench-only-not-a-secret")

import django

django.setup()

from django.db import connection  # noqa: E402

from pipeline import services  # noqa: E402
from playbook.models import Membership, Workspace  # noqa: E402
from records.models import Record  # noqa: E402

TARGET_P95_MS = 150


def _counting(executed: list):
    def wrapper(execute, *args):
        executed.append(1)
        return execute(*args)

    return wrapper


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workspace", default="demo")
    parser.add_argument("--rounds", type=int, default=50)
    args = parser.parse_args()
    workspace = Workspace.objects.get(slug=args.workspace)
    admin = Membership.objects.of(workspace).filter(role="admin").first()
    live = Record.objects.of(workspace).live()
    ids = list(
        live.filter(status="open", stage__key="opportunity").values_list("id", flat=True)[
            : args.rounds
        ]
    )
    if len(ids) < args.rounds:
        sys.exit("Not enough open opportunities: seed a bigger demo workspace.")
    common = {"workspace": workspace, "actor": admin.user, "membership": admin}
    times, queries = [], []
    for record_id in ids:
        for move in (services.record_move_back, services.record_advance):
            executed = []
            with connection.execute_wrapper(_counting(executed)):
                started = time.perf_counter()
                move(record=record_id, **common)
                times.append((time.perf_counter() - started) * 1000)
            queries.append(len(executed))
    times.sort()
    p95 = statistics.quantiles(times, n=20, method="inclusive")[-1]
    print(
        f"{live.count()} live records in '{workspace.slug}' on {connection.vendor}: "
        f"{len(times)} moves (back and forward)"
    )
    print(f"p50 {statistics.median(times):.1f} ms, p95 {p95:.1f} ms, max {times[-1]:.1f} ms")
    print(f"queries per move: min {min(queries)}, max {max(queries)}")
    print(
        f"RESULT records={live.count()} db={connection.vendor} moves={len(times)} "
        f"move_p50_ms={statistics.median(times):.1f} move_p95_ms={p95:.1f} "
        f"queries_max={max(queries)} target_p95_ms={TARGET_P95_MS} "
        f"ok={'yes' if p95 < TARGET_P95_MS else 'no'}"
    )


if __name__ == "__main__":
    main()
