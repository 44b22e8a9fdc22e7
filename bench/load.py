"""A bounded load test against gunicorn as production runs it (issue 14).

Starts gunicorn on 127.0.0.1 (DEBUG off, a SECRET_KEY, static files collected into their own
STATIC_ROOT and served by WhiteNoise from the manifest, 3 sync workers as the Dockerfile and
docker-compose.yml run it, every request under row-level security when DATABASE_APP_ROLE is set),
logs in a fixed number of users (several roles, each its own session), runs them without think
time for a fixed time with locust as a library (headless, no web UI), stops by itself, stops
gunicorn and prints

    RESULT users=.. seconds=.. requests=.. rps=.. p50_ms=.. p95_ms=.. errors=.. conflicts=..
    refusals=.. cpu_ms_per_req=.. db_cpu_ms_per_req=.. workers=.. load=..

`cpu_ms_per_req` is the gunicorn workers' CPU time (user + system, from /proc through psutil)
over the measured window divided by the requests answered in it: what a request costs the web
tier, independent of how loaded the machine is. `db_cpu_ms_per_req` is the same for the
PostgreSQL backends of the benched database (other sessions' backends on that database count
too: keep the database to the bench).

The mix (fixed; each user walks this cycle of 20 requests from its own starting point):

| requests | what | as |
|---:|---|---|
| 3 | records list, first page | everyone |
| 2 | records list, filtered (source + country + ICP >= 40) | everyone |
| 1 | records list, search for a company name | everyone |
| 1 | records list, a far page (keyset cursor half-way down) | everyone |
| 3 | record page (another record each time) | everyone |
| 2 | pipeline board | everyone |
| 2 | the role's queue: MQLs to qualify (SDR, marketing), My pipeline (others) | everyone |
| 2 | My tasks | everyone |
| 1 | the role's home (the shell) | everyone |
| 2 | one panel of that home (htmx, as the shell asks for them) | everyone |
| 1 | a write: admins and leaders drop a card on the board, the others log an activity | |

The drop is the board's: the top card of the SQL column (what every overseer sees first, so
drops collide as they would in a team) moved back to MQL with the card's version, as board.js
posts it; the next drop of that user moves it forward again with the version of the card the
move answered. A 409 (someone else moved that card first: the board snaps it back and says so)
and a 422 (the stage's entry rules unmet: the board snaps it back and lists them) are outcomes
the UI handles; they are counted as `conflicts` (409) and `refusals` (422), not `errors`. Every
other answer that is not 2xx or 3xx is an error.

`--redis-outage N` stops the Redis the run uses (its own redis-server on --redis-port, default
6390, started and stopped by this script; never the shared 6379) for N seconds half-way through
the run, counts the 5xx answered meanwhile, asks for one background job during the outage (the
metrics rebuild, as an admin would) and checks that the job, recorded in PostgreSQL in the
request's transaction, is handed to the broker once Redis is back (the relay the beat runs every
minute, run here at once). The outage's figures are added to RESULT.

Usage (a seeded database; docs/PERFORMANCE.md, "Load"):

    DATABASE_URL=postgres://root@127.0.0.1:5432/pb_bench100k DATABASE_APP_ROLE=playbook_app \\
      .venv/bin/python bench/load.py --users 20 --seconds 60 [--redis-outage 30] [--profile DIR]

`--profile DIR` samples every gunicorn worker with py-spy over the measured window and prints
where the workers' CPU time went (bench/profile_shares.py); sampling costs the workers little,
but the sampler's own CPU competes with them on this machine, so take rps from a run without it.
"""

# locust patches the standard library for gevent: it must come before anything opens a socket.
import locust  # noqa: I001, F401

import argparse
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

