from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _grant_app_role(sender, using="default", **kwargs):
    from django.conf import settings
    from django.db import connections

    from playbook.rls import grant_app_role, mark_leakproof

    grant_app_role(connections[using], getattr(settings, "DATABASE_APP_ROLE", ""))
    mark_leakproof(connections[using])


class PlaybookConfig(AppConfig):
    name = "playbook"
    verbose_name = "Workspaces"

    def ready(self):
        # Once per migrate (post_migrate is sent for each app; this one is enough: every table
        # exists by then).
        post_migrate.connect(_grant_app_role, sender=self, dispatch_uid="playbook-app-role")
        from celery.signals import task_postrun, task_prerun

        from playbook import audit
        from playbook.tenancy import reset_if_idle

        audit.connect_lockout_signal()
        task_prerun.connect(reset_if_idle, dispatch_uid="playbook-tenancy-prerun", weak=False)
        task_postrun.connect(reset_if_idle, dispatch_uid="playbook-tenancy-postrun", weak=False)
