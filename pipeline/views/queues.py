"""Work queues: the SDRs' "MQLs to qualify" and the AEs' "My pipeline"; and the printable
stage definitions."""

from django import forms
from django.shortcuts import render
from django.views.decorators.http import require_GET

from pipeline import selectors
from pipeline.models import StageDefinition
from pipeline.permissions import oversees
from playbook.access import get_for_workspace_or_404
from playbook.forms import BaseForm


@require_GET
def mql_queue(request):
    """Records handed to Inside Sales to qualify (MQL by default): past the SLA first, then by
    ICP score. One keyset-paged list per such stage; "Only mine" narrows to the viewer's."""
    mine = request.GET.get("mine") == "1"
    owners = [request.user.pk] if mine else None
    queue_stages = selectors.qualification_stages(request.workspace)
    stage_id = request.GET.get("stage")
    if stage_id is not None:
        # "Load more" of one stage's list.
        stage = get_for_workspace_or_404(
            request.workspace,
            StageDefinition.objects.of(request.workspace).filter(
                pk__in=[s.pk for s in queue_stages]
            ),
            pk=stage_id,
        )
        try:
            cursor = selectors.Cursor.decode(request.GET.get("after"))
        except ValueError as exc:
            return render(request, "pipeline/queue_mqls.html", {"error": str(exc)}, status=400)
        page = selectors.column_page(
            request.workspace,
            stage,
            owners=owners,
            cursor=cursor,
            size=selectors.QUEUE_PAGE_SIZE,
        )
        template = "pipeline/queue_mqls.html#rows" if request.htmx else "pipeline/queue_mqls.html"
        context = {"page": page, "pages": [page], "mine": mine, "more_only": True}
        return render(request, template, context)
    pages = [
        selectors.column_page(
            request.workspace, stage, owners=owners, size=selectors.QUEUE_PAGE_SIZE
        )
        for stage in queue_stages
    ]
    return render(request, "pipeline/queue_mqls.html", {"pages": pages, "mine": mine})


class _OwnerForm(BaseForm):
    owner = forms.TypedChoiceField(coerce=int, required=False, empty_value=None)


@require_GET
def my_pipeline(request):
    """The viewer's open deals by close date with weighted values. Admins and leaders may look
    at any seller's pipeline (?owner=)."""
    owner_id, owners = request.user.pk, []
    if oversees(request.membership):
        owners = selectors.sales_owners(request.workspace)
        form = _OwnerForm(request.GET)
        form.fields["owner"].choices = [("", "Me"), *[(m.user_id, str(m.user)) for m in owners]]
        if not form.is_valid():
            return render(
                request,
                "pipeline/queue_pipeline.html",
                {"error": "Choose a seller from the list.", "owners": owners},
                status=400,
            )
        owner_id = form.cleaned_data["owner"] or request.user.pk
    try:
        pipeline = selectors.my_pipeline(
            request.workspace, owner_id, cursor=request.GET.get("after")
        )
    except ValueError as exc:
        return render(request, "pipeline/queue_pipeline.html", {"error": str(exc)}, status=400)
    context = {"pipeline": pipeline, "owners": owners, "owner_id": owner_id}
    template = (
        "pipeline/queue_pipeline.html#rows"
        if request.htmx and request.GET.get("after")
        else "pipeline/queue_pipeline.html"
    )
    return render(request, template, context)


@require_GET
def definitions(request):
    """The printable stage definitions: stage | definition | team | entry criteria."""
    return render(
        request, "pipeline/definitions.html", {"rows": selectors.definitions(request.workspace)}
    )
