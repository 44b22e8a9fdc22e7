"""`manage.py import_subscriptions --workspace SLUG FILE.csv`: billing history into the MRR
ledger, all or nothing (customers.services.imports)."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from customers import services
from playbook.models import Workspace
from playbook.tenancy import workspace_scope


class Command(BaseCommand):
    help = "Import billing history (customer, subscription, date, mrr, ...) into the MRR ledger."

    def add_arguments(self, parser):
        parser.add_argument("--workspace", required=True, help="the workspace's slug")
        parser.add_argument("file", help="the CSV file (UTF-8)")

    def handle(self, *args, **opts):
        workspace = Workspace.objects.filter(slug=opts["workspace"]).first()
        if workspace is None:
            raise CommandError(f"No workspace “{opts['workspace']}”.")
        try:
            with open(opts["file"], encoding="utf-8-sig") as handle:
                text = handle.read()
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"Cannot read {opts['file']}: {exc}") from None
        try:
            with workspace_scope(workspace.pk):
                result = services.subscriptions_import(workspace=workspace, text=text)
        except ValidationError as exc:
            for message in exc.messages:
                self.stderr.write(message)
            raise CommandError("Nothing was imported: fix the rows above.") from None
        self.stdout.write(self.style.SUCCESS(str(result)))
