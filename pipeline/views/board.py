"""The board: columns per stage, keyset "load more", and the drop endpoint."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from pipeline import move_dialogs, selectors, services
from pipeline.filters import BoardFilterForm
from pipeline.forms import BoardMoveForm
from pipeline.models import StageDefinition
from pipeline.views.common import live_record_or_404, refusal_status, url
from playbook import selectors as playbook_selectors
from playbook.access import get_for_workspace_or_404


def _filters(request):
    """The bound filter form and the selector arguments it gives (None when invalid)."""
    members = playbook_selectors.members(request.workspace, active_only=True)
    form = BoardFilterForm(request.GET or None, members=members)
    if not form.is_bound:
        return form, {}
    if not form.is_valid():
        return form, None
    owners = selectors.board_owners(request.workspace, **form.selection(request.user))
    return form, {"owners": owners}


@require_GET
def board(request):
    form, selection = _filters(request)
    context = {
        "filter_form": form,
        "filter_query": form.query_string() if selection else "",
        "columns": selectors.board(request.workspace, **selection) if selection is not None else [],
        "move_stages": selectors.stages(request.workspace),
        "move_url_template": url(request, "pipeline:record_move", record_id=0),
    }
    return render(request, "pipeline/board.html", context, status=400 if selection is None else 200)


@require_GET
def board_column(request, stage_id):
    """More cards of one column (htmx), or the column as a page of its own (no JS)."""
    stage = get_for_workspace_or_404(
        request.workspace,
        StageDefinition.objects.of(request.workspace).filter(is_retired=False),
        pk=stage_id,
    )
    form, selection = _filters(request)
    try:
        cursor = selectors.Cursor.decode(request.GET.get("after"))
    except ValueError as exc:
        selection, error = None, str(exc)
    else:
        error = "Check the filters." if selection is None else ""
    if selection is None:
        return render(
            request,
            "pipeline/board_column.html",
            {"stage": stage, "filter_form": form, "error": error},
            status=400,
        )
    page = selectors.column_page(request.workspace, stage, cursor=cursor, **selection)
    context = {
        "stage": stage,
        "page": page,
        "filter_form": form,
        "filter_query": form.query_string(),
        "move_stages": selectors.stages(request.workspace),
    }
    template = "pipeline/board.html#column-cards" if request.htmx else "pipeline/board_column.html"
    return render(request, template, context)


@require_POST
def record_move(request, record_id):
    """A card dropped on another column. htmx: the updated card and both column headers
    (out of band), or the refusal with every unmet rule (422) and the card snaps back."""
    record = live_record_or_404(request, record_id)
    form = BoardMoveForm(request.POST)
    if not form.is_valid():
        return _refused(request, record, ["Choose the stage to move the record to."], status=400)
    to_stage = get_for_workspace_or_404(
        request.workspace, StageDefinition, pk=form.cleaned_data["to_stage"]
    )
    from_stage_id = record.stage_id
    dialog = move_dialogs.dialog_for(record, to_stage)
    if dialog is not None:
        # The move needs more than a drop (Won: the first subscription): nothing moves yet; the
        # dialog's form does the move (docs/adr/0302).
        dialog_url = dialog.url(request.workspace, record, to_stage)
        if not request.htmx:
            return redirect(dialog_url)
        context = {"record": record, "dialog": dialog, "dialog_url": dialog_url}
        return render(request, "pipeline/board.html#move-dialog", context)
    try:
        transition = services.record_move(
            workspace=request.workspace,
            record=record,
            to_stage=to_stage,
            actor=request.user,
            membership=request.membership,
            version=form.cleaned_data["version"],
        )
    except ValidationError as exc:
        return _refused(
            request,
            record,
            exc.messages,
            unmet=getattr(exc, "unmet", []),
            status=refusal_status(exc),
        )
    if not request.htmx:
        messages.success(request, f"{record.name} moved to {transition.to_stage.name}.")
        return redirect(url(request, "pipeline:board"))
    _, selection = _filters(request)
    now = timezone.now()
    stages = selectors.stages(request.workspace)
    headers = [
        selectors.board_column(request.workspace, stage, now=now, **(selection or {}))
        for stage in stages
        if stage.pk in (from_stage_id, transition.to_stage_id)
    ]
    card = selectors.card(request.workspace, record.pk, now=now)
    context = {
        "card": card,
        "cards": [card],
        "headers": headers,
        "transition": transition,
        "move_stages": stages,
    }
    return render(request, "pipeline/board.html#moved", context)


def _refused(request, record, errors, *, unmet=(), status):
    context = {"record": record, "errors": errors, "unmet": unmet}
    if request.htmx:
        return render(request, "pipeline/board.html#refusal", context, status=status)
    context["back_url"] = url(request, "pipeline:board")
    return render(request, "pipeline/move_refused.html", context, status=status)
