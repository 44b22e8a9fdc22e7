from django.apps import AppConfig


def install_default_pipeline(sender, workspace, **kwargs):
    """A new workspace starts with the default stages, rules and lost reasons."""
    from pipeline.services import pipeline_install_defaults

    pipeline_install_defaults(workspace=workspace)


class PipelineConfig(AppConfig):
    name = "pipeline"

    def ready(self):
        from playbook.services import workspace_created

        workspace_created.connect(install_default_pipeline, dispatch_uid="pipeline-defaults")
