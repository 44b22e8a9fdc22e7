"""Worker CPU per view of the load mix, in-process (issue 14: halve the web tier's CPU).

bench/load.py gives the mix's `cpu_ms_per_req` under gunicorn; this script says which view it
comes from and whether a change moved it, without a server or a load generator: each view of
the mix is requested N times through Django's test client, logged in as a seeded member of the
role that sees it, with DEBUG off (bench/benchenv.py), and the process's CPU time
(`time.process_time()`: this process only, not PostgreSQL's) is divided by N. Run it with
DATABASE_APP_ROLE=playbook_app so row-level security is on, as in production.

    DATABASE_URL=postgres://root@127.0.0.1:5432/pb_cpu100k DATABASE_APP_ROLE=playbook_app \\
      .venv/bin/python bench/view_cpu.py [--n 20] [--only list,board]

prints one `RESULT view=.. cpu_ms=.. wall_ms=.. queries=.. bytes=..` line per view.

A/B on the same database in the same minutes (the machine's load changes by the minute):

    ... bench/view_cpu.py --compare /work/main /work/wt/cpu --rounds 3

runs this script once per round and checkout, alternating, each time importing the app from
that checkout (`--code DIR`), and prints the median of each view's rounds per checkout, and a
mix estimate weighted as bench/load.py's mix (the panels and the write left out).
"""

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve()

# The views of bench/load.py's mix: (key, requests per 20 in the mix, role, url builder).
VIEWS = [
    ("list", 3, "admin", lambda b: f"/w/{b.slug}/records/"),
    (
        "filtered",
        2,
        "admin",
        lambda b: f"/w/{b.slug}/records/?source=webinar&country=Germany&icp_min=40",
    ),
    ("search", 1, "admin", lambda b: f"/w/{b.slug}/records/?q={b.sample_name}"),
    ("far", 1, "admin", lambda b: f"/w/{b.slug}/records/?cursor={b.deep_cursor}"),
    ("record", 3, "admin", lambda b: f"/w/{b.slug}/records/{b.next_record_id()}/"),
    ("board", 2, "admin", lambda b: f"/w/{b.slug}/pipeline/board/"),
    ("queue_mqls", 1, "sdr", lambda b: f"/w/{b.slug}/pipeline/queues/mqls/"),
    ("queue_pipeline", 1, "ae", lambda b: f"/w/{b.slug}/pipeline/queues/my-pipeline/"),
    ("tasks", 2, None, lambda b: f"/w/{b.slug}/tasks/"),
    ("home", 1, "ae", lambda b: f"/w/{b.slug}/"),
]


def measure(args) -> None:
    code = Path(args.code).resolve()
    os.chdir(code)
    sys.path.insert(0, str(code))
    import bench.benchenv  # noqa: F401, I001  (settings and django.setup() first)
    from django.db import connection
    from django.test import Client

    from bench import pages

    b = pages.prepare(args.workspace)
    only = set(filter(None, args.only.split(",")))
    client = Client()
    for key, _, role, builder in VIEWS:
        if only and key not in only:
            continue
        client.force_login(b.users.get(role, b.user) if role else b.user)
        for _ in range(3):  # warm: caches, the connection, lazily built per-process tables
            response = client.get(builder(b), follow=True)
            if response.status_code != 200:
                raise SystemExit(f"{key}: {builder(b)} answered {response.status_code}")
        executed = []

        def count(run, *a, executed=executed):
            executed.append(1)
            return run(*a)

        with connection.execute_wrapper(count):
            client.get(builder(b), follow=True)
        size = len(response.content)
        if args.profile:
            profile(client, builder, b, args)
            continue
        cpu = []
        wall = []
        for _ in range(args.n):
            url = builder(b)
            c0, w0 = time.process_time(), time.perf_counter()
            client.get(url, follow=True)
            cpu.append((time.process_time() - c0) * 1000)
            wall.append((time.perf_counter() - w0) * 1000)
        print(
            f"RESULT view={key} cpu_ms={statistics.median(cpu):.1f} "
            f"wall_ms={statistics.median(wall):.1f} queries={len(executed)} bytes={size}",
            flush=True,
        )


def profile(client, builder, b, args) -> None:
    """`--profile`: where one view's CPU goes (cProfile over N requests; slower than without)."""
    import cProfile
    import pstats

    profiler = cProfile.Profile(time.process_time)
    for _ in range(args.n):
        url = builder(b)
        profiler.enable()
        client.get(url, follow=True)
        profiler.disable()
    stats = pstats.Stats(profiler)
    stats.sort_stats(args.profile).print_stats(args.profile_lines)


def compare(args) -> None:
    results: dict[str, dict[str, list[float]]] = {code: {} for code in args.compare}
    for r in range(args.rounds):
        for code in args.compare:
            command = [sys.executable, str(HERE), "--code", code, "--n", str(args.n)]
            command += ["--workspace", args.workspace, "--only", args.only]
            out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
            for line in out.splitlines():
                if line.startswith("RESULT "):
                    fields = dict(part.split("=", 1) for part in line.split()[1:])
                    results[code].setdefault(fields["view"], []).append(float(fields["cpu_ms"]))
            print(f"round {r + 1} {code}: done", file=sys.stderr, flush=True)
    weights = {key: weight for key, weight, _, _ in VIEWS}
    for code, views in results.items():
        for view, values in views.items():
            runs = "/".join(f"{v:.1f}" for v in values)
            print(
                f"RESULT code={code} view={view} cpu_ms={statistics.median(values):.1f} "
                f"min_ms={min(values):.1f} runs={runs}"
            )
        total = sum(weights[v] for v in views)
        mix = sum(weights[v] * statistics.median(values) for v, values in views.items()) / total
        print(f"RESULT code={code} view=mix cpu_ms={mix:.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workspace", default="demo")
    parser.add_argument("--n", type=int, default=20, help="requests per view")
    parser.add_argument("--only", default="", help="comma-separated view keys")
    parser.add_argument("--code", default=str(HERE.parent.parent), help="the checkout to import")
    parser.add_argument("--compare", nargs="+", metavar="DIR", help="checkouts to alternate")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--profile", default="", help="a pstats sort key: profile instead")
    parser.add_argument("--profile-lines", type=int, default=60)
    args = parser.parse_args()
    if args.compare:
        compare(args)
    else:
        measure(args)


if __name__ == "__main__":
    main()
