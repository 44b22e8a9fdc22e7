"""Every read the pipeline's pages, services and jobs need; the workspace comes first.

Pages read a constant number of queries whatever the number of records: the board runs one
grouped query for the column totals and one keyset page per column; nothing counts a whole
table per card.
"""

from pipeline.selectors.board import (
    CARD_FIELDS,
    PAGE_SIZE,
    Card,
    Column,
    ColumnPage,
    Cursor,
    board,
    board_column,
    board_owners,
    card,
    column_page,
    column_totals,
)
from pipeline.selectors.configuration import (
    DefinitionRow,
    Sla,
    StagePanel,
    definitions,
    lost_reasons,
    rules_of,
    settings_stages,
    sla_of,
    stage_map,
    stage_panel,
    stage_record_counts,
    stages,
    team_members,
    unmet_rules,
)
from pipeline.selectors.queues import (
    CLOSE_ORDER,
    PIPELINE_SALT,
    QUEUE_PAGE_SIZE,
    Pipeline,
    my_pipeline,
    qualification_stages,
    sales_owners,
    transitions_of,
)

__all__ = [
    "CARD_FIELDS",
    "CLOSE_ORDER",
    "PAGE_SIZE",
    "PIPELINE_SALT",
    "QUEUE_PAGE_SIZE",
    "Card",
    "Column",
    "ColumnPage",
    "Cursor",
    "DefinitionRow",
    "Pipeline",
    "Sla",
    "StagePanel",
    "board",
    "board_column",
    "board_owners",
    "card",
    "column_page",
    "column_totals",
    "definitions",
    "lost_reasons",
    "my_pipeline",
    "qualification_stages",
    "rules_of",
    "sales_owners",
    "settings_stages",
    "sla_of",
    "stage_map",
    "stage_panel",
    "stage_record_counts",
    "stages",
    "team_members",
    "transitions_of",
    "unmet_rules",
]
