from django.apps import AppConfig


def install_default_icp_profile(sender, workspace, **kwargs):
    """A new workspace starts with the default ICP profile."""
    from records.services.icp import icp_profile_install_default

    icp_profile_install_default(workspace=workspace)


def install_builtin_views(sender, workspace, **kwargs):
    """A new workspace starts with the built-in saved views and a default view per role."""
    from records.services.saved_views import saved_views_install_builtin

    saved_views_install_builtin(workspace=workspace)


class RecordsConfig(AppConfig):
    name = "records"

    def ready(self):
        from playbook.services import workspace_created, workspace_set_up

        workspace_created.connect(install_default_icp_profile, dispatch_uid="records-icp-profile")
        workspace_set_up.connect(install_builtin_views, dispatch_uid="records-builtin-views")
