from django.core.management.base import BaseCommand, CommandError

from playbook.models import Workspace
from playbook.tenancy import workspace_scope
from targets import periods, services


class Command(BaseCommand):
    help = (
        "Recompute a workspace's monthly metric snapshots (an idempotent upsert), from --from "
        "(YYYY-MM) or from its first stage-history or ledger row, up to this month."
    )

    def add_arguments(self, parser):
        parser.add_argument("--workspace", required=True, help="The workspace's slug.")
        parser.add_argument("--from", dest="first", help="The first month, YYYY-MM.")

    def handle(self, *args, workspace, first=None, **options):
        found = Workspace.objects.filter(slug=workspace).first()
        if found is None:
            raise CommandError(f"No workspace with the slug “{workspace}”.")
        try:
            first_index = periods.parse(first) if first else None
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        last = periods.today_index(found)
        if first_index is not None and first_index > last:
            raise CommandError("--from is after this month.")
        with workspace_scope(found):
            written = services.metrics_rebuild(workspace=found, first=first_index, last=last)
        self.stdout.write(f"{written} snapshots written for {found.slug}.")
