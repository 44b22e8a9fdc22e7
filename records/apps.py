from django.apps import AppConfig


def install_default_icp_profile(sender, workspace, **kwargs):
    """A new workspace starts with the default ICP profile."""
    from records.services.icp import icp_profile_install_default

    icp_profile_install_default(workspace=workspace)


class RecordsConfig(AppConfig):
    name = "records"

    def ready(self):
        from playbook.services import workspace_created

        workspace_created.connect(install_default_icp_profile, dispatch_uid="records-icp-profile")
