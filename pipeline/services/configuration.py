"""Every write to a workspace's stage configuration: stages, their entry rules, lost reasons,
and the defaults a new workspace starts with."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify

from pipeline import defaults, rules
from pipeline.models import LostReason, QualificationRule, RuleKind, StageDefinition
from playbook.audit import audit_record
from playbook.integrity import refused_as
from playbook.models import AuditKind, Team
from playbook.validation import single_line
from records.models import Record

# --- defaults ---------------------------------------------------------------------------------


@transaction.atomic
def pipeline_install_defaults(*, workspace) -> bool:
    """Give `workspace` the default stages, their entry rules and the default lost reasons.
    Does nothing (returns False) when the workspace already has stages."""
    return defaults.install(
        workspace,
        stage_model=StageDefinition,
        rule_model=QualificationRule,
        lost_reason_model=LostReason,
    )


# --- stages -------------------------------------------------------------------------------------


def _active_stages(workspace) -> list[StageDefinition]:
    return list(
        StageDefinition.objects.of(workspace)
        .select_for_update()
        .filter(is_retired=False)
        .order_by("position", "id")
    )


def _renumber(workspace, ordered: list[StageDefinition]) -> None:
    """Positions 0..n for the active stages in `ordered`; retired ones go after them."""
    retired = list(
        StageDefinition.objects.of(workspace).filter(is_retired=True).order_by("position", "id")
    )
    for position, stage in enumerate([*ordered, *retired]):
        stage.position = position
    StageDefinition.objects.of(workspace).bulk_update([*ordered, *retired], ["position"])


def _reordered(ordered: list, ids, noun: str) -> list:
    """`ordered` rearranged as `ids` says; `ids` must name each item exactly once."""
    by_id = {item.pk: item for item in ordered}
    try:
        wanted = [int(i) for i in ids]
    except (TypeError, ValueError) as exc:
        raise ValidationError(f"The new order names an unknown {noun}.") from exc
    if sorted(wanted) != sorted(by_id):
        raise ValidationError(
            f"The new order must list every {noun} once. Reload the page and try again."
        )
    return [by_id[i] for i in wanted]


def _swapped(ordered: list, item, direction: str, noun: str) -> list | None:
    """`ordered` with `item` swapped with its neighbour above ("up") or below ("down"); None
    when it is already at that end."""
    index = next((i for i, x in enumerate(ordered) if x.pk == item.pk), None)
    if index is None:
        raise ValidationError(f"Retired {noun}s have no place in the order.")
    other = {"up": index - 1, "down": index + 1}.get(direction)
    if other is None:
        raise ValidationError(f"Move a {noun} up or down.")
    if not 0 <= other < len(ordered):
        return None
    ordered = list(ordered)
    ordered[index], ordered[other] = ordered[other], ordered[index]
    return ordered


def _whole(value) -> int | None:
    try:
        return None if value in (None, "") else int(str(value))
    except ValueError:
        return None


def _clean_stage_fields(workspace, fields: dict, *, exclude_pk=None) -> dict:
    errors = {}
    name = single_line(fields.get("name"), field="name")
    if not name:
        errors["name"] = "Give the stage a name."
    elif (
        StageDefinition.objects.of(workspace)
        .filter(is_retired=False, name__iexact=name)
        .exclude(pk=exclude_pk)
        .exists()
    ):
        errors["name"] = _STAGE_NAME_TAKEN.format(name)
    if fields.get("team") not in Team.values:
        errors["team"] = "Choose the team that owns the stage."
    if fields.get("handoff_team") and fields["handoff_team"] not in Team.values:
        errors["handoff_team"] = "Choose a team, or leave it empty."
    probability = _whole(fields.get("probability"))
    if probability is None or not 0 <= probability <= 100:
        errors["probability"] = "The probability is a whole percentage between 0 and 100."
    sla = fields.get("sla_days")
    if sla not in (None, "") and not 1 <= (_whole(sla) or 0) <= 3650:
        errors["sla_days"] = "SLA days are a whole number from 1 to 3650, or empty for no SLA."
    if errors:
        raise ValidationError(errors)
    handoff = fields.get("handoff_team") or ""
    return {
        "name": name,
        "team": fields["team"],
        "handoff_team": "" if handoff == fields["team"] else handoff,
        "definition": (fields.get("definition") or "").strip(),
        "probability": probability,
        "sla_days": _whole(sla),
        "is_won": bool(fields.get("is_won")),
        "is_closed": bool(fields.get("is_closed")),
    }


_STAGE_NAME_TAKEN = "Another stage is already called {}."


def _unique_key(workspace, name: str) -> str:
    base = slugify(name)[:32] or "stage"
    taken = set(
        StageDefinition.objects.of(workspace)
        .filter(key__startswith=base)
        .values_list("key", flat=True)
    )
    key, n = base, 2
    while key in taken:
        key, n = f"{base}-{n}", n + 1
    return key


@transaction.atomic
def stage_create(*, workspace, after=None, **fields) -> StageDefinition:
    """Add a stage after `after` (a stage of the workspace), or at the end."""
    cleaned = _clean_stage_fields(workspace, fields)
    ordered = _active_stages(workspace)
    index = len(ordered)
    if after is not None:
        after_id = getattr(after, "pk", after)
        index = next((i + 1 for i, s in enumerate(ordered) if s.pk == after_id), None)
        if index is None:
            raise ValidationError("Add the stage after one of the active stages.")
    with _stage_name_refused(cleaned["name"]):
        stage = StageDefinition.objects.create(
            workspace=workspace, key=_unique_key(workspace, cleaned["name"]), position=0, **cleaned
        )
    ordered.insert(index, stage)
    _renumber(workspace, ordered)
    _audit_stage(stage, "added")
    return stage


@transaction.atomic
def stage_update(*, stage: StageDefinition, **fields) -> StageDefinition:
    cleaned = _clean_stage_fields(stage.workspace, fields, exclude_pk=stage.pk)
    for name, value in cleaned.items():
        setattr(stage, name, value)
    with _stage_name_refused(cleaned["name"]):
        stage.save(update_fields=list(cleaned))
    _audit_stage(stage, "edited")
    return stage


def _audit_stage(stage: StageDefinition, change: str) -> None:
    audit_record(
        workspace=stage.workspace_id,
        kind=AuditKind.STAGE_CHANGED,
        target=stage,
        detail={"change": change},
    )


def _audit_rule(rule: QualificationRule, stage: StageDefinition, change: str) -> None:
    audit_record(
        workspace=stage.workspace_id,
        kind=AuditKind.RULE_CHANGED,
        target=rule,
        target_label=rule.message,
        detail={"change": change, "stage": stage.name, "rule": rule.get_kind_display()},
    )


def _stage_name_refused(name: str):
    """The same message as the check in _clean_stage_fields, when a concurrent save of the
    same name got there first (the unique constraint is the backstop)."""
    return refused_as(
        {"stage_unique_active_name": ValidationError({"name": _STAGE_NAME_TAKEN.format(name)})}
    )


@transaction.atomic
def stage_reorder(*, workspace, stage_ids: list[int]) -> list[StageDefinition]:
    """Put the active stages in the order of `stage_ids`, which must name each exactly once."""
    ordered = _reordered(_active_stages(workspace), stage_ids, "stage")
    _renumber(workspace, ordered)
    audit_record(
        workspace=workspace,
        kind=AuditKind.STAGE_CHANGED,
        target_label="Pipeline",
        detail={"change": "stages reordered", "order": [s.name for s in ordered]},
    )
    return ordered


@transaction.atomic
def stage_move(*, stage: StageDefinition, direction: str) -> StageDefinition:
    """Swap `stage` with its neighbour above ("up") or below ("down")."""
    ordered = _swapped(_active_stages(stage.workspace), stage, direction, "stage")
    if ordered is not None:
        _renumber(stage.workspace, ordered)
        _audit_stage(stage, f"moved {direction}")
    return stage


@transaction.atomic
def stage_retire(*, stage: StageDefinition) -> StageDefinition:
    """Take a stage out of the pipeline. Refused while any record is in it."""
    stage = StageDefinition.objects.of(stage.workspace_id).select_for_update().get(pk=stage.pk)
    count = Record.objects.of(stage.workspace_id).live().filter(stage=stage).count()
    if count:
        noun = "record is" if count == 1 else "records are"
        raise ValidationError(
            f"{count} {noun} in {stage.name}. Move them to another stage before retiring it."
        )
    active = StageDefinition.objects.of(stage.workspace_id).filter(is_retired=False)
    if not stage.is_retired and active.count() <= 1:
        raise ValidationError("A pipeline needs at least one stage.")
    stage.is_retired = True
    stage.save(update_fields=["is_retired"])
    _renumber(stage.workspace, _active_stages(stage.workspace))
    _audit_stage(stage, "retired")
    return stage


@transaction.atomic
def stage_restore(*, stage: StageDefinition) -> StageDefinition:
    """Bring a retired stage back, at the end of the pipeline."""
    stage = StageDefinition.objects.of(stage.workspace_id).select_for_update().get(pk=stage.pk)
    if not stage.is_retired:
        # A second click, or a stale page: restoring would move an active stage to the end.
        raise ValidationError(f"{stage.name} is not retired.")
    if (
        StageDefinition.objects.of(stage.workspace_id)
        .filter(is_retired=False, name__iexact=stage.name)
        .exclude(pk=stage.pk)
        .exists()
    ):
        raise ValidationError(
            f"Another active stage is called {stage.name}. Rename one of them first."
        )
    stage.is_retired = False
    with refused_as(
        {
            "stage_unique_active_name": ValidationError(
                f"Another active stage is called {stage.name}. Rename one of them first."
            )
        }
    ):
        stage.save(update_fields=["is_retired"])
    ordered = [s for s in _active_stages(stage.workspace) if s.pk != stage.pk]
    _renumber(stage.workspace, [*ordered, stage])
    _audit_stage(stage, "restored")
    return stage


# --- rules --------------------------------------------------------------------------------------


def _clean_rule(stage: StageDefinition, kind: str, params: dict | None, message: str):
    fields = rules.available_fields(stage.workspace)
    errors = {}
    try:
        cleaned = rules.clean_params(kind, params, fields)
    except ValidationError as exc:
        if not hasattr(exc, "error_dict"):
            raise
        errors.update(exc.message_dict)
        cleaned = {}
    try:
        message = single_line(message, field="message")
    except ValidationError as exc:
        errors.update(exc.message_dict)
        message = "-"
    if not message:
        errors["message"] = "Write what a rep reads when the rule is not met."
    elif len(message) > 200:
        errors["message"] = "Keep the message under 200 characters."
    if errors:
        raise ValidationError(errors)
    return cleaned, message


@transaction.atomic
def rule_create(*, stage: StageDefinition, kind: str, params: dict | None, message: str):
    if kind not in RuleKind.values:
        raise ValidationError({"kind": "Choose one of the rule kinds."})
    cleaned, message = _clean_rule(stage, kind, params, message)
    last = stage.rules.order_by("-position").values_list("position", flat=True).first()
    rule = QualificationRule.objects.create(
        workspace_id=stage.workspace_id,
        stage=stage,
        kind=kind,
        params=cleaned,
        message=message,
        position=0 if last is None else last + 1,
    )
    _audit_rule(rule, stage, "added")
    return rule


@transaction.atomic
def rule_update(*, rule: QualificationRule, kind: str, params: dict | None, message: str):
    if kind not in RuleKind.values:
        raise ValidationError({"kind": "Choose one of the rule kinds."})
    cleaned, message = _clean_rule(rule.stage, kind, params, message)
    rule.kind, rule.params, rule.message = kind, cleaned, message
    rule.save(update_fields=["kind", "params", "message"])
    _audit_rule(rule, rule.stage, "edited")
    return rule


def _renumber_rules(ordered: list[QualificationRule]) -> None:
    for position, rule in enumerate(ordered):
        rule.position = position
    if ordered:
        QualificationRule.objects.of(ordered[0].workspace_id).bulk_update(ordered, ["position"])


def _stage_rules(stage) -> list[QualificationRule]:
    return list(
        QualificationRule.objects.of(stage.workspace_id)
        .select_for_update()
        .filter(stage=stage)
        .order_by("position", "id")
    )


@transaction.atomic
def rule_move(*, rule: QualificationRule, direction: str) -> QualificationRule:
    ordered = _swapped(_stage_rules(rule.stage), rule, direction, "rule")
    if ordered is not None:
        _renumber_rules(ordered)
        _audit_rule(rule, rule.stage, f"moved {direction}")
    return rule


@transaction.atomic
def rule_reorder(*, stage: StageDefinition, rule_ids: list[int]) -> None:
    _renumber_rules(_reordered(_stage_rules(stage), rule_ids, "rule"))
    _audit_stage(stage, "entry rules reordered")


@transaction.atomic
def rule_delete(*, rule: QualificationRule) -> None:
    stage = rule.stage
    _audit_rule(rule, stage, "removed")
    rule.delete()
    _renumber_rules(_stage_rules(stage))


# --- lost reasons -------------------------------------------------------------------------------


def _clean_label(workspace, label: str, *, exclude_pk=None) -> str:
    label = single_line(label, field="label")
    if not label:
        raise ValidationError({"label": "Write the reason."})
    if len(label) > 200:
        raise ValidationError({"label": "Keep the reason under 200 characters."})
    if LostReason.objects.of(workspace).filter(label__iexact=label).exclude(pk=exclude_pk).exists():
        raise _label_taken(label)
    return label


def _label_taken(label: str) -> ValidationError:
    return ValidationError({"label": f"“{label}” is already on the list."})


@transaction.atomic
def lost_reason_create(*, workspace, label: str) -> LostReason:
    label = _clean_label(workspace, label)
    last = (
        LostReason.objects.of(workspace)
        .order_by("-position")
        .values_list("position", flat=True)
        .first()
    )
    with refused_as({"lostreason_unique_label": _label_taken(label)}):
        return LostReason.objects.create(
            workspace=workspace, label=label, position=0 if last is None else last + 1
        )


@transaction.atomic
def lost_reason_update(*, reason: LostReason, label: str, is_active: bool) -> LostReason:
    reason.label = _clean_label(reason.workspace, label, exclude_pk=reason.pk)
    reason.is_active = is_active
    with refused_as({"lostreason_unique_label": _label_taken(reason.label)}):
        reason.save(update_fields=["label", "is_active"])
    return reason
