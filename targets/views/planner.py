"""The funnel planner: next year's new-ARR target through the workspace's own funnel to the
monthly needs and headcount; "Distribute" saves them as monthly targets."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from targets import selectors, services
from targets.forms import PlanForm
from targets.models import Metric
from targets.permissions import can_set
from targets.planner import DEFAULTS

PLANNED = [
    Metric.NEW_ARR,
    Metric.WINS,
    Metric.OPPORTUNITIES,
    Metric.SQLS,
    Metric.MQLS,
    Metric.LEADS,
]


@require_http_methods(["GET", "POST"])
def planner(request):
    workspace = request.workspace
    history = selectors.planner_history(workspace, today=workspace.today())
    defaults_used = [a for a in history.values() if a.is_default]
    curves = selectors.curves(workspace)
    initial = {name: a.value for name, a in history.items()}
    initial["year"] = workspace.today().year + 1
    data = request.POST if request.method == "POST" else (request.GET or None)
    form = PlanForm(data, initial=initial, curves=curves, defaults_used=defaults_used)
    plan, status = None, 200
    if data is not None:
        if form.is_valid():
            plan = form.plan()
        else:
            status = 400
    if request.method == "POST" and plan is not None:
        if not can_set(request.membership):
            return render(request, "targets/refused.html", status=403)
        if form.require_confirmation():
            written = services.plan_distribute(workspace=workspace, actor=request.user, plan=plan)
            messages.success(
                request,
                f"Plan distributed: {written} monthly targets for the workspace, its teams "
                "and their people.",
            )
            return redirect(f"{reverse('targets:page', args=[workspace.slug])}?year={plan.year}")
        status = 400
    context = {
        "form": form,
        "history": history,
        "defaults_used": defaults_used,
        "plan": plan,
        "rows": plan.rows() if plan else [],
        "annual": plan.annual() if plan else {},
        "headcount": plan.headcount() if plan else {},
        "planned": PLANNED,
        "can_set": can_set(request.membership),
        "assumption_names": list(DEFAULTS),
    }
    return render(request, "targets/planner.html", context, status=status)
