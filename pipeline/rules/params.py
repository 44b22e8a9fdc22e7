"""The typed parameters of a rule kind: what the builder asks for and how a value is checked."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError

from pipeline.rules.fields import FieldRef

# --- parameter specs -------------------------------------------------------------------------

if TYPE_CHECKING:  # the facts type lives with the evaluators, which import this module
    from pipeline.rules import RecordFacts

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
    options: tuple[tuple[str, str], ...] = ()  # OPTION: the allowed values
    min_value: int | None = None
    max_value: int | None = None
    help: str = ""


@dataclass(frozen=True)
class KindSpec:
    kind: str
    params: tuple[Param, ...]
    evaluate: Callable[[RecordFacts, dict], bool]
    describe: Callable[[dict, dict[str, FieldRef]], str]
    needs: frozenset[str] = frozenset()


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
        values = list(dict.fromkeys(str(v).strip() for v in items if str(v).strip()))
        if not values:
            raise ValidationError({param.name: f"Give at least one value for “{param.label}”."})
        return values
    raise ValueError(f"unknown parameter type {param.type}")  # a programming error, not input
