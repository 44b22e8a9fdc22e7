"""The typed parameters of a condition kind: what a builder asks for and how a value is checked."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db.models import Q

from records.conditions.fields import FieldRef

# --- parameter specs -------------------------------------------------------------------------

if TYPE_CHECKING:  # the facts type lives with the evaluators, which import this module
    from records.conditions import RecordFacts, SqlContext

FIELD, INTEGER, DECIMAL, VALUES, OPTION = "field", "integer", "decimal", "values", "option"

# Numbers in rules compare against record fields (expected ARR has 12 digits before the point).
MAX_DIGITS, MAX_DECIMALS = 15, 6
MAX_NUMBER = Decimal(10) ** MAX_DIGITS


@dataclass(frozen=True)
class Param:
    name: str
    label: str
    type: str  # FIELD, INTEGER, DECIMAL, VALUES or OPTION
    required: bool = True
    field_types: tuple[str, ...] = ()  # FIELD: which kinds of field fit this rule
    options: tuple[tuple[str, str], ...] = ()  # OPTION, VALUES: the allowed values
    min_value: int | None = None
    max_value: int | None = None
    help: str = ""
    # VALUES: a list is matched in SQL as IN (...) or one LIKE per keyword, so it stays short.
    max_items: int = 200
    max_item_length: int = 100


@dataclass(frozen=True)
class KindSpec:
    """One condition kind in both of its forms: `evaluate` judges one record from its facts
    (pages, moves), `sql` is the same test as a boolean expression over records_record (bulk
    work: ICP recompute). tests/records/test_conditions.py checks that the two agree."""

    kind: str
    params: tuple[Param, ...]
    evaluate: Callable[[RecordFacts, dict], bool]
    describe: Callable[[dict, dict[str, FieldRef]], str]
    needs: frozenset[str] = frozenset()
    sql: Callable[[dict, SqlContext], Q] | None = None
    # What a record's explanation says when the condition is not met (default: "not: ...").
    unmet: Callable[[dict, dict[str, FieldRef]], str] | None = None


def _too_many(param: Param) -> str:
    return f"“{param.label}”: at most {param.max_items} values."


def _blank(value) -> bool:
    return value is None or (isinstance(value, str | list | dict) and not value)


def _to_decimal(value) -> Decimal | None:
    if _blank(value) or isinstance(value, bool):
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def _num(value) -> str:
    d = Decimal(str(value))
    return f"{d:,.0f}" if d == d.to_integral_value() else f"{d:,}"


def _clean_param(param: Param, raw, fields: dict[str, FieldRef]):
    """One parameter, typed; raises ValidationError({param.name: message})."""
    if _blank(raw):
        if param.required:
            raise ValidationError({param.name: f"“{param.label}” is required for this rule."})
        return None
    if param.type == FIELD:
        ref = fields.get(str(raw))
        if ref is None:
            raise ValidationError({param.name: f"Unknown field “{raw}”."})
        if param.field_types and ref.type not in param.field_types:
            raise ValidationError({param.name: f"“{ref.label}” cannot be used in this rule."})
        return ref.key
    if param.type in (INTEGER, DECIMAL):
        number = _to_decimal(raw)
        if number is None or not number.is_finite():
            raise ValidationError({param.name: f"“{param.label}” must be a number, not “{raw}”."})
        # Bounded before anything converts or formats it: "1e999999999" is a valid Decimal,
        # and int() of it, or printing it in the rule's description, would take minutes.
        if number.copy_abs() >= MAX_NUMBER or number != round(number, MAX_DECIMALS):
            raise ValidationError(
                {
                    param.name: f"“{param.label}” must have at most {MAX_DIGITS} digits before "
                    f"the decimal point and {MAX_DECIMALS} after it."
                }
            )
        if param.type == INTEGER:
            if number != number.to_integral_value():
                raise ValidationError({param.name: f"“{param.label}” must be a whole number."})
            number = int(number)
        if param.min_value is not None and number < param.min_value:
            raise ValidationError(
                {param.name: f"“{param.label}” must be at least {param.min_value}."}
            )
        if param.max_value is not None and number > param.max_value:
            raise ValidationError(
                {param.name: f"“{param.label}” must be at most {param.max_value}."}
            )
        return number if param.type == INTEGER else str(number)
    if param.type == OPTION:
        allowed = dict(param.options)
        if str(raw) not in allowed:
            raise ValidationError({param.name: f"“{raw}” is not one of the choices."})
        return str(raw)
    if param.type == VALUES:
        items = raw if isinstance(raw, list) else str(raw).replace("\n", ",").split(",")
        if len(items) > param.max_items * 2:  # refused before any work on a huge paste
            raise ValidationError({param.name: _too_many(param)})
        values = list(dict.fromkeys(str(v).strip() for v in items if str(v).strip()))
        if not values:
            raise ValidationError({param.name: f"Give at least one value for “{param.label}”."})
        if len(values) > param.max_items:
            raise ValidationError({param.name: _too_many(param)})
        long = next((v for v in values if len(v) > param.max_item_length), None)
        if long is not None:
            raise ValidationError(
                {
                    param.name: f"“{param.label}”: keep each value under "
                    f"{param.max_item_length} characters (“{long[:30]}…” is longer)."
                }
            )
        if param.options:
            allowed = dict(param.options)
            wrong = [v for v in values if v not in allowed]
            if wrong:
                raise ValidationError(
                    {param.name: f"“{param.label}”: not a choice: {', '.join(wrong[:5])}."}
                )
        return values
    raise ValueError(f"unknown parameter type {param.type}")  # a programming error, not input
