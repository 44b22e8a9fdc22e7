"""Server-side time of the app's pages on a big workspace: p50/p95 over many requests each.

Requests go through Django's test client in this process, against the configured database
(DATABASE_URL), so the figures are the server's own time: URL routing, middleware, queries,
template rendering. Seed first, e.g. on PostgreSQL:

    createdb -h 127.0.0.1 pb_bench
    export DATABASE_URL=postgres://root@127.0.0.1:5432/pb_bench
    DEBUG=true .venv/bin/python manage.py migrate
    DEBUG=true .venv/bin/python manage.py seed_demo --records 100000
    .venv/bin/python bench/pages.py [--workspace demo] [--requests 50]

Under row-level security (ADR 0006), as production runs: connect as a role subject to it and
name the role requests switch to, e.g. DATABASE_URL=postgres://pb_bench_app@.../pb_bench
DATABASE_APP_ROLE=playbook_app (docs/PERFORMANCE.md, "Row-level security"). The header and the
RESULT line say whether it was on.

The dashboards' homes and panels are added from their registry (`_dashboard_pages`); measure
only them with `--only home` / `--only panel`. To measure another page, add a (label, url
builder) pair to PAGES; a builder gets the Bench and
returns the URL of the next request (it may vary per request, e.g. another record each time).
PAGE_ROLES names the role to look at a page as (e.g. "sdr" for the SDR queue); other pages
are seen by the bench user. TARGETS_MS holds the pages whose budget is not 150 ms.
The last line is `RESULT ...` with every page's p95 in ms.
"""

import argparse
import statistics
import sys
import time
from dataclasses import dataclass, field
from itertools import cycle
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from django.conf import settings
from django.db import connection
from django.db.models import Count
from django.test import Client
from django.utils import timezone

import bench.benchenv  # noqa: F401  (settings and django.setup())
from playbook import tenancy
from playbook.models import Membership, Workspace
from records import keyset
from records.models import Activity, ActivityKind, Record, SavedView
from records.selectors.records import LIST_SALT

TARGET_P95_MS = 150


@dataclass
class Bench:
    """What the URL builders need: the workspace, sample ids, a deep cursor."""

    workspace: Workspace
    user: object
    records: int
    record_ids: list[int]
    deep_cursor: str
    sample_name: str
    users: dict = field(default_factory=dict)  # role -> the user to look at role pages as
    deal_ids: list[int] = field(default_factory=list)  # open records with a next stage
    view_id: int = 0  # a shared saved view: the built-in "Open opportunities"
    _next_record: object = field(default=None, repr=False)
    _next_deal: object = field(default=None, repr=False)
    _moved: tuple | None = field(default=None, repr=False)  # (id, stage, clock) to move back

    @property
    def slug(self) -> str:
        return self.workspace.slug

    def next_record_id(self) -> int:
        if self._next_record is None:
            self._next_record = cycle(self.record_ids)
        return next(self._next_record)

    def move_a_deal(self) -> None:
        """A move as a drop on the board writes it to the record (its stage and the stage's
        clock, one UPDATE; the stage history row does not touch the board): one open deal to
        the neighbouring stage, and on the next call back again, so a run leaves the workspace
        as it found it (the request count is even)."""
        from pipeline.models import StageDefinition

        records = Record.objects.of(self.workspace)
        if self._moved is not None:
            pk, stage_id, entered = self._moved
            records.filter(pk=pk).update(stage_id=stage_id, stage_entered_at=entered)
            self._moved = None
            return
        deal = records.values("id", "stage_id", "stage_entered_at").get(pk=self.next_deal_id())
        stages = list(
            StageDefinition.objects.of(self.workspace)
            .filter(is_retired=False, is_closed=False, is_won=False)
            .order_by("position")
            .values_list("id", flat=True)
        )
        here = stages.index(deal["stage_id"]) if deal["stage_id"] in stages else 0
        to = stages[here + 1] if here + 1 < len(stages) else stages[here - 1]
        records.filter(pk=deal["id"]).update(stage_id=to, stage_entered_at=timezone.now())
        self._moved = (deal["id"], deal["stage_id"], deal["stage_entered_at"])

    def next_deal_id(self) -> int:
        """Another open record in a stage with a next one: its page evaluates a checklist."""
        if self._next_deal is None:
            self._next_deal = cycle(self.deal_ids)
        return next(self._next_deal)


