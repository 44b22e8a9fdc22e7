"""The records list's columns: the one definition the table, the column chooser and the CSV
export read, so the file holds what the page shows.

A column is known by its key: a standard field's ("stage", "expected_arr") or a custom field's
form name ("cf_seats"). The name column (with the domain) always comes first and is not in the
chooser; a saved or chosen list of keys gives the rest, in order. Keys that no longer name a
column (a custom field since removed) are left out when read.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from records import custom_fields as cf
from records.models import CustomFieldDefinition, CustomFieldKind, ForecastCategory, RecordStatus
from records.models import Source as RecordSource

MAX_COLUMNS = 30

# What other apps add to the stage cell of a list row after the stage's name, each
# `marker(record, now) -> html` (the pipeline's "Over SLA" badge). Apps above records append
# theirs in their AppConfig.ready(), so records needs no import of them.
STAGE_MARKERS: list[Callable] = []


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    # What the CSV has for it: (header, values() field) pairs; the name column adds the domain.
    export: tuple[tuple[str, str], ...]
    sort: str | None = None  # the key of records.selectors.SORTS a header click sorts by
    numeric: bool = False
    definition: CustomFieldDefinition | None = None  # custom field columns

    @property
    def is_stage(self) -> bool:
        return self.key == "stage"


NAME = Column("name", "Name", (("Name", "name"), ("Domain", "domain")), sort="name")

STANDARD = {
    c.key: c
    for c in [
        Column("stage", "Stage", (("Stage", "stage__name"),)),
        Column("owner", "Owner", (("Owner", "owner__email"),)),
        Column("expected_arr", "Expected ARR", (("Expected ARR", "expected_arr"),), numeric=True),
        Column("close_date", "Close date", (("Close date", "expected_close_date"),)),
        Column("source", "Source", (("Source", "source"),)),
        Column("country", "Country", (("Country", "country"),)),
        Column("industry", "Industry", (("Industry", "industry"),)),
        Column("employees", "Employees", (("Employees", "employee_count"),), numeric=True),
        Column("icp", "ICP", (("ICP", "icp_score"),), sort="icp", numeric=True),
        Column("status", "Status", (("Status", "status"),)),
        Column("forecast", "Forecast", (("Forecast", "forecast_category"),)),
        Column("created", "Created", (("Created", "created_at"),), sort="created"),
        Column("updated", "Last activity", (("Last activity", "updated_at"),), sort="updated"),
    ]
}

# What the list shows until someone chooses otherwise.
DEFAULT_COLUMNS = [
    "stage",
    "owner",
    "expected_arr",
    "close_date",
    "source",
    "country",
    "icp",
    "status",
    "created",
    "updated",
]

CHOICE_LABELS = {
    "source": dict(RecordSource.choices),
    "status": dict(RecordStatus.choices),
    "forecast_category": dict(ForecastCategory.choices),
}


def custom_column(definition: CustomFieldDefinition) -> Column:
    return Column(
        cf.form_name(definition),
        definition.label,
        ((definition.label, "custom_fields"),),
        numeric=definition.kind == CustomFieldKind.NUMBER,
        definition=definition,
    )


def available(definitions) -> dict[str, Column]:
    """Every column the chooser offers, standard ones first, then the custom fields."""
    columns = dict(STANDARD)
    for definition in definitions:
        column = custom_column(definition)
        columns[column.key] = column
    return columns


def clean_keys(keys, definitions) -> list[str]:
    """`keys` as stored: known columns only, each once, in the given order."""
    known = available(definitions)
    seen = []
    for key in keys or ():
        key = str(key)
        if key in known and key not in seen:
            seen.append(key)
    return seen[:MAX_COLUMNS]


def resolve(keys, definitions) -> list[Column]:
    """The columns of the table, the name first. None means the default set; an empty list is
    a choice too (the name alone)."""
    known = available(definitions)
    chosen = DEFAULT_COLUMNS if keys is None else clean_keys(keys, definitions)
    return [NAME, *(known[key] for key in chosen)]


def export_header(columns: list[Column]) -> list[str]:
    return [header for column in columns for header, _ in column.export]


def export_fields(columns: list[Column]) -> list[str]:
    """The values() fields an export of `columns` reads."""
    return list(dict.fromkeys(field for column in columns for _, field in column.export))


def _custom_cell(definition: CustomFieldDefinition, value):
    if value is None or value == "":
        return None
    if definition.kind == CustomFieldKind.BOOLEAN:
        return bool(value)
    return value  # numbers stay numbers, dates are ISO text already, text is text


def export_cells(columns: list[Column], row: dict) -> list:
    """One CSV row of `columns` from a values() row."""
    cells = []
    for column in columns:
        if column.definition is not None:
            custom = row.get("custom_fields") or {}
            cells.append(_custom_cell(column.definition, custom.get(column.definition.key)))
            continue
        for _, field in column.export:
            value = row[field]
            labels = CHOICE_LABELS.get(field)
            cells.append(labels.get(value, value) if labels else value)
    return cells
