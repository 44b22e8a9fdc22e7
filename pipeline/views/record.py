"""The record page's stage panel and its moves: advance, move back, mark lost, recycle to
nurture, reopen. Plain forms that work without JS; with htmx a refusal re-renders the panel in
place (422/409/403/400) and a success reloads the record page."""

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect

from pipeline import forms, move_dialogs, selectors, services
from pipeline.selectors.handoff import prospective_owner
from pipeline.services.forecast import record_set_forecast_category
from pipeline.views.common import live_record_or_404, record_page_url, refusal_status
from playbook.forms import apply_service_error


def _ids(move: str) -> str:
    """The panel holds one form per move on the record page, most with a `version` and a
    `note`: each form's ids get the move's name, so no id repeats and every label points at
    its own field."""
    return f"id_{move}_%s"


def panel_context(request, record, *, bound=None, unmet=(), errors=()):
    """The panel's context: where the record is, the next stage's checklist and one form per
    move (the failed one bound, with its errors)."""
    panel = selectors.stage_panel(request.workspace, record, request.membership)
    initial = {"version": record.version}
    back_owner = None
    if panel.can_move and panel.previous_stage is not None and record.owner_id is not None:
        back_owner = prospective_owner(
            request.workspace, record, panel.previous_stage, from_stage=panel.stage
        )
    panel_forms = {
        "advance": forms.AdvanceForm(
            initial=initial, owner_choices=panel.owner_choices, auto_id=_ids("advance")
        ),
        "back": forms.BackForm(
            initial={**initial, "owner": back_owner.user_id if back_owner else None},
            auto_id=_ids("back"),
        ),
        "lost": forms.LostForm(initial=initial, reasons=panel.lost_reasons, auto_id=_ids("lost")),
        "nurture": forms.NurtureForm(initial=initial, auto_id=_ids("nurture")),
        "reopen": forms.ReopenForm(initial=initial, auto_id=_ids("reopen")),
        "forecast": forms.ForecastForm(
            initial={**initial, "forecast_category": record.forecast_category},
            auto_id=_ids("forecast"),
        ),
    }
    if bound is not None:
        panel_forms[bound[0]] = bound[1]
    dialog = move_dialogs.dialog_for(record, panel.next_stage, board=False)
    dialog_url = dialog.url(request.workspace, record, panel.next_stage) if dialog else ""
    return {
        "back_owner": back_owner,
        "move_dialog": dialog,
        "move_dialog_url": dialog_url,
        "panel": panel,
        "forms": panel_forms,
        "unmet": unmet,
        "errors": errors,
        "record_url": record_page_url(request, record),
    }


@require_GET
def record_stage(request, record_id):
    """The panel on a page of its own (also where a refused no-JS move lands)."""
    record = live_record_or_404(request, record_id)
    context = panel_context(request, record)
    context["history"] = selectors.transitions_of(request.workspace, record.pk)
    template = "pipeline/stage_panel.html" if request.htmx else "pipeline/record_stage.html"
    return render(request, template, context)


@dataclass(frozen=True)
class _Move:
    form: type
    form_kwargs: Callable  # panel -> the form's extra arguments (choices)
    service: Callable  # the pipeline service that makes the move
    fields: tuple[str, ...]  # the form's fields the service takes, by the same names
    done: Callable  # transition -> the success message

    def call(self, record, data, common):
        return self.service(record=record, **{f: data[f] for f in self.fields}, **common)


def _owner_note(transition) -> str:
    return f" Owner: {transition.to_owner}." if transition.to_owner_id else ""


def _no_choices(panel) -> dict:
    return {}