PAGES = [
    ("records list, first page", lambda b: f"/w/{b.slug}/records/"),
    (
        "records list, filtered",
        lambda b: f"/w/{b.slug}/records/?source=webinar&country=Germany&icp_min=40",
    ),
    ("records list, search a name", lambda b: f"/w/{b.slug}/records/?q={b.sample_name}"),
    ("records list, search a word", lambda b: f"/w/{b.slug}/records/?q=summit"),
    ("records list, deep page", lambda b: f"/w/{b.slug}/records/?cursor={b.deep_cursor}"),
    ("records list, by ICP", lambda b: f"/w/{b.slug}/records/?sort=-icp"),
    # Everyone's open opportunities (records.view_defaults), with the result count.
    (
        "records list with a saved view applied (count shown)",
        lambda b: f"/w/{b.slug}/records/?view={b.view_id}",
    ),
    ("record detail", lambda b: f"/w/{b.slug}/records/{b.next_record_id()}/"),
    ("My tasks", lambda b: f"/w/{b.slug}/tasks/"),
    # Pipeline (docs/pipeline.md): the board, a record page with its checklist, the queues.
    ("pipeline board", lambda b: f"/w/{b.slug}/pipeline/board/"),
    ("pipeline board, one team", lambda b: f"/w/{b.slug}/pipeline/board/?team=sales"),
    # The first view of the board after each move: nothing of the board is cached, and its
    # totals are kept by the database as the move writes (docs/adr/0206).
    (
        "pipeline board right after a move",
        lambda b: b.move_a_deal() or f"/w/{b.slug}/pipeline/board/",
    ),
    ("record page with checklist", lambda b: f"/w/{b.slug}/records/{b.next_deal_id()}/"),
    ("MQLs to qualify (SDR)", lambda b: f"/w/{b.slug}/pipeline/queues/mqls/"),
    ("My pipeline (AE)", lambda b: f"/w/{b.slug}/pipeline/queues/my-pipeline/"),
]
# Pages seen as a member of a given role (the others as the bench user).
PAGE_ROLES = {
    "records list with a saved view applied (count shown)": "admin",
    "pipeline board": "admin",
    "pipeline board, one team": "admin",
    "pipeline board right after a move": "admin",
    "record page with checklist": "admin",
    "MQLs to qualify (SDR)": "sdr",
    "My pipeline (AE)": "ae",
}
TARGETS_MS = {
    "pipeline board": 300,
    "pipeline board, one team": 300,
    "pipeline board right after a move": 300,
}
# Requests that htmx makes (the dashboard panels): sent with HX-Request, answered as fragments.
HTMX_PAGES: set[str] = set()
HOME_TARGET_MS = 100


def _dashboard_pages() -> None:
    """The dashboards (docs/dashboards.md): every home's shell and every panel of it, found in
    the registry so a new panel is measured without a line here, each seen as a member of the
    home's own role (admin for the company summary). Budgets: a shell under 100 ms p95, a panel
    under 150 ms."""
    from dashboards import registry

    for home in registry.HOMES.values():
        role = home.roles[-1] if home.roles else "admin"
        label = f"home {home.key}"
        PAGES.append((label, lambda b, k=home.key: f"/w/{b.slug}/home/{k}/"))
        PAGE_ROLES[label] = role
        TARGETS_MS[label] = HOME_TARGET_MS
        for key in home.panels:
            label = f"panel {home.key}/{key}"
            PAGES.append((label, lambda b, h=home.key, p=key: f"/w/{b.slug}/home/{h}/panels/{p}/"))
            PAGE_ROLES[label] = role
            HTMX_PAGES.add(label)


_dashboard_pages()


def prepare(slug: str) -> Bench:
    workspace = Workspace.objects.get(slug=slug)
    # Reading the workspace's rows outside a request is one workspace's work like a task's.
    with tenancy.workspace_scope(workspace):
        return _prepare(workspace)


