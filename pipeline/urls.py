"""Included at the workspace root (/w/<slug>/): the pipeline's pages under pipeline/, its
settings under settings/."""

from django.urls import path

from pipeline.views import board, calibration, handoff, queues, record, settings

app_name = "pipeline"

urlpatterns = [
    path("pipeline/board/", board.board, name="board"),
    path("pipeline/board/columns/<int:stage_id>/", board.board_column, name="board_column"),
    path("pipeline/records/<int:record_id>/move/", board.record_move, name="record_move"),
    path("pipeline/records/<int:record_id>/", record.record_stage, name="record_stage"),
    path(
        "pipeline/records/<int:record_id>/hand-over/",
        handoff.record_move_owner,
        name="record_move_owner",
    ),
    path(
        "pipeline/transitions/<int:transition_id>/undo/",
        handoff.transition_undo,
        name="transition_undo",
    ),
    *[
        path(
            f"pipeline/records/<int:record_id>/{move}/",
            record.record_act,
            {"move": move},
            name=f"record_{move}",
        )
        for move in record.MOVES
    ],
    path(
        "pipeline/records/<int:record_id>/forecast/",
        record.record_forecast,
        name="record_forecast",
    ),
    path("pipeline/queues/mqls/", queues.mql_queue, name="mql_queue"),
    path("pipeline/queues/my-pipeline/", queues.my_pipeline, name="my_pipeline"),
    path(
        "pipeline/queues/my-pipeline/export/",
        queues.my_pipeline_export,
        name="my_pipeline_export",
    ),
    path("pipeline/definitions/", queues.definitions, name="definitions"),
    path("settings/stages/", settings.stage_list, name="stage_list"),
    path("settings/stages/new/", settings.stage_create, name="stage_create"),
    path("settings/stages/reorder/", settings.stage_reorder, name="stage_reorder"),
    path("settings/stages/<int:stage_id>/", settings.stage_edit, name="stage_edit"),
    path("settings/stages/<int:stage_id>/move/", settings.stage_move, name="stage_move"),
    path("settings/stages/<int:stage_id>/retire/", settings.stage_retire, name="stage_retire"),
    path("settings/stages/<int:stage_id>/restore/", settings.stage_restore, name="stage_restore"),
    path("settings/stages/<int:stage_id>/rules/new/", settings.rule_create, name="rule_create"),
    path(
        "settings/stages/<int:stage_id>/rules/reorder/",
        settings.rule_reorder,
        name="rule_reorder",
    ),
    path(
        "settings/stages/<int:stage_id>/rules/<int:rule_id>/",
        settings.rule_edit,
        name="rule_edit",
    ),
    path(
        "settings/stages/<int:stage_id>/rules/<int:rule_id>/move/",
        settings.rule_move,
        name="rule_move",
    ),
    path(
        "settings/stages/<int:stage_id>/rules/<int:rule_id>/delete/",
        settings.rule_delete,
        name="rule_delete",
    ),
    path("settings/icp/calibration/", calibration.calibration, name="icp_calibration"),
    path(
        "settings/icp/calibration/apply/",
        calibration.calibration_apply,
        name="icp_calibration_apply",
    ),
    path("settings/lost-reasons/", settings.lost_reasons, name="lost_reasons"),
    path(
        "settings/lost-reasons/<int:reason_id>/",
        settings.lost_reason_update,
        name="lost_reason_update",
    ),
]
