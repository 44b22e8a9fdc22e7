"""Data in and out at scale: the records CSV import (preview, then the import, each as the
worker runs it) and the records list's CSV export.

Builds its own workspace (`--workspace`, default bench-import) with the default stages and ICP
profile, generates a CSV of `--rows` companies (default 100,000) with one contact each (name,
domain, country, employees, industry, contact name, e-mail and phone), uploads it through the
wizard's service, previews it and imports it. The import runs in a child process (as a worker
would, nothing else loaded in it), so its peak resident memory is the import's. Then the whole
records list is exported through the view (the test client, streaming): the time to the first
chunk and to the end. Last, web-form submissions are posted into the imported workspace
(bench/webforms.py, `--webform-posts`, default 300): p50 and p95 per post.

    createdb -h 127.0.0.1 pb_bench_import
    export DATABASE_URL=postgres://root@127.0.0.1:5432/pb_bench_import
    DEBUG=true .venv/bin/python manage.py migrate
    nice .venv/bin/python bench/import_export.py [--rows 100000]

The last line is `RESULT import_rows=... import_s=... export_s=... webform_p95_ms=...` with every
figure.
"""

import argparse
import os
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from django.test import Client
from django.urls import reverse

import bench.benchenv  # noqa: F401  (settings and django.setup())
from bench import webforms
from dataio import tasks
from dataio.models import RecordImport
from dataio.services import preview, run, wizard
from pipeline.services import pipeline_install_defaults
from playbook.models import Membership, Role, User, Workspace
from playbook.tenancy import workspace_scope
from records.services.icp import icp_profile_install_default

COUNTRIES = ["Germany", "France", "United Kingdom", "Spain", "Netherlands", "Sweden"]
PHONES = {  # a valid number of each country, the last digits varied
    "Germany": "+49 30 9018{:04d}",
    "France": "+33 1 4276{:04d}",
    "United Kingdom": "+44 20 7946{:04d}",
    "Spain": "+34 91 123{:04d}",
    "Netherlands": "+31 20 624{:04d}",
    "Sweden": "+46 8 5055{:04d}",
}
INDUSTRIES = ["Software", "Retail", "Manufacturing", "Finance", "Health"]


def records_csv(n: int, rng) -> bytes:
    lines = ["Company,Domain,Country,Employees,Industry,First name,Last name,Email,Phone"]
    for i in range(n):
        country = rng.choice(COUNTRIES)
        phone = PHONES[country].format(rng.randrange(10_000))
        lines.append(
            f"Company {i:06d},c{i}.example.com,{country},{rng.randrange(5, 5000)},"
            f"{rng.choice(INDUSTRIES)},Ann,Lee {i},ann.lee{i}@c{i}.example.com,{phone}"
        )
    return ("\n".join(lines) + "\n").encode()


def child_import(workspace_id: int, import_id: int) -> None:
    """The import as the worker runs it; prints its seconds and this process's peak RSS."""
    workspace = Workspace.objects.get(pk=workspace_id)
    with workspace_scope(workspace_id):
        started = time.perf_counter()
        run.import_run(workspace=workspace, import_id=import_id)
        seconds = time.perf_counter() - started
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"CHILD import_s={seconds:.1f} rss_mb={rss_mb:.0f}")


def export(workspace, user) -> tuple[float, float, int]:
    client = Client()
    client.force_login(user)
    url = reverse("records:export", args=[workspace.slug])
    started = time.perf_counter()
    response = client.get(url)
    first, lines = None, 0
    for chunk in response.streaming_content:
        if first is None:
            first = time.perf_counter() - started
        lines += chunk.count(b"\n")
    return first, time.perf_counter() - started, lines - 1


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--workspace", default="bench-import")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--webform-posts", type=int, default=300)
    parser.add_argument("--child", nargs=2, type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child_import(*args.child)
        return
    if Workspace.objects.filter(slug=args.workspace).exists():
        raise SystemExit(f"Workspace {args.workspace} exists; drop the database or pick another.")
    # The wizard queues its tasks; here they are run by hand, each timed.
    tasks.import_preview.delay = tasks.import_run.delay = lambda *a: None
    workspace = Workspace.objects.create(name="Bench import", slug=args.workspace)
    admin = User.objects.create_user(f"admin@{args.workspace}.test", "bench-password")
    Membership.objects.create(workspace=workspace, user=admin, role=Role.ADMIN)
    data = records_csv(args.rows, random.Random(2026))
    with workspace_scope(workspace.pk):
        pipeline_install_defaults(workspace=workspace)
        icp_profile_install_default(workspace=workspace)
        started = time.perf_counter()
        job = wizard.import_upload(
            workspace=workspace, actor=admin, file_name="bench.csv", data=data
        )
        upload_s = time.perf_counter() - started
        wizard.import_configure(
            workspace=workspace,
            record_import=job,
            mapping=job.mapping,
            stage_id=job.stage_id,
            owner_rule="me",
            duplicates="skip",
        )
        started = time.perf_counter()
        preview.import_preview_run(workspace=workspace, import_id=job.pk)
        preview_s = time.perf_counter() - started
        wizard.import_start(workspace=workspace, record_import=job)
    print(f"upload {upload_s:.1f} s, preview {preview_s:.1f} s; {len(data) / 1e6:.1f} MB")
    child = subprocess.run(
        [sys.executable, __file__, "--child", str(workspace.pk), str(job.pk)],
        capture_output=True,
        text=True,
        check=True,
        env=os.environ,
    )
    figures = dict(
        pair.split("=")
        for line in child.stdout.splitlines()
        if line.startswith("CHILD ")
        for pair in line.split()[1:]
    )
    with workspace_scope(workspace.pk):
        job = RecordImport.objects.of(workspace).get(pk=job.pk)
    print(f"import: {job.created_count} created, {len(job.refused)} refused: {figures}")
    first_s, export_s, exported = export(workspace, admin)
    print(f"export: {exported} rows, first chunk {first_s * 1000:.0f} ms, all {export_s:.1f} s")
    form = webforms.measure(workspace, args.webform_posts)
    print(
        f"web form: {form['posts']} posts, p50 {form['p50_ms']:.1f} ms, p95 {form['p95_ms']:.1f} ms"
    )
    print(
        f"RESULT import_rows={args.rows} created={job.created_count} refused={len(job.refused)} "
        f"upload_s={upload_s:.1f} preview_s={preview_s:.1f} import_s={figures['import_s']} "
        f"import_rss_mb={figures['rss_mb']} export_rows={exported} "
        f"export_first_ms={first_s * 1000:.0f} export_s={export_s:.1f} "
        f"webform_posts={form['posts']} webform_p50_ms={form['p50_ms']:.1f} "
        f"webform_p95_ms={form['p95_ms']:.1f}"
    )


if __name__ == "__main__":
    main()
