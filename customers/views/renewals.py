"""/w/<slug>/customers/renewals/: renewals due in 30/60/90/120 days; snooze or dismiss an alert."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from customers import forms, selectors, services
from customers.models import RenewalAlert
from customers.permissions import can_change_customers
from customers.views.common import error_status, url
from playbook import selectors as playbook_selectors
from playbook.access import get_for_workspace_or_404
from records.keyset import InvalidCursor
from targets.periods import quarter_bounds


@require_GET
def renewals(request):
    workspace = request.workspace
    members = playbook_selectors.members(workspace, active_only=True)
    form = forms.RenewalsFilterForm(request.GET or None, members=members)
    page, error, status = None, "", 200
    if form.is_bound and not form.is_valid():
        error, status = "Check the filters.", 400
    else:
        data = form.cleaned_data if form.is_bound else {}
        today = workspace.today()
        outcome = data.get("outcome") or ""
        try:
            page = selectors.renewals_due(
                workspace,
                window=data.get("window") or 120,
                today=today,
                owner_id=int(data["owner"]) if data.get("owner") else None,
                include_hidden=bool(data.get("hidden")),
                upcoming=bool(data.get("upcoming")),
                outcome=outcome,
                ended=(quarter_bounds(today)[0], today) if outcome else None,
                cursor=data.get("after") or None,
            )
        except InvalidCursor as exc:
            error, status = str(exc), 400
    query = request.GET.copy()
    query.pop("after", None)
    context = {
        "form": form,
        "page": page,
        "error": error,
        "query": query.urlencode(),
        "can_change": can_change_customers(request.membership),
    }
    return render(request, "customers/renewals.html", context, status=status)


@require_POST
def alert_act(request, alert_id, action):
    alert = get_for_workspace_or_404(
        request.workspace, RenewalAlert.objects.of(request.workspace), pk=alert_id
    )
    form_class = forms.AlertSnoozeForm if action == "snooze" else forms.AlertDismissForm
    form = form_class(request.POST)
    back = url(request.workspace, "customers:renewals")
    if not form.is_valid():
        errors = [f"{f}: {e}" for f, es in form.errors.items() for e in es]
        messages.error(request, "Not saved. " + " ".join(errors))
        return redirect(back)
    try:
        if action == "snooze":
            services.alert_snooze(
                workspace=request.workspace,
                alert=alert.pk,
                until=form.cleaned_data["until"],
                reason=form.cleaned_data["reason"],
                membership=request.membership,
            )
        else:
            services.alert_dismiss(
                workspace=request.workspace,
                alert=alert.pk,
                reason=form.cleaned_data["reason"],
                membership=request.membership,
            )
    except ValidationError as exc:
        status = error_status(exc)
        messages.error(request, "Not saved. " + " ".join(exc.messages))
        if status == 403:
            return render(
                request,
                "customers/renewals.html",
                {"error": " ".join(exc.messages), "page": None, "form": None},
                status=403,
            )
        return redirect(back)
    messages.success(request, f"Alert {'snoozed' if action == 'snooze' else 'dismissed'}.")
    return redirect(back)
