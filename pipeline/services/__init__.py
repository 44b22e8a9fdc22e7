"""Every write to stages, rules, lost reasons and stage history.

Split by concern: `moves` (record stage changes, handoffs), `configuration` (stages, rules, lost
reasons, defaults), `sla` (reminder tasks) and `totals` (the board's stage totals around bulk
loads). Import from here: `from pipeline import services`.
"""

from pipeline.services.calibration import (
    QUEUED_SECONDS,
    calibration_queued_key,
    icp_calibration_refresh,
)
from pipeline.services.configuration import (
    lost_reason_create,
    lost_reason_update,
    pipeline_install_defaults,
    rule_create,
    rule_delete,
    rule_move,
    rule_reorder,
    rule_update,
    stage_create,
    stage_move,
    stage_reorder,
    stage_restore,
    stage_retire,
    stage_update,
)
from pipeline.services.moves import (
    HANDOFF_TASK_SUBJECT,
    MoveNotAllowed,
    MoveRefused,
    StaleRecord,
    next_in_rotation,
    record_advance,
    record_mark_lost,
    record_move,
    record_move_back,
    record_place_in_first_stage,
    record_recycle_to_nurture,
    record_reopen,
    record_undo_move,
)
from pipeline.services.sla import sla_dedupe_key, sla_reminders_create
from pipeline.services.totals import stage_totals_deferred, stage_totals_rebuild

__all__ = [
    "HANDOFF_TASK_SUBJECT",
    "QUEUED_SECONDS",
    "MoveNotAllowed",
    "MoveRefused",
    "StaleRecord",
    "calibration_queued_key",
    "icp_calibration_refresh",
    "lost_reason_create",
    "lost_reason_update",
    "next_in_rotation",
    "pipeline_install_defaults",
    "record_advance",
    "record_mark_lost",
    "record_move",
    "record_move_back",
    "record_place_in_first_stage",
    "record_recycle_to_nurture",
    "record_reopen",
    "record_undo_move",
    "rule_create",
    "rule_delete",
    "rule_move",
    "rule_reorder",
    "rule_update",
    "sla_dedupe_key",
    "sla_reminders_create",
    "stage_create",
    "stage_move",
    "stage_reorder",
    "stage_restore",
    "stage_retire",
    "stage_totals_deferred",
    "stage_totals_rebuild",
    "stage_update",
]
