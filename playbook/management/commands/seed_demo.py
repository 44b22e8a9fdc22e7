import time
from importlib import import_module

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.test.utils import override_settings

from pipeline.models import StageTotal
from pipeline.services import stage_totals_deferred
from playbook import bulkload, demo, tenancy
from playbook.bulkload import secondary_indexes_dropped
from playbook.models import Role, Workspace
from records.demo import foreign_keys_checked_once
from records.models import Record

# Each app's demo data, in dependency order; each module has `seed(ctx: DemoContext)`. ICP scores
# come from the profile before the pipeline walks (its journeys follow the score) and again at
# the end, once for what the pipeline's demos and qualification flags and the customers'
# engagements changed. Customers follow the won records; targets are planned from the history
# all of them leave.
APP_SEEDERS = [
    "records.demo",
    "records.icp_demo",
    "pipeline.demo",
    "customers.demo",
    "records.icp_demo",
    "targets.demo",
]
# The seeders that write every record (its row, its score, its stage, its score again): they run
# with records_record's secondary indexes dropped (built once when they are done: each of those
# full-table updates would otherwise write an entry into all 16 indexes per record), its foreign
# keys checked once by a join each rather than per updated row, and the stage totals' triggers
# off (counted once at the end). They read records by primary key or whole.
RECORD_WRITERS = 5


def _run(self, ctx, seeders, written: dict) -> None:
    for dotted in seeders:
        module = import_module(dotted)
        t0, cpu0 = time.monotonic(), time.process_time()
        module.seed(ctx)
        _analyze(written)
        # Wall time and this process's own CPU (the rest is the database's, or waiting).
        self.stdout.write(
            f"  {dotted}: {time.monotonic() - t0:.1f}s ({time.process_time() - cpu0:.1f}s own CPU)"
        )


# Memory of the sorts and hash joins over a whole workspace (foreign-key checks, the records'
# update from the pipeline's walks, ICP rescore, rollups): with PostgreSQL's default, 4 MB, a
# hash join over 1M records goes to temporary files in batches.
WORK_MEMORY = "128MB"


def _session_for_bulk() -> None:
    """Settings of the seed's transaction. JIT off: it compiled the statement that generates
    the activities for 2.3 of its 12 s at 100k records, and the ICP rescore turned it off for
    the rest of the transaction anyway (records.services.icp._without_jit)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('work_mem', %s, true)", [WORK_MEMORY])
            cursor.execute("SELECT set_config('jit', 'off', true)")


def _analyze(written: dict | None = None) -> None:
    """Statistics for what the seeder just wrote. The next seeders run set-based queries over
    it inside the same transaction, before autovacuum could have looked: planned on empty-table
    estimates, the targets' funnel rollup over a 100k-record seed ran for over 30 minutes (13 s
    once analysed). ANALYZE counts the transaction's own rows, and may run inside it.

    Only the app's own tables: a bare ANALYZE also analyses the cluster's shared catalogs
    (pg_authid, pg_database ...) and keeps their lock until the seed commits, so every other
    database's ANALYZE on the server (test runs, autovacuum) waited for the whole seed.

    `written`: the tables' write counts in this transaction when last analysed (updated here);
    with it, only the tables written since are analysed. Analysing all ~100 tables after each
    seeder cost 7 of the 25 s of a 10k-record seed."""
    if connection.vendor != "postgresql":
        return
    tables = connection.introspection.table_names(include_views=False)
    with connection.cursor() as cursor:
        if written is not None:
            cursor.execute(
                "SELECT relname, n_tup_ins + n_tup_upd + n_tup_del FROM pg_stat_xact_user_tables"
            )
            counts = dict(cursor.fetchall())
            tables = [t for t in tables if counts.get(t, 0) != written.get(t, 0)]
            written.update(counts)
        if tables:
            cursor.execute("ANALYZE " + ", ".join(connection.ops.quote_name(t) for t in tables))


class Command(BaseCommand):
    help = "Create a demo workspace with one user per role and realistic data (bulk inserts)."

    def add_arguments(self, parser):
        parser.add_argument("--workspace", default="demo", help="slug of the demo workspace")
        parser.add_argument("--name", default="Acme Demo")
        parser.add_argument("--records", type=int, default=300)
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="do nothing (but print the logins) when any workspace exists",
        )

    def handle(self, *args, **opts):
        slug = opts["workspace"]
        if not tenancy.spans_workspaces():
            raise CommandError(
                "seed_demo writes a whole workspace in bulk: run it as the tables' owner "
                "(DATABASE_URL=$MIGRATION_DATABASE_URL, or `make seed`), not as the app's role."
            )
        if opts["records"] < 0 or opts["records"] > 5_000_000:
            raise CommandError("--records must be between 0 and 5,000,000.")
        if opts["if_empty"] and Workspace.objects.exists():
            self.stdout.write("Database already has data; not seeding.")
            if Workspace.objects.filter(slug=slug).exists():
                self._print_logins(slug)
            return
        if Workspace.objects.filter(slug=slug).exists():
            raise CommandError(f"Workspace '{slug}' exists already; pick another --workspace.")
        started = time.monotonic()
        # No query log, even with DEBUG on (make run, the doc's reproduce lines): with it the
        # seed kept the text of its last 9,000 statements, some of them 20,000-value arrays,
        # and formatted every one.
        with override_settings(DEBUG=False), transaction.atomic():
            _session_for_bulk()
            ctx = demo.seed_workspace(slug=slug, name=opts["name"], records=opts["records"])
            written = {}
            with (
                stage_totals_deferred(workspace_id=ctx.workspace.pk),
                secondary_indexes_dropped([Record], built=self._built),
                foreign_keys_checked_once([Record]),
            ):
                _run(self, ctx, APP_SEEDERS[:RECORD_WRITERS], written)
            # The new indexes' expressions (ICP order, search words) get their statistics.
            bulkload.analyze([Record, StageTotal])
            _run(self, ctx, APP_SEEDERS[RECORD_WRITERS:], written)
        self.stdout.write(
            self.style.SUCCESS(
                f"Seeded workspace '{slug}' with {opts['records']} records "
                f"in {time.monotonic() - started:.1f}s."
            )
        )
        self._print_logins(slug)

    def _built(self, count: int, seconds: float) -> None:
        self.stdout.write(f"  records_record: {count} indexes built in {seconds:.1f}s")

    def _print_logins(self, slug):
        self.stdout.write(
            f"Demo workspace: /w/{slug}/   password for every demo user: {demo.DEMO_PASSWORD}"
        )
        for role in Role:
            self.stdout.write(f"  {role.label:<26} {demo.demo_email(role, slug=slug)}")
