"""Typed values of the workspace's custom fields, stored in Record.custom_fields as JSON.

Stored forms: text -> str, number -> int or float, date -> "YYYY-MM-DD", choice -> one of the
definition's choices, yes/no -> true/false. An empty value removes the key.
"""

import math
from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils import formats

from records.models import CustomFieldDefinition, CustomFieldKind

TEXT_MAX = 500
# Numbers are kept below this either way: larger ones are typos, and JSON readers (and SQLite's
# integers) lose them.
NUMBER_LIMIT = Decimal("1e15")
FORM_PREFIX = "cf_"


def form_name(definition: CustomFieldDefinition) -> str:
    """The form (and filter) field name of a custom field: `cf_<key>`."""
    return f"{FORM_PREFIX}{definition.key}"


def parse_number(value):
    """A custom number as stored (int when whole, else float); ValidationError otherwise."""
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError) as exc:
        raise ValidationError("Enter a number.") from exc
    if not number.is_finite() or abs(number) >= NUMBER_LIMIT:
        raise ValidationError("Enter a number below one quadrillion.")
    if number == number.to_integral_value():
        return int(number)
    as_float = float(number)
    if math.isinf(as_float):
        raise ValidationError("Enter a smaller number.")
    return as_float


def _date(value):
    if isinstance(value, date):
        return value.isoformat()
    try:
        return date.fromisoformat(str(value).strip()).isoformat()
    except ValueError as exc:
        raise ValidationError("Enter a date as YYYY-MM-DD.") from exc


def _boolean(value):
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in {"true", "yes", "1", "on"}:
        return True
    if text in {"false", "no", "0", "off"}:
        return False
    raise ValidationError("Choose yes or no.")


def clean_value(definition: CustomFieldDefinition, value):
    """A value for `definition` as stored, None for empty; ValidationError when of the wrong
    type."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    kind = definition.kind
    if kind == CustomFieldKind.TEXT:
        text = str(value).strip()
        if len(text) > TEXT_MAX:
            raise ValidationError(f"Keep it under {TEXT_MAX} characters.")
        return text
    if kind == CustomFieldKind.NUMBER:
        return parse_number(value)
    if kind == CustomFieldKind.DATE:
        return _date(value)
    if kind == CustomFieldKind.CHOICE:
        text = str(value).strip()
        if text not in definition.choices:
            raise ValidationError(f"Choose one of: {', '.join(definition.choices)}.")
        return text
    if kind == CustomFieldKind.BOOLEAN:
        return _boolean(value)
    raise ValidationError(f"Unknown field type “{kind}”.")


def merge_values(definitions, current: dict, updates: dict) -> dict:
    """`current` with `updates` (key -> raw value) applied and type-checked. Keys of
    deleted definitions stay as they were; unknown keys in `updates` are refused. A value the
    update leaves as it was is kept even when no longer valid (a choice since removed, imported
    data), so that an edit of another field is not blocked by it."""
    by_key = {d.key: d for d in definitions}
    merged = dict(current or {})
    errors = {}
    for key, raw in updates.items():
        definition = by_key.get(key)
        if definition is None:
            errors[f"{FORM_PREFIX}{key}"] = f"There is no custom field “{key}”."
            continue
        try:
            value = clean_value(definition, raw)
        except ValidationError as exc:
            if key in merged and str(raw).strip() == str(merged[key]):
                continue
            errors[form_name(definition)] = exc.messages
            continue
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = value
    if errors:
        raise ValidationError(errors)
    return merged


def display_value(definition: CustomFieldDefinition | None, value) -> str:
    if value is None or value == "":
        return "—"
    kind = definition.kind if definition else None
    if kind == CustomFieldKind.BOOLEAN or isinstance(value, bool):
        return "Yes" if value else "No"
    if kind == CustomFieldKind.DATE:
        try:
            return formats.date_format(date.fromisoformat(value), "j M Y")
        except (TypeError, ValueError):
            return str(value)
    if kind == CustomFieldKind.NUMBER and isinstance(value, int | float):
        return f"{value:,}"
    return str(value)


def clean_choices(raw) -> list[str]:
    """Choices of a choice field, one per line (or a list): trimmed, unique, in order."""
    lines = raw.splitlines() if isinstance(raw, str) else list(raw or [])
    choices = []
    for line in lines:
        text = str(line).strip()
        if text and text not in choices:
            if len(text) > 100:
                raise ValidationError({"choices": "Keep each choice under 100 characters."})
            choices.append(text)
    if len(choices) > 50:
        raise ValidationError({"choices": "A field can have at most 50 choices."})
    return choices
