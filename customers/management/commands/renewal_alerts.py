"""Run the daily renewal job from a shell: `manage.py renewal_alerts [--today YYYY-MM-DD]
[--workspace SLUG]` (every workspace by default)."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from customers import services
from playbook.models import Workspace
from playbook.tenancy import workspace_scope


class Command(BaseCommand):
    help = "Renew or churn subscriptions at term end and create the renewal alerts, tasks, e-mails."

    def add_arguments(self, parser):
        parser.add_argument("--today", help="run as if today were this date (YYYY-MM-DD)")
        parser.add_argument("--workspace", help="only this workspace (its slug)")

    def handle(self, *args, **opts):
        today = None
        if opts["today"]:
            try:
                today = date.fromisoformat(opts["today"])
            except ValueError:
                raise CommandError(
                    f"--today: “{opts['today']}” is not a date (YYYY-MM-DD)."
                ) from None
        workspaces = Workspace.objects.order_by("pk")
        if opts["workspace"]:
            workspaces = workspaces.filter(slug=opts["workspace"])
            if not workspaces.exists():
                raise CommandError(f"No workspace “{opts['workspace']}”.")
        for workspace in workspaces:
            with workspace_scope(workspace.pk):
                counts = services.renewal_job_run(workspace=workspace, today=today)
            summary = ", ".join(f"{v} {k}" for k, v in counts.items())
            self.stdout.write(f"{workspace.slug}: {summary}")
