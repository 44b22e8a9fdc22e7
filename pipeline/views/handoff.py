"""The new-owner dialog of a board move, and undoing a move (docs/adr/0302)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from pipeline import selectors, services
from pipeline.forms import HandoffMoveForm, UndoMoveForm
from pipeline.models import StageDefinition, StageTransition
from pipeline.selectors.handoff import prospective_owner
from pipeline.views.common import live_record_or_404, record_page_url, refusal_status, url
from playbook.access import get_for_workspace_or_404
from playbook.forms import apply_service_error
from records.views.common import safe_next


def _undo_message(request, transition, done: str, back_to: str):
    """The success message, with an Undo button (it works while nothing else has changed)."""
    html = render_to_string(
        "pipeline/handoff.html#undo-message",
        {"transition": transition, "done": done, "next": back_to},
        request=request,
    )
    return mark_safe(html)


@require_http_methods(["GET", "POST"])
def record_move_owner(request, record_id):
    """GET: the dialog's form naming the owner the move gives the record. POST: the move, with
    that owner; then back to the board (or `next`) with a message that can undo it."""
    record = live_record_or_404(request, record_id)
    workspace = request.workspace
    data = request.POST if request.method == "POST" else None
    raw_stage = (data or request.GET).get("to_stage")
    to_stage = get_for_workspace_or_404(
        workspace,
        StageDefinition.objects.of(workspace).filter(is_retired=False),
        pk=raw_stage if str(raw_stage or "").isdigit() else 0,
    )
    stages = selectors.stages(workspace, include_retired=True)
    from_stage = next((s for s in stages if s.pk == record.stage_id), None)
    new_owner = prospective_owner(workspace, record, to_stage, from_stage=from_stage)
    board_url = url(request, "pipeline:board")
    form = HandoffMoveForm(
        data,
        initial={
            "to_stage": to_stage.pk,
            "version": record.version,
            "owner": new_owner.user_id if new_owner else None,
        },
    )
    status, errors = 200, ()
    if data is not None:
        status = 400
        if form.is_valid():
            cd = form.cleaned_data
            try:
                transition = services.record_move(
                    workspace=workspace,
                    record=record,
                    to_stage=to_stage,
                    actor=request.user,
                    membership=request.membership,
                    version=cd["version"],
                    owner=cd["owner"],
                    note=cd["note"],
                )
            except ValidationError as exc:
                status = refusal_status(exc)
                errors = exc.messages if status != 400 else ()
                if status == 400:
                    apply_service_error(form, exc)
            else:
                owner = transition.to_owner or "nobody"
                done = f"{record.name} moved to {to_stage.name} and was handed to {owner}."
                target = safe_next(request, board_url)
                messages.success(request, _undo_message(request, transition, done, target))
                return HttpResponseClientRedirect(target) if request.htmx else redirect(target)
    context = {
        "record": record,
        "from_stage": from_stage,
        "to_stage": to_stage,
        "new_owner": new_owner,
        "form": form,
        "errors": errors,
        "board_url": board_url,
        "record_url": record_page_url(request, record),
    }
    template = "pipeline/handoff.html#handoff-form" if request.htmx else "pipeline/handoff.html"
    return render(request, template, context, status=status)


@require_POST
def transition_undo(request, transition_id):
    """Undo a move while nothing else has changed; back to where the user was."""
    transition = get_for_workspace_or_404(
        request.workspace, StageTransition.objects.of(request.workspace), pk=transition_id
    )
    form = UndoMoveForm(request.POST)
    target = safe_next(request, url(request, "pipeline:board"))
    if not form.is_valid():
        messages.error(request, "That undo link is broken; reload the page.")
        return redirect(target)
    try:
        undone = services.record_undo_move(
            workspace=request.workspace,
            transition=transition,
            actor=request.user,
            membership=request.membership,
            version=form.cleaned_data["version"],
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        owner = undone.to_owner or "nobody"
        back = f"Undone: {undone.record.name} is back in {undone.to_stage.name}, owned by {owner}."
        messages.success(request, back)
    return redirect(target)