MOVES = {
    "advance": _Move(
        forms.AdvanceForm,
        lambda panel: {"owner_choices": panel.owner_choices},
        services.record_advance,
        ("owner", "note"),
        lambda t: f"{t.record.name} moved to {t.to_stage.name}.{_owner_note(t)}",
    ),
    "back": _Move(
        forms.BackForm,
        _no_choices,
        services.record_move_back,
        ("owner", "note"),
        lambda t: f"{t.record.name} moved back to {t.to_stage.name}.{_owner_note(t)}",
    ),
    "lost": _Move(
        forms.LostForm,
        lambda panel: {"reasons": panel.lost_reasons},
        services.record_mark_lost,
        ("reason", "note"),
        lambda t: f"{t.record.name} marked lost ({t.record.lost_reason}).",
    ),
    "nurture": _Move(
        forms.NurtureForm,
        _no_choices,
        services.record_recycle_to_nurture,
        ("reason",),
        lambda t: f"{t.record.name} went back to {t.to_stage.name} for nurturing.",
    ),
    "reopen": _Move(
        forms.ReopenForm,
        _no_choices,
        services.record_reopen,
        ("note",),
        lambda t: f"{t.record.name} is open again in {t.to_stage.name}.",
    ),
}


@require_POST
def record_act(request, record_id, move):
    """One of the panel's moves (MOVES). Success: back to the record page with a message.
    Refusal: the panel again with the reasons (422 rules unmet, 409 stale, 403 role, 400)."""
    spec = MOVES[move]
    record = live_record_or_404(request, record_id)
    panel = selectors.stage_panel(request.workspace, record, request.membership)
    form = spec.form(request.POST, auto_id=_ids(move), **spec.form_kwargs(panel))
    status, unmet, errors = 400, (), ()
    if form.is_valid():
        common = {
            "workspace": request.workspace,
            "actor": request.user,
            "membership": request.membership,
            "version": form.cleaned_data["version"],
        }
        try:
            transition = spec.call(record, form.cleaned_data, common)
        except ValidationError as exc:
            status, unmet = refusal_status(exc), getattr(exc, "unmet", ())
            if unmet:
                errors = [f"{record.name} cannot enter the stage yet:"]
            elif status in (403, 409):
                # Stale or not allowed: fresh forms (with the current version), the message.
                form, errors = None, exc.messages
            else:
                apply_service_error(form, exc)
        else:
            messages.success(request, spec.done(transition))
            target = record_page_url(request, record)
            return HttpResponseClientRedirect(target) if request.htmx else redirect(target)
    bound = (move, form) if form is not None else None
    context = panel_context(request, record, bound=bound, unmet=unmet, errors=errors)
    if request.htmx:
        return render(request, "pipeline/stage_panel.html", context, status=status)
    context["history"] = selectors.transitions_of(request.workspace, record.pk)
    return render(request, "pipeline/record_stage.html", context, status=status)


@require_POST
def record_forecast(request, record_id):
    """Set an open deal's forecast category (its owner, leaders, admins). Success: back to the
    record page; refusal: the panel with the reason (403 not yours, 409 stale, 400 invalid)."""
    record = live_record_or_404(request, record_id)
    form = forms.ForecastForm(request.POST, auto_id=_ids("forecast"))
    status, errors = 400, ()
    if form.is_valid():
        try:
            saved = record_set_forecast_category(
                workspace=request.workspace,
                record=record,
                category=form.cleaned_data["forecast_category"],
                actor=request.user,
                membership=request.membership,
                version=form.cleaned_data["version"],
            )
        except ValidationError as exc:
            status = refusal_status(exc)
            if hasattr(exc, "error_dict"):
                apply_service_error(form, exc)
            else:
                # Not allowed, stale or no longer a deal: fresh forms and the reason.
                form, errors = None, exc.messages
        else:
            messages.success(
                request, f"{saved.name}: forecast category {saved.get_forecast_category_display()}."
            )
            target = record_page_url(request, record)
            return HttpResponseClientRedirect(target) if request.htmx else redirect(target)
    bound = ("forecast", form) if form is not None else None
    context = panel_context(request, record, bound=bound, errors=errors)
    if request.htmx:
        return render(request, "pipeline/stage_panel.html", context, status=status)
    context["history"] = selectors.transitions_of(request.workspace, record.pk)
    return render(request, "pipeline/record_stage.html", context, status=status)
