"""What rules may look at: record fields, qualification flags and custom fields."""

from __future__ import annotations

from dataclasses import dataclass

from records.models import (
    CustomFieldDefinition,
    CustomFieldKind,
    RevenueBand,
    Source,
)

# --- what rules may look at ----------------------------------------------------------------

FLAGS = {
    "problem_acknowledged": "Problem acknowledged",
    "buying_intent": "Buying intent confirmed",
    "details_verified": "Details verified by a rep",
    "decision_maker_identified": "Decision maker identified",
    "contract_signed": "Contract signed",
}

TEXT, CHOICE, NUMBER, DATE, USER, BOOLEAN = "text", "choice", "number", "date", "user", "boolean"
CUSTOM_PREFIX = "custom:"


@dataclass(frozen=True)
class FieldRef:
    """A Record field a rule can test: a column, or a custom field (`custom:<key>`)."""

    key: str
    label: str
    type: str
    choices: tuple[tuple[str, str], ...] = ()

    def value(self, record):
        if self.key.startswith(CUSTOM_PREFIX):
            return (record.custom_fields or {}).get(self.key.removeprefix(CUSTOM_PREFIX))
        if self.type == USER:
            return getattr(record, f"{self.key}_id")
        return getattr(record, self.key)


RECORD_FIELDS = (
    FieldRef("domain", "Domain", TEXT),
    FieldRef("industry", "Industry", TEXT),
    FieldRef("employee_count", "Employees", NUMBER),
    FieldRef("country", "Country", TEXT),
    FieldRef("revenue_band", "Revenue band", CHOICE, tuple(RevenueBand.choices)),
    FieldRef("source", "Source", CHOICE, tuple(Source.choices)),
    FieldRef("owner", "Owner", USER),
    FieldRef("expected_arr", "Expected ARR", NUMBER),
    FieldRef("expected_close_date", "Expected close date", DATE),
    FieldRef("icp_score", "ICP score", NUMBER),
)

_CUSTOM_TYPES = {
    CustomFieldKind.TEXT: TEXT,
    CustomFieldKind.NUMBER: NUMBER,
    CustomFieldKind.DATE: DATE,
    CustomFieldKind.CHOICE: CHOICE,
    CustomFieldKind.BOOLEAN: BOOLEAN,
}


def available_fields(workspace, definitions=None) -> dict[str, FieldRef]:
    """The Record's own fields and the workspace's custom fields, by key (one query, none when
    the caller already read the `definitions`)."""
    fields = {f.key: f for f in RECORD_FIELDS}
    if definitions is None:
        definitions = CustomFieldDefinition.objects.of(workspace).order_by("position", "id")
    for d in definitions:
        choices = tuple((str(c), str(c)) for c in (d.choices or []))
        ref = FieldRef(f"{CUSTOM_PREFIX}{d.key}", d.label, _CUSTOM_TYPES.get(d.kind, TEXT), choices)
        fields[ref.key] = ref
    return fields