def _prepare(workspace) -> Bench:
    slug = workspace.slug
    live = Record.objects.of(workspace).live()
    total = live.count()
    if total == 0:
        sys.exit(f"Workspace {slug} has no records: run seed_demo first.")
    # The member with the most open tasks: My tasks at its fullest.
    top = (
        Activity.objects.of(workspace)
        .filter(kind=ActivityKind.TASK, done=False)
        .values("assignee")
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()
    )
    members = Membership.objects.of(workspace).filter(is_active=True)
    member = members.filter(user_id=top["assignee"]).first() if top else None
    user = (member or members.filter(role="admin").first()).user
    # A cursor half-way down the default order (one OFFSET query here, never in the app).
    middle = live.order_by("-updated_at", "-id").values("updated_at", "id")[total // 2]
    deep = keyset.encode(
        salt=LIST_SALT, scope="-updated", value=middle["updated_at"], pk=middle["id"]
    )
    step = max(1, total // 200)
    ids = list(live.order_by("id").values_list("id", flat=True)[::step][:200])
    name = quote(live.get(pk=ids[len(ids) // 2]).name)
    bench = Bench(workspace, user, total, ids, deep, name)
    bench.users = _users_by_role(workspace, members)
    deals = live.filter(status="open", stage__key__in=["mql", "sql", "opportunity"])
    bench.deal_ids = list(deals.order_by("id").values_list("id", flat=True)[::50][:200]) or ids
    views = SavedView.objects.of(workspace).filter(shared=True)
    view = views.filter(builtin="open_opportunities").first() or views.order_by("id").first()
    if view is None:
        sys.exit(f"Workspace {slug} has no shared saved view: run migrate (records 0013).")
    bench.view_id = view.pk
    return bench


def _users_by_role(workspace, members) -> dict:
    """One member per role; the AE with the most open deals, so My pipeline is at its fullest."""
    users = {}
    for m in members.select_related("user").order_by("id"):
        users.setdefault(m.role, m.user)
    busiest_ae = (
        Record.objects.of(workspace)
        .filter(status="open", owner__memberships__role="ae")
        .values("owner")
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()
    )
    if busiest_ae:
        users["ae"] = members.get(user_id=busiest_ae["owner"]).user
    return users


def measure(client: Client, bench: Bench, builder, requests: int, headers=None) -> dict:
    headers = headers or {}
    for _ in range(3):  # warm caches and connections
        client.get(builder(bench), **headers)
    url = builder(bench)
    executed = []
    with connection.execute_wrapper(lambda execute, *a: executed.append(1) or execute(*a)):
        response = client.get(url, **headers)
    if response.status_code != 200:
        raise SystemExit(f"{url} answered {response.status_code}")
    times = []
    for _ in range(requests):
        url = builder(bench)
        started = time.perf_counter()
        response = client.get(url, **headers)
        times.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code}")
    times.sort()
    return {
        "n": len(times),
        "p50": statistics.median(times),
        "p95": statistics.quantiles(times, n=20, method="inclusive")[-1],
        "max": times[-1],
        "queries": len(executed),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workspace", default="demo")
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--only", default="", help="measure the pages whose label contains this")
    args = parser.parse_args()
    if args.requests < 50:
        parser.error("--requests: at least 50, for a meaningful p95")
    bench = prepare(args.workspace)
    client = Client()
    client.force_login(bench.user)
    rls = connection.vendor == "postgresql" and (
        bool(settings.DATABASE_APP_ROLE) or not tenancy.spans_workspaces()
    )
    print(
        f"{bench.records} live records in '{bench.slug}' on {connection.vendor}, "
        f"as {bench.user.email}; {args.requests} requests per page; "
        f"row-level security {'on' if rls else 'off'}"
    )
    print(f"{'page':<34} {'n':>4} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'queries':>8}")
    results = {}
    only = [label for label, _ in PAGES if args.only and args.only in label]
    for label, builder in PAGES:
        if args.only and label not in only:
            continue
        client.force_login(bench.users.get(PAGE_ROLES.get(label), bench.user))
        headers = {"HTTP_HX_REQUEST": "true"} if label in HTMX_PAGES else {}
        r = measure(client, bench, builder, args.requests, headers)
        results[label] = r
        print(
            f"{label:<34} {r['n']:>4} {r['p50']:>8.1f} {r['p95']:>8.1f} "
            f"{r['max']:>8.1f} {r['queries']:>8}"
        )
    worst = max(r["p95"] for r in results.values())
    over = [
        label for label, r in results.items() if r["p95"] >= TARGETS_MS.get(label, TARGET_P95_MS)
    ]
    keys = " ".join(
        f"{label.replace(',', '').replace(' ', '_').lower()}_p95_ms={r['p95']:.1f}"
        for label, r in results.items()
    )
    print(
        f"RESULT records={bench.records} db={connection.vendor} "
        f"rls={'on' if rls else 'off'} {keys} "
        f"worst_p95_ms={worst:.1f} target_p95_ms={TARGET_P95_MS} board_target_p95_ms=300 "
        f"ok={'no' if over else 'yes'}"
    )


if __name__ == "__main__":
    main()