import gevent
import psutil
from locust import HttpUser, events, task
from locust.env import Environment

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEMO_PASSWORD = "playbook-demo-2026"  # playbook.demo.DEMO_PASSWORD
SECRET = "bench-load-not-a-secret"
# Roles of the users, in order: user i logs in as a member of ROLES[i % len(ROLES)].
ROLES = ["admin", "ae", "sdr", "leader", "csm", "ae", "marketing", "renewals", "sdr", "se"]
MIX = (
    ["list"] * 3
    + ["filtered"] * 2
    + ["search", "far"]
    + ["record"] * 3
    + ["board"] * 2
    + ["queue"] * 2
    + ["tasks"] * 2
    + ["home"]
    + ["panel"] * 2
    + ["write"]
)
assert len(MIX) == 20
EXPECTED_REFUSALS = {409, 422}
# Refusals the UI handles, and what was answered while Redis was down.
COUNTS = {409: 0, 422: 0, "outage": False, "outage_requests": 0, "outage_5xx": 0}


@events.request.add_listener
def _during_outage(response=None, exception=None, **_):
    if COUNTS["outage"]:
        COUNTS["outage_requests"] += 1
        status = getattr(response, "status_code", 0) or 0
        if status >= 500 or (exception is not None and not status):
            COUNTS["outage_5xx"] += 1


def server_env(args, static_root: Path) -> dict:
    """Production settings (playbook/settings.py with DEBUG off), plain HTTP on 127.0.0.1 behind
    an imagined TLS proxy: requests say X-Forwarded-Proto: https (SECURE_PROXY_SSL_HEADER), so
    the HTTPS redirect, HSTS and the CSRF origin check work as in production. Only the cookies'
    Secure flag is off, because the load generator speaks plain HTTP to the socket."""
    env = dict(os.environ)
    env.update(
        {
            "DEBUG": "false",
            "SECRET_KEY": SECRET,
            "STATIC_ROOT": str(static_root),
            "STATIC_MANIFEST": "true",
            "SESSION_COOKIE_SECURE": "false",
            "CSRF_COOKIE_SECURE": "false",
            "ALLOWED_HOSTS": "127.0.0.1",
            "LOG_LEVEL": "WARNING",
        }
    )
    env.pop("SECURE_SSL_REDIRECT", None)
    if args.redis_port:
        env["REDIS_URL"] = f"redis://127.0.0.1:{args.redis_port}/0"
    return env


def collectstatic(env: dict) -> None:
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
    )


