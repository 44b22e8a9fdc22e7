from django.apps import AppConfig


def install_default_pipeline(sender, workspace, **kwargs):
    """A new workspace starts with the default stages, rules and lost reasons."""
    from pipeline.services import pipeline_install_defaults

    pipeline_install_defaults(workspace=workspace)


def refresh_icp_calibration(sender, workspace_id, **kwargs):
    """Every record was rescored: compute the calibration figures in the background."""
    from pipeline.tasks import icp_calibration_request

    icp_calibration_request(workspace_id)


def keep_stage_totals_triggers(sender, using="default", **kwargs):
    """SQLite rebuilds a table for many schema changes (ALTER TABLE cannot do them), and the
    rebuilt records_record has lost its triggers: the stage totals would stop following the
    records (docs/adr/0206). After every migrate, put back any missing trigger and recount the
    totals. PostgreSQL alters tables in place and keeps them."""
    import importlib

    from django.db import connections

    connection = connections[using]
    if connection.vendor != "sqlite":
        return
    totals = importlib.import_module("pipeline.migrations.0012_stage_totals")
    tables = set(connection.introspection.table_names())
    if not {totals.TABLE, "records_record"} <= tables:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name LIKE %s",
            ["pipeline_stage_totals_%"],
        )
        if cursor.fetchone()[0] == len(totals.SQLITE_FORWARD):
            return
        for sql in [*totals.SQLITE_BACKWARD, *totals.SQLITE_FORWARD]:
            cursor.execute(sql)
        cursor.execute(f"DELETE FROM {totals.TABLE}")
        cursor.execute(totals.backfill_sql("sqlite"))


class PipelineConfig(AppConfig):
    name = "pipeline"

    def ready(self):
        from django.db.models.signals import post_migrate

        from pipeline.handoff import register_dialog
        from pipeline.templatetags.pipeline_tags import sla_badge
        from playbook.services import workspace_created
        from records.columns import STAGE_MARKERS
        from records.services.icp import icp_recomputed

        workspace_created.connect(install_default_pipeline, dispatch_uid="pipeline-defaults")
        icp_recomputed.connect(refresh_icp_calibration, dispatch_uid="pipeline-icp-calibration")
        post_migrate.connect(
            keep_stage_totals_triggers, sender=self, dispatch_uid="pipeline-stage-totals"
        )
        register_dialog()
        if sla_badge not in STAGE_MARKERS:
            STAGE_MARKERS.append(sla_badge)  # the records list's "Over SLA" badge
