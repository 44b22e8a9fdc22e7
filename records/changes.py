"""What changed on a Record between two of its historical rows, in words a person reads.

Both the timeline ("Ada changed Owner from Ben to Chloe") and a refused stale save ("since you
opened the form, Owner became Chloe; you chose Ben") use this one diff, built on
django-simple-history's `diff_against`.
"""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.utils import formats
from django.utils.text import capfirst

from records.custom_fields import display_value
from records.models import Record

# Fields a person edits on the record form. Stage and status are not among them: they change
# only through the pipeline's transitions (move, lost with reason, nurture, reopen), so that each
# change is a StageTransition row.
EDITABLE_FIELDS = (
    "name",
    "domain",
    "industry",
    "employee_count",
    "country",
    "revenue_band",
    "source",
    "owner",
    "problem_acknowledged",
    "buying_intent",
    "details_verified",
    "decision_maker_identified",
    "contract_signed",
    "expected_arr",
    "expected_close_date",
)
# What the timeline shows of a record's history; stage and status changes appear as the stage
# transitions that made them.
# The forecast category is set with its own small form (pipeline.services.forecast), not the
# record form, but its changes belong on the timeline like any other field's.
HISTORY_FIELDS = (
    *EDITABLE_FIELDS,
    "forecast_category",
    "icp_score",
    "custom_fields",
    "deleted_at",
)
USER_FIELDS = {"owner"}


@dataclass(frozen=True)
class FieldChange:
    field: str  # model field name, or "custom_fields.<key>"
    label: str
    old: str
    new: str


def field_label(name: str) -> str:
    return capfirst(Record._meta.get_field(name).verbose_name)


def display(field: str, value, *, user_names: dict | None = None) -> str:
    """A model field's value as text: choice labels, Yes/No, names of people, dates."""
    if value is None or value == "":
        return "—"
    if field in USER_FIELDS:
        return (user_names or {}).get(value, f"user #{value}")
    model_field = Record._meta.get_field(field)
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    return display_plain(value)


def display_plain(value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, datetime):
        return formats.date_format(value, "j M Y H:i")
    if isinstance(value, date):
        return formats.date_format(value, "j M Y")
    if isinstance(value, Decimal | float):
        return f"{value:,.2f}".rstrip("0").rstrip(".")
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def user_ids_in(changes_by_delta) -> set[int]:
    """Ids of people named by raw diffs (so their names can be fetched in one query)."""
    ids = set()
    for delta in changes_by_delta:
        for change in delta.changes:
            if change.field in USER_FIELDS:
                ids.update(v for v in (change.old, change.new) if v)
    return ids


def delta_between(older, newer):
    """simple-history's delta of two historical rows of one record, over HISTORY_FIELDS."""
    return newer.diff_against(older, included_fields=HISTORY_FIELDS)


def describe(delta, *, user_names: dict, definitions: dict) -> list[FieldChange]:
    """A delta as readable changes; custom fields are compared key by key and named by
    `definitions` (key -> the workspace's CustomFieldDefinition)."""
    result = []
    for change in sorted(delta.changes, key=lambda c: HISTORY_FIELDS.index(c.field)):
        if change.field == "custom_fields":
            result.extend(custom_field_changes(change.old or {}, change.new or {}, definitions))
        elif change.field != "deleted_at":
            result.append(
                FieldChange(
                    field=change.field,
                    label=field_label(change.field),
                    old=display(change.field, change.old, user_names=user_names),
                    new=display(change.field, change.new, user_names=user_names),
                )
            )
    return result


def custom_field_changes(old: dict, new: dict, definitions: dict) -> list[FieldChange]:
    """Changed keys of two custom_fields dicts; keys of deleted definitions are not shown."""
    changes = []
    for key, definition in definitions.items():
        if old.get(key) != new.get(key):
            changes.append(
                FieldChange(
                    field=f"custom_fields.{key}",
                    label=definition.label,
                    old=display_value(definition, old.get(key)),
                    new=display_value(definition, new.get(key)),
                )
            )
    return changes
