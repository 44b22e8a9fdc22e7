"""Stage settings (admins): the stages, each stage's entry rules (the rules builder) and the
lost reasons. Every form works without JS; htmx swaps the rules builder in place."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from pipeline import rules, selectors, services
from pipeline.forms import LostReasonForm, LostReasonUpdateForm, RuleForm, StageForm
from pipeline.models import LostReason, QualificationRule, StageDefinition
from pipeline.permissions import configure_required
from pipeline.views.common import url
from playbook.access import get_for_workspace_or_404
from playbook.forms import apply_service_error


def _stage(request, stage_id) -> StageDefinition:
    return get_for_workspace_or_404(request.workspace, StageDefinition, pk=stage_id)


def _rule(request, stage, rule_id) -> QualificationRule:
    return get_for_workspace_or_404(
        request.workspace,
        QualificationRule.objects.of(request.workspace).filter(stage=stage),
        pk=rule_id,
    )


def _stage_list(request, *, status=200, errors=()):
    active, retired = selectors.settings_stages(request.workspace)
    context = {"stages": active, "retired": retired, "errors": errors}
    template = "pipeline/settings/stages.html"
    if request.htmx:
        template += "#stage-list"
    return render(request, template, context, status=status)


@configure_required
def stage_list(request):
    return _stage_list(request)


@require_http_methods(["GET", "POST"])
@configure_required
def stage_create(request):
    after_id = request.GET.get("after") or request.POST.get("after") or None
    after = _stage(request, after_id) if after_id else None
    form = StageForm(request.POST or None, initial={"team": "sales", "probability": 0})
    if request.method == "POST" and form.is_valid():
        try:
            stage = services.stage_create(
                workspace=request.workspace, after=after, **form.cleaned_data
            )
        except ValidationError as exc:
            apply_service_error(form, exc)
        else:
            messages.success(request, f"Stage {stage.name} added. Now give it its entry rules.")
            return redirect(url(request, "pipeline:stage_edit", stage_id=stage.pk))
    status = 400 if form.is_bound and form.errors else 200
    return render(
        request, "pipeline/settings/stage_new.html", {"form": form, "after": after}, status=status
    )


def _kind_url(request, stage, rule=None) -> str:
    if rule is None:
        return url(request, "pipeline:rule_create", stage_id=stage.pk)
    return url(request, "pipeline:rule_edit", stage_id=stage.pk, rule_id=rule.pk)


def _builder_context(request, stage, *, new_form=None):
    fields = rules.available_fields(request.workspace)
    stage_rules = selectors.rules_of(request.workspace, [stage.pk])
    for rule in stage_rules:
        rule.description = rules.describe(rule, fields)
    return {
        "stage": stage,
        "rules": stage_rules,
        "new_form": new_form
        or RuleForm(fields_available=fields, kind_url=_kind_url(request, stage)),
    }


def _builder(request, stage, *, status=200, new_form=None, errors=()):
    """The rules builder: the full settings page, or (htmx) the builder alone."""
    context = _builder_context(request, stage, new_form=new_form)
    context["errors"] = errors
    if request.htmx:
        return render(
            request, "pipeline/settings/stage_edit.html#rules-builder", context, status=status
        )
    context["form"] = StageForm.for_stage(stage)
    return render(request, "pipeline/settings/stage_edit.html", context, status=status)


@require_http_methods(["GET", "POST"])
@configure_required
def stage_edit(request, stage_id):
    stage = _stage(request, stage_id)
    form = StageForm.for_stage(stage, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.stage_update(stage=stage, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_error(form, exc)
        else:
            messages.success(request, f"Stage {stage.name} saved.")
            return redirect(url(request, "pipeline:stage_edit", stage_id=stage.pk))
    context = _builder_context(request, stage)
    context["form"] = form
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "pipeline/settings/stage_edit.html", context, status=status)


def _after_change(request, call, done: str, *, answer, back_to: str):
    """Run a settings change. htmx: `answer(status=..., errors=...)` re-renders the region;
    otherwise a message and a redirect to `back_to`."""
    try:
        call()
    except ValidationError as exc:
        if request.htmx:
            return answer(status=400, errors=exc.messages)
        messages.error(request, " ".join(exc.messages))
    else:
        if request.htmx:
            return answer()
        messages.success(request, done)
    return redirect(back_to)


def _after_stage_change(request, done: str, call):
    return _after_change(
        request,
        call,
        done,
        answer=lambda **kw: _stage_list(request, **kw),
        back_to=url(request, "pipeline:stage_list"),
    )


@require_POST
@configure_required
def stage_move(request, stage_id):
    stage = _stage(request, stage_id)
    direction = request.POST.get("direction", "")
    return _after_stage_change(
        request,
        f"{stage.name} moved {direction}.",
        lambda: services.stage_move(stage=stage, direction=direction),
    )


@require_POST
@configure_required
def stage_reorder(request):
    return _after_stage_change(
        request,
        "Stages reordered.",
        lambda: services.stage_reorder(
            workspace=request.workspace, stage_ids=request.POST.getlist("stage")
        ),
    )


@require_POST
@configure_required
def stage_retire(request, stage_id):
    stage = _stage(request, stage_id)
    return _after_stage_change(
        request,
        f"{stage.name} retired. Restore it any time from the list below.",
        lambda: services.stage_retire(stage=stage),
    )


@require_POST
@configure_required
def stage_restore(request, stage_id):
    stage = _stage(request, stage_id)
    return _after_stage_change(
        request,
        f"{stage.name} is back, at the end of the pipeline.",
        lambda: services.stage_restore(stage=stage),
    )


# --- rules builder ------------------------------------------------------------------------------


def _rule_saved(form, save) -> bool:
    """Validate the rule form and save it through `save(kind=, params=, message=)`; a refused
    rule puts the service's messages on the form's fields."""
    if not form.is_valid():
        return False
    try:
        save(
            kind=form.cleaned_data["kind"],
            params=form.params(),
            message=form.cleaned_data["message"],
        )
    except ValidationError as exc:
        apply_service_error(form, exc)
        return False
    return True


def _kind_form(request, fields, kind_url, message=""):
    """The rule form for the kind chosen in ?kind= (its parameter fields), keeping the message."""
    kind = request.GET.get("kind")
    return RuleForm(
        initial={"kind": kind, "message": request.GET.get("message", message)},
        kind=kind,
        fields_available=fields,
        kind_url=kind_url,
    )


@require_http_methods(["GET", "POST"])
@configure_required
def rule_create(request, stage_id):
    """GET ?kind=: the add form with that kind's parameter fields (htmx: the form alone).
    POST: add the rule; a refusal keeps the form with its messages (400)."""
    stage = _stage(request, stage_id)
    fields = rules.available_fields(request.workspace)
    kind_url = _kind_url(request, stage)
    if request.method == "GET":
        form = _kind_form(request, fields, kind_url)
        if request.htmx:
            return render(
                request,
                "pipeline/settings/stage_edit.html#rule-form",
                {"stage": stage, "rule_form": form, "rule": None},
            )
        return _builder(request, stage, new_form=form)
    form = RuleForm(request.POST, fields_available=fields, kind_url=kind_url)
    if not _rule_saved(form, lambda **rule: services.rule_create(stage=stage, **rule)):
        return _builder(request, stage, status=400, new_form=form)
    if request.htmx:
        return _builder(request, stage)
    messages.success(request, "Rule added.")
    return redirect(url(request, "pipeline:stage_edit", stage_id=stage.pk))


@require_http_methods(["GET", "POST"])
@configure_required
def rule_edit(request, stage_id, rule_id):
    """GET: the rule's form (htmx: in place of its row); ?kind= switches the kind. POST: save;
    htmx gets the whole builder back (retargeted) or the form with its messages (400)."""
    stage = _stage(request, stage_id)
    rule = _rule(request, stage, rule_id)
    fields = rules.available_fields(request.workspace)
    kind_url = _kind_url(request, stage, rule)
    status = 200
    if request.method == "POST":
        form = RuleForm.for_rule(
            rule, fields_available=fields, data=request.POST, kind_url=kind_url
        )
        if _rule_saved(form, lambda **changes: services.rule_update(rule=rule, **changes)):
            if request.htmx:
                response = _builder(request, stage)
                response["HX-Retarget"] = "#rules-builder"
                response["HX-Reswap"] = "outerHTML"
                return response
            messages.success(request, "Rule saved.")
            return redirect(url(request, "pipeline:stage_edit", stage_id=stage.pk))
        status = 400
    elif request.GET.get("kind"):
        form = _kind_form(request, fields, kind_url, rule.message)
    else:
        form = RuleForm.for_rule(rule, fields_available=fields, kind_url=kind_url)
    context = {"stage": stage, "rule": rule, "rule_form": form}
    template = "pipeline/settings/rule_edit.html"
    if request.htmx:
        template = "pipeline/settings/stage_edit.html#rule-form"
    return render(request, template, context, status=status)


def _after_rule_change(request, stage, done: str, call):
    return _after_change(
        request,
        call,
        done,
        answer=lambda **kw: _builder(request, stage, **kw),
        back_to=url(request, "pipeline:stage_edit", stage_id=stage.pk),
    )


@require_POST
@configure_required
def rule_move(request, stage_id, rule_id):
    stage = _stage(request, stage_id)
    rule = _rule(request, stage, rule_id)
    direction = request.POST.get("direction", "")
    return _after_rule_change(
        request,
        stage,
        f"Rule moved {direction}.",
        lambda: services.rule_move(rule=rule, direction=direction),
    )


@require_POST
@configure_required
def rule_reorder(request, stage_id):
    stage = _stage(request, stage_id)
    return _after_rule_change(
        request,
        stage,
        "Rules reordered.",
        lambda: services.rule_reorder(stage=stage, rule_ids=request.POST.getlist("rule")),
    )


@require_POST
@configure_required
def rule_delete(request, stage_id, rule_id):
    stage = _stage(request, stage_id)
    rule = _rule(request, stage, rule_id)
    return _after_rule_change(
        request, stage, "Rule removed.", lambda: services.rule_delete(rule=rule)
    )


# --- lost reasons -------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@configure_required
def lost_reasons(request):
    form = LostReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            reason = services.lost_reason_create(
                workspace=request.workspace, label=form.cleaned_data["label"]
            )
        except ValidationError as exc:
            apply_service_error(form, exc)
        else:
            messages.success(request, f"“{reason.label}” added.")
            return redirect(url(request, "pipeline:lost_reasons"))
    context = {
        "form": form,
        "reasons": selectors.lost_reasons(request.workspace, active_only=False),
    }
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "pipeline/settings/lost_reasons.html", context, status=status)


@require_POST
@configure_required
def lost_reason_update(request, reason_id):
    reason = get_for_workspace_or_404(request.workspace, LostReason, pk=reason_id)
    form = LostReasonUpdateForm(request.POST)
    if form.is_valid():
        try:
            services.lost_reason_update(
                reason=reason,
                label=form.cleaned_data["label"],
                is_active=form.cleaned_data["is_active"],
            )
        except ValidationError as exc:
            apply_service_error(form, exc)
        else:
            messages.success(request, f"“{reason.label}” saved.")
            return redirect(url(request, "pipeline:lost_reasons"))
    messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
    context = {
        "form": LostReasonForm(),
        "reasons": selectors.lost_reasons(request.workspace, active_only=False),
    }
    return render(request, "pipeline/settings/lost_reasons.html", context, status=400)
