"""Web-form submissions: N posts to a form's public URL through Django's test client (the whole
request: middleware, the key lookup under row-level security, validation, matching, the record,
contact, activity and submission writes, the ICP rescore in the same transaction), timed one
by one.

The mix: half new companies (a new domain and e-mail), a quarter new people of companies the
workspace has (matched by domain), a quarter people who sent a form before (matched by
e-mail, their contact completed). The rate limits are lifted for the run (one client address).

    export DATABASE_URL=postgres://root@127.0.0.1:5432/pb_bench
    DEBUG=true .venv/bin/python manage.py seed_demo --workspace bench --records 2000
    nice .venv/bin/python bench/webforms.py --workspace bench [--posts 300]

bench/import_export.py runs it too, on its imported workspace. Prints p50/p95 and a line
`RESULT webform_posts=... webform_p50_ms=... webform_p95_ms=...`.
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from django.conf import settings
from django.test import Client
from django.urls import reverse

import bench.benchenv  # noqa: F401  (settings and django.setup())
from dataio.services.webforms import webform_create
from playbook.models import Workspace
from playbook.tenancy import workspace_scope
from records.models import Record

FIELDS = [
    {"name": "first_name", "required": True},
    {"name": "last_name", "required": False},
    {"name": "company", "required": False},
    {"name": "phone", "required": False},
    {"name": "message", "required": False},
]


def _posts(n: int, domains: list[str]) -> list[dict]:
    posts = []
    for i in range(n):
        kind = i % 4
        if kind in (0, 1) or not domains:  # a new company
            email, company = f"lead{i}@new{i}-{time.time_ns()}.example.com", f"New Co {i}"
        elif kind == 2:  # a new person of a known company (domain)
            email, company = f"p{i}.{time.time_ns()}@{domains[i % len(domains)]}", ""
        else:  # someone who sent a form earlier in this run (e-mail)
            email, company = posts[i - 3]["email"], ""
        posts.append(
            {
                "email": email,
                "first_name": "Ann",
                "last_name": f"Lee {i}",
                "company": company,
                "phone": f"+49 30 9018{i % 10_000:04d}",
                "message": "Please send the whitepaper.",
            }
        )
    return posts


def measure(workspace: Workspace, posts: int = 300) -> dict:
    """Post `posts` submissions to a new form of `workspace`; p50/p95 in ms."""
    settings.WEBFORM_POSTS_PER_IP = settings.WEBFORM_POSTS_PER_FORM = 10**9
    with workspace_scope(workspace.pk):
        form = webform_create(
            workspace=workspace, actor=None, name=f"Bench form {time.time_ns()}", fields=FIELDS,
            source="content_download", activity_kind="content", owner_rule="round_robin",
            owner=None, redirect_url="", thank_you="",
        )  # fmt: skip
        domains = list(
            Record.objects.of(workspace)
            .live()
            .exclude(domain="")
            .order_by("-id")
            .values_list("domain", flat=True)[:posts]
        )
    url = reverse("webform_public", args=[form.key])
    client = Client()
    client.get(url)  # warm-up: templates, URL resolver
    times = []
    for data in _posts(posts, domains):
        started = time.perf_counter()
        response = client.post(url, data, REMOTE_ADDR="203.0.113.9")
        times.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"A post answered {response.status_code}: {response.content[:300]}")
    times.sort()
    return {
        "posts": posts,
        "p50_ms": statistics.median(times),
        "p95_ms": times[int(len(times) * 0.95) - 1],
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--workspace", default="bench")
    parser.add_argument("--posts", type=int, default=300)
    args = parser.parse_args()
    workspace = Workspace.objects.get(slug=args.workspace)
    with workspace_scope(workspace.pk):
        records = Record.objects.of(workspace).live().count()
    figures = measure(workspace, args.posts)
    print(
        f"web form: {figures['posts']} posts into a workspace of {records} records, "
        f"p50 {figures['p50_ms']:.1f} ms, p95 {figures['p95_ms']:.1f} ms"
    )
    print(
        f"RESULT webform_records={records} webform_posts={figures['posts']} "
        f"webform_p50_ms={figures['p50_ms']:.1f} webform_p95_ms={figures['p95_ms']:.1f}"
    )


if __name__ == "__main__":
    main()
