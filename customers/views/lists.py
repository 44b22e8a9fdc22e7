"""/w/<slug>/customers/: the customer list with the workspace's and each CSM's NPS, CSAT,
ARR-weighted NPS and engagements due."""

from decimal import Decimal

from django.shortcuts import render
from django.views.decorators.http import require_GET

from customers import forms, selectors, services
from playbook import selectors as playbook_selectors
from playbook.models import Team
from records.keyset import InvalidCursor


def customer_filters(data: dict) -> selectors.CustomerFilters:
    """The list's filters from its form's cleaned data (the page and its export)."""
    return selectors.CustomerFilters(
        csm_id=int(data["csm"]) if data.get("csm") else None,
        health=data.get("health") or "",
        renewal_days=data.get("renewal"),
        mrr_min=data.get("mrr_min"),
        mrr_max=data.get("mrr_max"),
        engagement_due=bool(data.get("due")),
        renewal_owner_id=int(data["renewal_owner"]) if data.get("renewal_owner") else None,
        upsell=bool(data.get("upsell")),
        answered=data.get("answered") or "",
    )


@require_GET
def customer_list(request):
    workspace = request.workspace
    today = workspace.today()
    settings = services.settings_of(workspace)
    members = list(playbook_selectors.members(workspace, active_only=True))
    csms = [m for m in members if m.team == Team.CUSTOMER_SUCCESS]
    form = forms.CustomerFilterForm(request.GET or None, members=members)
    page, error, status = None, "", 200
    if form.is_bound and not form.is_valid():
        error, status = "Check the filters.", 400
    else:
        data = form.cleaned_data if form.is_bound else {}
        filters = customer_filters(data)
        try:
            page = selectors.customer_page_of(
                workspace,
                filters,
                today=today,
                engagement_days=settings.engagement_days,
                cursor=data.get("after") or None,
            )
        except InvalidCursor as exc:
            error, status = str(exc), 400
    by_csm = selectors.scores_by_csm(workspace, today=today)
    due = selectors.engagements_due_by_csm(workspace, engagement_days=settings.engagement_days)
    query = request.GET.copy()
    query.pop("after", None)
    context = {
        "form": form,
        "page": page,
        "error": error,
        "query": query.urlencode(),
        "workspace_scores": selectors.scores(workspace, today=today),
        "csm_rows": [(m, by_csm.get(m.user_id), due.get(m.user_id, 0)) for m in csms],
        "engagement_days": settings.engagement_days,
        "zero": Decimal("0"),
    }
    return render(request, "customers/list.html", context, status=status)