def start_gunicorn(args, env: dict) -> subprocess.Popen:
    import socket

    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", args.port)) == 0:
            raise SystemExit(f"Port {args.port} is in use: another server answers there.")
    command = [
        str(Path(sys.executable).parent / "gunicorn"),
        "playbook.wsgi:application",
        "--bind",
        f"127.0.0.1:{args.port}",
        "--workers",
        str(args.workers),
        "--log-level",
        "warning",
    ]
    server = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
    deadline = time.monotonic() + 90
    import requests

    try:
        while time.monotonic() < deadline:
            try:
                url = f"http://127.0.0.1:{args.port}/login/"
                requests.get(url, timeout=30, allow_redirects=False)
                return server
            except requests.RequestException:
                if server.poll() is not None:
                    raise SystemExit("gunicorn did not start") from None
                time.sleep(0.5)
        raise SystemExit("gunicorn did not answer within 90 s")
    except BaseException:
        stop(server)
        raise


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def start_redis(port: int) -> subprocess.Popen:
    """A private Redis for the run: stopping it disturbs nobody else."""
    process = subprocess.Popen(
        [
            "redis-server",
            "--bind",
            "127.0.0.1",
            "--port",
            str(port),
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        stdout=subprocess.DEVNULL,
        start_new_session=True,
    )
    for _ in range(50):
        if subprocess.run(["redis-cli", "-p", str(port), "ping"], capture_output=True).stdout:
            return process
        time.sleep(0.1)
    raise SystemExit(f"redis-server on port {port} did not start")


def sample(args, workers) -> list[subprocess.Popen]:
    """py-spy samples each worker over the measured window (100 a second, without pausing it;
    only samples where the worker runs Python, not where it waits on a socket, so the shares are
    of its CPU time), as collapsed stacks in DIR/worker-<pid>.txt."""
    Path(args.profile).mkdir(parents=True, exist_ok=True)
    spy = str(Path(sys.executable).parent / "py-spy")
    return [
        subprocess.Popen(
            [
                spy,
                "record",
                "--pid",
                str(w.pid),
                "--rate",
                "100",
                "--nonblocking",
                "--format",
                "raw",
                "--duration",
                str(args.seconds),
                "--output",
                str(Path(args.profile) / f"worker-{w.pid}.txt"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for w in workers
    ]


def workers_of(server: subprocess.Popen) -> list[psutil.Process]:
    return psutil.Process(server.pid).children()


def cpu_times(processes) -> dict[int, float]:
    """CPU seconds (user + system) of each process still there, by pid."""
    times = {}
    for p in processes:
        try:
            t = p.cpu_times()
            times[p.pid] = t.user + t.system
        except psutil.NoSuchProcess:
            pass
    return times


def cpu_delta(before: dict, after: dict) -> float:
    """CPU used in between by the processes alive at both ends (a backend that disconnected in
    between is left out rather than counted negative)."""
    return sum(max(0.0, after[pid] - before[pid]) for pid in before.keys() & after.keys())


def db_backends(dbname: str) -> list[psutil.Process]:
    """The PostgreSQL backends connected to `dbname` ("postgres: 15/main: user db host ...")."""
    found = []
    for p in psutil.process_iter(["cmdline"]):
        line = " ".join(p.info["cmdline"] or [])
        if line.startswith("postgres:") and f" {dbname} " in f"{line} ":
            found.append(p)
    return found


class Plan:
    """What the users request, read once from the database before the run (bench.pages)."""

    def __init__(self, slug: str):
        from bench import pages
        from dashboards import registry
        from playbook.models import Membership
        from playbook.tenancy import workspace_scope

        bench = pages.prepare(slug)
        self.slug = slug
        self.record_ids = bench.record_ids
        self.deep_cursor = bench.deep_cursor
        self.sample_name = bench.sample_name
        with workspace_scope(bench.workspace):
            members = list(
                Membership.objects.of(bench.workspace)
                .filter(is_active=True)
                .select_related("user")
                .order_by("id")
            )
        self.emails: dict[str, list[str]] = {}
        for m in members:
            self.emails.setdefault(m.role, []).append(m.user.email)
        self.homes = {}
        for role in self.emails:
            home = next(h for h in registry.HOMES.values() if role in h.roles)
            self.homes[role] = (home.key, list(home.panels))


PLAN: Plan | None = None
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
SQL_CARD = re.compile(
    r'data-stage="(\d+)" data-stage-name="SQL".*?data-record="(\d+)" data-version="(\d+)"', re.S
)
MQL_STAGE = re.compile(r'data-stage="(\d+)" data-stage-name="MQL"')
CARD = re.compile(r'data-record="(\d+)" data-version="(\d+)"')


class CrmUser(HttpUser):
    """One person at the keyboard without think time: walks MIX from its own starting point."""

    host = "http://127.0.0.1:8000"
    count = 0

    def wait_time(self):
        return 0

    def on_start(self):
        CrmUser.count += 1
        self.number = CrmUser.count
        self.role = ROLES[(self.number - 1) % len(ROLES)]
        if self.role not in PLAN.emails:
            self.role = "admin"
        emails = PLAN.emails[self.role]
        self.email = emails[(self.number - 1) // len(ROLES) % len(emails)]
        self.step = (self.number * 7) % len(MIX)
        self.rng = random.Random(self.number)
        self.headers = {"X-Forwarded-Proto": "https"}
        self.origin = {"Origin": self.host.replace("http://", "https://")}
        self.w = f"/w/{PLAN.slug}"
        self.drop = None  # (record id, version, back to stage id) after a drop back
        self.board = ""
        login = self.client.get("/login/", headers=self.headers, name="login form")
        token = CSRF.search(login.text).group(1)
        answer = self.client.post(
            "/login/",
            data={"username": self.email, "password": DEMO_PASSWORD, "csrfmiddlewaretoken": token},
            headers={**self.headers, **self.origin},
            name="login",
            allow_redirects=False,
        )
        if answer.status_code != 302:
            raise SystemExit(f"log-in as {self.email} answered {answer.status_code}")
        self.csrf = self.client.cookies.get("csrftoken")

    def get(self, url, name, **headers):
        with self.client.get(
            url, headers={**self.headers, **headers}, name=name, catch_response=True
        ) as response:
            if response.status_code == 200:
                response.success()
            return response

    def post(self, url, name, data, **headers):
        data = {**data, "csrfmiddlewaretoken": self.csrf}
        with self.client.post(
            url,
            data=data,
            headers={**self.headers, **self.origin, "HX-Request": "true", **headers},
            name=name,
            catch_response=True,
            allow_redirects=False,
        ) as response:
            if response.status_code in EXPECTED_REFUSALS:
                response.success()
                COUNTS[response.status_code] += 1
            elif response.status_code < 400:
                response.success()
            return response

    @task
    def walk(self):
        kind = MIX[self.step]
        self.step = (self.step + 1) % len(MIX)
        getattr(self, f"do_{kind}")()

    def next_record(self) -> int:
        return self.rng.choice(PLAN.record_ids)

    def do_list(self):
        self.get(f"{self.w}/records/", "records list")

    def do_filtered(self):
        self.get(
            f"{self.w}/records/?source=webinar&country=Germany&icp_min=40", "records list, filtered"
        )

    def do_search(self):
        self.get(f"{self.w}/records/?q={PLAN.sample_name}", "records list, search a name")

    def do_far(self):
        self.get(f"{self.w}/records/?cursor={quote(PLAN.deep_cursor)}", "records list, far page")

    def do_record(self):
        self.get(f"{self.w}/records/{self.next_record()}/", "record page")

    def do_board(self):
        self.board = self.get(f"{self.w}/pipeline/board/", "pipeline board").text

    def do_queue(self):
        if self.role in ("sdr", "marketing"):
            self.get(f"{self.w}/pipeline/queues/mqls/", "MQLs to qualify")
        else:
            self.get(f"{self.w}/pipeline/queues/my-pipeline/", "My pipeline")

    def do_tasks(self):
        self.get(f"{self.w}/tasks/", "My tasks")

    def do_home(self):
        key, _ = PLAN.homes[self.role]
        self.get(f"{self.w}/home/{key}/", "role home")

    def do_panel(self):
        key, panels = PLAN.homes[self.role]
        panel = self.rng.choice(panels)
        self.get(f"{self.w}/home/{key}/panels/{panel}/", "home panel", **{"HX-Request": "true"})

    def do_write(self):
        if self.role in ("admin", "leader"):
            self.do_drop()
        else:
            self.do_activity()

    def do_activity(self):
        record = self.next_record()
        self.post(
            f"{self.w}/records/{record}/activities/new/",
            "log an activity",
            {"kind": "note", "subject": "Load bench note", "body": "Checked in."},
        )

    def do_drop(self):
        if self.drop is not None:
            # Forward again, with the version the last move answered.
            record, version, to_stage = self.drop
            self.drop = None
            self.post(
                f"{self.w}/pipeline/records/{record}/move/",
                "board drop",
                {"to_stage": to_stage, "version": version},
            )
            return
        if not self.board:
            self.do_board()
        sql = SQL_CARD.search(self.board)
        mql = MQL_STAGE.search(self.board)
        self.board = ""  # the next drop reads a fresh board
        if not sql or not mql:
            return
        sql_stage, record, version = sql.groups()
        response = self.post(
            f"{self.w}/pipeline/records/{record}/move/",
            "board drop",
            {"to_stage": mql.group(1), "version": version},
        )
        card = CARD.search(response.text or "") if response.status_code == 200 else None
        if card and card.group(1) == record:
            self.drop = (record, card.group(2), sql_stage)


def outage(args, report: dict) -> None:
    """Redis down for --redis-outage seconds, half-way through; one job asked for meanwhile."""
    import requests

    gevent.sleep(args.warmup + args.seconds / 2 - args.redis_outage / 2)
    subprocess.run(["redis-cli", "-p", str(args.redis_port), "shutdown", "nosave"], check=False)
    report["outage_started"] = time.time()
    COUNTS["outage"] = True
    gevent.sleep(min(5, args.redis_outage / 3))
    # An admin asks for a background job while the broker is down.
    session = requests.Session()
    h = {"X-Forwarded-Proto": "https", "Origin": args.url.replace("http://", "https://")}
    token = CSRF.search(session.get(f"{args.url}/login/", headers=h).text).group(1)
    session.post(
        f"{args.url}/login/",
        data={
            "username": PLAN.emails["admin"][0],
            "password": DEMO_PASSWORD,
            "csrfmiddlewaretoken": token,
        },
        headers=h,
        allow_redirects=False,
    )
    answer = session.post(
        f"{args.url}/w/{PLAN.slug}/targets/metrics/rebuild/",
        data={"csrfmiddlewaretoken": session.cookies.get("csrftoken")},
        headers=h,
        allow_redirects=False,
    )
    report["outage_job_status"] = answer.status_code
    gevent.sleep(max(0, args.redis_outage - (time.time() - report["outage_started"])))
    COUNTS["outage"] = False
    report["redis"] = start_redis(args.redis_port)
    report["outage_seconds"] = round(time.time() - report["outage_started"], 1)


def relay_and_check(report: dict, slug: str) -> None:
    """What the beat's relay does once the broker is back, run now; then where the job is."""
    from datetime import UTC, datetime, timedelta

    from django.utils import timezone

    from jobs import services as jobs
    from jobs.models import Job, JobStatus
    from playbook.models import Workspace
    from playbook.tenancy import workspace_scope

    workspace = Workspace.objects.get(slug=slug)
    started = datetime.fromtimestamp(report["outage_started"], tz=UTC)
    with workspace_scope(workspace):
        asked = Job.objects.of(workspace).filter(created_at__gte=started)
        waiting = asked.filter(status=JobStatus.WAITING).count()
        jobs.jobs_relay(workspace_id=workspace.pk, now=timezone.now() + timedelta(minutes=1))
        report["outage_jobs"] = asked.count()
        report["outage_jobs_waiting"] = waiting
        report["outage_jobs_handed_over"] = asked.filter(status=JobStatus.QUEUED).count()
        # Nobody runs them (no worker in the bench): leave the workspace as it was found.
        asked.delete()


def main() -> None:
    global PLAN
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--seconds", type=int, default=60, help="measured time")
    parser.add_argument("--warmup", type=int, default=20, help="log-ins and warm-up, not measured")
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--workspace", default="demo")
    parser.add_argument("--redis-outage", type=int, default=0, metavar="SECONDS")
    parser.add_argument("--redis-port", type=int, default=6390, help="0: use REDIS_URL as set")
    parser.add_argument("--profile", default="", metavar="DIR")
    args = parser.parse_args()
    args.url = f"http://127.0.0.1:{args.port}"
    if args.redis_outage and not args.redis_port:
        parser.error("--redis-outage needs the bench's own Redis (--redis-port)")
    if args.redis_outage * 2 > args.seconds:
        parser.error("--redis-outage: at most half of --seconds")

    # A timeout's SIGTERM still stops gunicorn and Redis (the `finally` below).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    static_root = Path(tempfile.mkdtemp(prefix="pb-load-static-"))
    env = server_env(args, static_root)
    os.environ.update({k: env[k] for k in ("DEBUG", "SECRET_KEY", "STATIC_ROOT")})
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "playbook.settings")
    import django

    os.environ["STATIC_MANIFEST"] = "false"
    if args.redis_port:
        os.environ["REDIS_URL"] = env["REDIS_URL"]
    django.setup()
    from django.conf import settings
    from django.db import connection

    report: dict = {}
    redis = start_redis(args.redis_port) if args.redis_port else None
    server = None
    try:
        PLAN = Plan(args.workspace)
        dbname = settings.DATABASES["default"]["NAME"]
        connection.close()
        collectstatic(env)
        server = start_gunicorn(args, env)
        workers = workers_of(server)
        CrmUser.host = args.url
        environment = Environment(user_classes=[CrmUser], events=events)
        runner = environment.create_local_runner()
        runner.start(args.users, spawn_rate=args.users)
        if args.redis_outage:
            report["redis"] = redis
            gevent.spawn(outage, args, report)
        gevent.sleep(args.warmup)
        environment.stats.reset_all()
        COUNTS.update({409: 0, 422: 0})
        spies = sample(args, workers) if args.profile else []
        backends = db_backends(dbname)
        cpu0, db0, t0 = cpu_times(workers), cpu_times(backends), time.monotonic()
        gevent.sleep(args.seconds)
        cpu1, db1, t1 = cpu_times(workers), cpu_times(backends), time.monotonic()
        for spy in spies:
            spy.wait()
        runner.quit()
        stats = environment.stats
        total = stats.total
        requests_done = total.num_requests
        print(f"{'request':<34} {'n':>6} {'fail':>5} {'p50':>6} {'p95':>6}")
        for (name, _method), entry in sorted(stats.entries.items()):
            print(
                f"{name:<34} {entry.num_requests:>6} {entry.num_failures:>5} "
                f"{entry.get_response_time_percentile(0.5):>6.0f} "
                f"{entry.get_response_time_percentile(0.95):>6.0f}"
            )
        for error in stats.errors.values():
            print(f"error: {error.method} {error.name}: {error.error} x{error.occurrences}")
        seconds = t1 - t0
        line = (
            f"RESULT users={args.users} seconds={seconds:.0f} requests={requests_done} "
            f"rps={requests_done / seconds:.1f} "
            f"p50_ms={total.get_response_time_percentile(0.5):.0f} "
            f"p95_ms={total.get_response_time_percentile(0.95):.0f} "
            f"errors={total.num_failures} conflicts={COUNTS[409]} refusals={COUNTS[422]} "
            f"cpu_ms_per_req={cpu_delta(cpu0, cpu1) * 1000 / max(1, requests_done):.1f} "
            f"db_cpu_ms_per_req={cpu_delta(db0, db1) * 1000 / max(1, requests_done):.1f} "
            f"workers={args.workers} load={os.getloadavg()[0]:.1f}"
        )
        if args.redis_outage:
            relay_and_check(report, args.workspace)
            line += (
                f" outage_s={report['outage_seconds']} outage_requests={COUNTS['outage_requests']} "
                f"outage_5xx={COUNTS['outage_5xx']} "
                f"outage_job_answer={report['outage_job_status']} "
                f"outage_jobs={report['outage_jobs']} "
                f"outage_jobs_waiting={report['outage_jobs_waiting']} "
                f"outage_jobs_handed_over={report['outage_jobs_handed_over']}"
            )
        print(line)
    finally:
        if server is not None:
            stop(server)
        for r in (redis, report.get("redis")):
            if r is not None:
                stop(r)
        shutil.rmtree(static_root, ignore_errors=True)
    if args.profile:
        from bench import profile_shares

        profile_shares.report(Path(args.profile))


if __name__ == "__main__":
    main()
