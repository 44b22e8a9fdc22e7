import time

from django.core.management.base import BaseCommand, CommandError

from playbook.models import Workspace
from records.services.icp import icp_recompute_workspace


class Command(BaseCommand):
    help = "Recompute the ICP score of every record (of one workspace with --workspace)."

    def add_arguments(self, parser):
        parser.add_argument("--workspace", help="slug of the workspace (default: every one)")

    def handle(self, *args, **opts):
        workspaces = Workspace.objects.order_by("pk")
        if opts["workspace"]:
            workspaces = workspaces.filter(slug=opts["workspace"])
            if not workspaces.exists():
                raise CommandError(f"No workspace '{opts['workspace']}'.")
        started = time.monotonic()
        records = changed = 0
        for workspace in workspaces:
            result = icp_recompute_workspace(workspace_id=workspace.pk)
            if result.busy:
                self.stderr.write(f"{workspace.slug}: a recompute is running already; skipped.")
                continue
            self.stdout.write(
                f"{workspace.slug}: {result.records} records, {result.changed} scores changed "
                f"in {result.seconds:.1f}s"
            )
            records, changed = records + result.records, changed + result.changed
        seconds = time.monotonic() - started
        self.stdout.write(f"RESULT records={records} changed={changed} seconds={seconds:.2f}")
