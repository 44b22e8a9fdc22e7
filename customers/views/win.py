"""Winning a deal: the form that records the first subscription and the handoff, reached from
the record page's stage panel and, as a dialog, from a board drop on Won (docs/adr/0302)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods
from django_htmx.http import HttpResponseClientRedirect

from customers import services
from customers.forms import WinForm
from customers.models import Subscription
from customers.views.common import error_status, url
from pipeline import move_dialogs
from pipeline import selectors as pipeline_selectors
from pipeline.models import StageDefinition
from pipeline.views.common import live_record_or_404, record_page_url
from playbook import selectors as playbook_selectors
from playbook.forms import apply_service_error
from playbook.models import Team
from records.views.common import safe_next


def _needs_first_subscription(record, to_stage) -> bool:
    return bool(to_stage.is_won) and not (
        Subscription.objects.of(record.workspace_id)
        .filter(record_id=record.pk, status="active")
        .exists()
    )


def _dialog_url(workspace, record, to_stage) -> str:
    return url(workspace, "customers:win", record_id=record.pk) + f"?to_stage={to_stage.pk}"


def register_dialog() -> None:
    move_dialogs.register(
        move_dialogs.MoveDialog(
            key="won",
            title="Win the deal",
            applies=_needs_first_subscription,
            url=_dialog_url,
        )
    )


def _team(workspace, team):
    return [m for m in playbook_selectors.members(workspace, active_only=True) if m.team == team]


def _won_stage(request, record, raw):
    """The won stage asked for (?to_stage=), else the first won stage after the record's."""
    stages = pipeline_selectors.stages(request.workspace)
    if raw not in (None, ""):
        return next((s for s in stages if str(s.pk) == str(raw) and s.is_won), None)
    current = next((s for s in stages if s.pk == record.stage_id), None)
    after = current.position if current else -1
    return next((s for s in stages if s.is_won and s.position > after), None)


@require_http_methods(["GET", "POST"])
def win(request, record_id):
    record = live_record_or_404(request, record_id)
    workspace = request.workspace
    people = {
        "csms": _team(workspace, Team.CUSTOMER_SUCCESS),
        "renewal_reps": _team(workspace, Team.RENEWALS),
    }
    data = request.POST if request.method == "POST" else None
    stage = _won_stage(request, record, (data or request.GET).get("to_stage"))
    default_next = record_page_url(request, record)
    form = WinForm(
        data,
        initial={
            "version": record.version,
            "to_stage": stage.pk if stage else "",
            "next": request.GET.get("next", ""),
            "started_on": workspace.today(),
            "per": "month",
            "term_months": 12,
        },
        **people,
    )
    status, problem = 200, ""
    if stage is None:
        problem, status = "This workspace has no won stage ahead of this record.", 400
    elif data is not None:
        status = 400
        if form.is_valid():
            cd = form.cleaned_data
            try:
                services.record_win(
                    workspace=workspace,
                    record=record,
                    to_stage=StageDefinition.objects.of(workspace).get(pk=stage.pk),
                    actor=request.user,
                    membership=request.membership,
                    version=cd["version"],
                    plan=cd["plan"],
                    amount=cd["amount"],
                    per=cd["per"],
                    started_on=cd["started_on"],
                    term_months=cd["term_months"],
                    auto_renew=cd["auto_renew"],
                    external_id=cd["external_id"],
                    handoff={k: cd[k] for k in ("goals", "stakeholders", "risks", "promises")},
                    csm=cd["csm"] or None,
                    renewal_owner=cd["renewal_owner"] or None,
                )
            except ValidationError as exc:
                status = error_status(exc)
                apply_service_error(form, exc)
            else:
                record.refresh_from_db()
                messages.success(
                    request,
                    f"{record.name} is won and handed to {record.owner or 'its owner'}.",
                )
                target = safe_next(request, default_next)
                return HttpResponseClientRedirect(target) if request.htmx else redirect(target)
    context = {
        "record": record,
        "form": form,
        "stage": stage,
        "problem": problem,
        "record_url": default_next,
    }
    template = "customers/win.html#win-form" if request.htmx else "customers/win.html"
    return render(request, template, context, status=status)
