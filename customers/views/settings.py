"""Customer settings (admins): time zone, renewal grace period, engagement days, health weights.
(The CSV imports are in customers/views/imports.py.)"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from customers import forms, services
from customers.services.health import SIGNALS, weights_of
from customers.views.common import url
from playbook.access import admin_required
from playbook.forms import apply_service_error


@admin_required
@require_http_methods(["GET", "POST"])
def customer_settings(request):
    workspace = request.workspace
    current = services.settings_of(workspace)
    initial = {
        "time_zone": workspace.time_zone,
        "renewal_grace_days": current.renewal_grace_days,
        "engagement_days": current.engagement_days,
        **{f"weight_{k}": w for k, w in weights_of(current).items()},
    }
    form = forms.CustomerSettingsForm(request.POST or None, initial=initial, signals=SIGNALS)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            cd = form.cleaned_data
            try:
                services.customer_settings_update(
                    workspace=workspace,
                    membership=request.membership,
                    time_zone=cd["time_zone"],
                    renewal_grace_days=cd["renewal_grace_days"],
                    engagement_days=cd["engagement_days"],
                    weights={s.key: cd[f"weight_{s.key}"] for s in SIGNALS},
                )
            except ValidationError as exc:
                apply_service_error(form, exc)
            else:
                messages.success(request, "Customer settings saved; health scores recomputed.")
                return redirect(url(workspace, "customers:settings"))
    return render(request, "customers/settings.html", {"form": form}, status=status)
