from django.apps import AppConfig


def install_default_pipeline(sender, workspace, **kwargs):
    """A new workspace starts with the default stages, rules and lost reasons."""
    from pipeline.services import pipeline_install_defaults

    pipeline_install_defaults(workspace=workspace)


def refresh_icp_calibration(sender, workspace_id, **kwargs):
    """Every record was rescored: compute the calibration figures in the background."""
    from pipeline.tasks import icp_calibration_request

    icp_calibration_request(workspace_id)


class PipelineConfig(AppConfig):
    name = "pipeline"

    def ready(self):
        from pipeline.handoff import register_dialog
        from playbook.services import workspace_created
        from records.services.icp import icp_recomputed

        workspace_created.connect(install_default_pipeline, dispatch_uid="pipeline-defaults")
        icp_recomputed.connect(refresh_icp_calibration, dispatch_uid="pipeline-icp-calibration")
        register_dialog()
