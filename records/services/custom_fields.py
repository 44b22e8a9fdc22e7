"""Admins define the workspace's custom fields; values live in Record.custom_fields."""

import re

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.text import slugify

from playbook.integrity import refused_as
from playbook.models import Workspace
from playbook.validation import single_line
from records.custom_fields import clean_choices
from records.models import CustomFieldDefinition, CustomFieldKind, Record

MAX_FIELDS = 50
_LABEL_TAKEN = "There is already a field with this name."


def _key_from(label: str) -> str:
    # Underscores only, never doubled: filters name a number field's bounds `cf_<key>__min`.
    key = re.sub(r"_+", "_", slugify(label).replace("-", "_")).strip("_")
    return key[:50] or "field"


def _clean(label: str, kind: str, choices) -> tuple[str, list[str]]:
    errors = {}
    try:
        label = single_line(label, field="label")
    except ValidationError as exc:
        errors.update(exc.message_dict)
        label = "-"
    if not label:
        errors["label"] = "Give the field a name."
    elif len(label) > 100:
        errors["label"] = "Keep the name under 100 characters."
    try:
        cleaned = clean_choices(choices) if kind == CustomFieldKind.CHOICE else []
    except ValidationError as exc:
        errors.update(exc.message_dict)
        cleaned = []
    if kind == CustomFieldKind.CHOICE and not cleaned and "choices" not in errors:
        errors["choices"] = "List the choices, one per line."
    if errors:
        raise ValidationError(errors)
    return label, cleaned


@transaction.atomic
def custom_field_create(
    *, workspace: Workspace, label: str, kind: str, choices=None
) -> CustomFieldDefinition:
    if kind not in CustomFieldKind.values:
        raise ValidationError({"kind": "Choose one of the listed field types."})
    label, choices = _clean(label, kind, choices)
    existing = CustomFieldDefinition.objects.of(workspace).select_for_update()
    if existing.count() >= MAX_FIELDS:
        raise ValidationError(f"A workspace can have at most {MAX_FIELDS} custom fields.")
    base = key = _key_from(label)
    taken = set(existing.values_list("key", flat=True))
    n = 2
    # A key still held by records (of a deleted field) is not reused: its old values could be
    # of another type.
    while key in taken or Record.objects.of(workspace).filter(custom_fields__has_key=key).exists():
        key = f"{base[:46]}_{n}"
        n += 1
    if existing.filter(label__iexact=label).exists():
        raise ValidationError({"label": _LABEL_TAKEN})
    position = (existing.aggregate(m=Max("position"))["m"] or 0) + 1
    # Two admins adding the same field at once: the unique key refuses the second.
    with refused_as({"customfield_unique_key": ValidationError({"label": _LABEL_TAKEN})}):
        return CustomFieldDefinition.objects.create(
            workspace=workspace, key=key, label=label, kind=kind, choices=choices, position=position
        )


@transaction.atomic
def custom_field_update(
    *, definition: CustomFieldDefinition, label: str, choices=None, position: int | None = None
) -> CustomFieldDefinition:
    """Rename, reorder or change the choices. The key and type stay: stored values and shared
    filter links depend on them. Records keep a value whose choice was removed."""
    label, choices = _clean(label, definition.kind, choices)
    if (
        CustomFieldDefinition.objects.of(definition.workspace_id)
        .filter(label__iexact=label)
        .exclude(pk=definition.pk)
        .exists()
    ):
        raise ValidationError({"label": _LABEL_TAKEN})
    definition.label, definition.choices = label, choices
    if position is not None:
        definition.position = position
    definition.save(update_fields=["label", "choices", "position"])
    return definition


@transaction.atomic
def custom_field_delete(*, definition: CustomFieldDefinition) -> None:
    """Remove the field from forms, pages and filters. Stored values are left in place (no
    rewrite of every record) and stay hidden; their key is not given to a new field."""
    CustomFieldDefinition.objects.of(definition.workspace_id).filter(pk=definition.pk).delete()
