"""A customer's page, the record's Subscriptions tab: every subscription with its MRR history,
and the actions that append to the ledger. The record page's tab loads it in place with htmx
(the `tab` partial); without JS the tab is this page, with the same tabs. Plain forms that work
without JS; a refused action shows the page again with the form's errors (400 bad input, 409
changed meanwhile, 403 role)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from customers import forms, selectors, services
from customers.models import ExpansionOpportunity, MovementAction, Subscription
from customers.permissions import can_change_customers
from customers.views.common import error_status, url
from pipeline.views.common import live_record_or_404, record_page_url
from playbook import selectors as playbook_selectors
from playbook.access import get_for_workspace_or_404
from playbook.forms import apply_service_error
from records.models import Contact
from records.services.activities import activity_log
from records.views.common import is_partial


@dataclass(frozen=True)
class _Action:
    form: type
    service: Callable
    fields: tuple[str, ...]  # the form's fields the service takes, by the same names
    extra: dict
    done: str  # the success message; {sub} is the subscription


ACTIONS = {
    "upsell": _Action(
        forms.ChangeMrrForm,
        services.subscription_change_mrr,
        ("mrr", "effective_on", "note"),
        {"direction": "up"},
        "{sub}: upsold.",
    ),
    "downgrade": _Action(
        forms.ChangeMrrForm,
        services.subscription_change_mrr,
        ("mrr", "effective_on", "note"),
        {"direction": "down"},
        "{sub}: downgraded.",
    ),
    "renew": _Action(
        forms.RenewForm,
        services.subscription_renew,
        ("mrr", "term_months", "effective_on", "note"),
        {},
        "{sub}: renewed until {sub.term_end:%Y-%m-%d}.",
    ),
    "cancel": _Action(
        forms.CancelForm,
        services.subscription_cancel,
        ("reason", "effective_on", "note"),
        {},
        "{sub}: cancelled.",
    ),
    "reactivate": _Action(
        forms.ReactivateForm,
        services.subscription_reactivate,
        ("mrr", "term_months", "effective_on", "note"),
        {},
        "{sub}: reactivated.",
    ),
}


def _page(
    request,
    record,
    *,
    bound=None,
    status=200,
    survey_form=None,
    engagement_form=None,
    opportunity_form=None,
):
    """The page with a fresh form per action and subscription, the failed one bound."""
    workspace = request.workspace
    page = selectors.customer_page(workspace, record)
    today = workspace.today()
    contacts = _contacts(request, record)
    for view in page.subscriptions:
        sub = view.subscription
        # Action forms are rendered only when asked for (a refused one, or the one opened
        # without JS); the others come with htmx when their <details> opens: four forms per
        # subscription were half of the page's server time.
        names = ("upsell", "downgrade", "renew", "cancel") if sub.is_active else ("reactivate",)
        view.forms = dict.fromkeys(names)
        if bound is not None and bound[0] == sub.pk:
            view.forms[bound[1]] = bound[2]
    add_form = forms.SubscriptionForm(initial={"started_on": today, "term_months": 12})
    if bound is not None and bound[0] is None:
        add_form = bound[2]
    context = {
        "record": record,
        "page": page,
        "add_form": add_form,
        "can_change": can_change_customers(request.membership),
        "record_url": record_page_url(request, record),
        "churn_reasons": dict(forms.ChurnReason.choices),
        "scores": selectors.scores(workspace, today=today, record=record),
        "responses": selectors.recent_responses(workspace, record),
        "survey_form": survey_form
        or forms.SurveyForm(initial={"responded_on": today}, contacts=contacts),
        "engagement_form": engagement_form or forms.EngagementForm(initial={"occurred_on": today}),
        "opportunities": list(
            ExpansionOpportunity.objects.of(workspace)
            .filter(record_id=record.pk)
            .select_related("owner", "subscription")
            .order_by("status", "close_date", "id")
        ),
        "opportunity_form": opportunity_form
        or _opportunity_form(request, page, initial={"close_date": today}),
    }
    # The record page's Subscriptions tab loads this page's #record-tab with htmx.
    tab = is_partial(request) and request.htmx.target == "record-tab"
    template = "customers/customer.html#tab" if tab else "customers/customer.html"
    response = render(request, template, context, status=status)
    patch_vary_headers(response, ("HX-Request", "HX-Target"))
    return response


@require_GET
def customer_detail(request, record_id):
    return _page(request, live_record_or_404(request, record_id))


def _after(request, record, result, message):
    transition, refusal = getattr(result, "expanded", (None, ""))
    messages.success(request, message)
    if transition is not None:
        messages.success(request, f"{record.name} moved to {transition.to_stage.name}.")
    elif refusal:
        messages.warning(request, refusal)
    return redirect(url(request.workspace, "customers:detail", record_id=record.pk))


@require_POST
def subscription_add(request, record_id):
    """A cross-sell: another subscription for the customer."""
    record = live_record_or_404(request, record_id)
    form = forms.SubscriptionForm(request.POST)
    status = 400
    if form.is_valid():
        cd = form.cleaned_data
        try:
            sub = services.subscription_start(
                workspace=request.workspace,
                record=record,
                actor=request.user,
                membership=request.membership,
                action=MovementAction.CROSS_SELL,
                mrr=cd["mrr"],
                started_on=cd["started_on"],
                plan=cd["plan"],
                term_months=cd["term_months"],
                auto_renew=cd["auto_renew"],
                external_id=cd["external_id"],
                note=cd["note"],
            )
        except ValidationError as exc:
            status = error_status(exc)
            apply_service_error(form, exc)
        else:
            return _after(request, record, sub, f"{sub}: added.")
    return _page(request, record, bound=(None, "add", form), status=status)


def _fresh_form(request, sub, action):
    today = request.workspace.today()
    initial = {"version": sub.version, "effective_on": today, "mrr": sub.mrr}
    return ACTIONS[action].form(initial=initial)


@require_http_methods(["GET", "POST"])
def subscription_act(request, subscription_id, action):
    """POST: the action. GET: its form, for htmx when the action's <details> opens (the form
    alone), or without JS the customer page with that form open."""
    spec = ACTIONS[action]
    sub = get_for_workspace_or_404(
        request.workspace, Subscription.objects.of(request.workspace), pk=subscription_id
    )
    record = live_record_or_404(request, sub.record_id)
    if request.method == "GET":
        if not can_change_customers(request.membership):
            raise PermissionDenied("Only the customer teams change subscriptions.")
        form = _fresh_form(request, sub, action)
        if not is_partial(request):
            return _page(request, record, bound=(sub.pk, action, form))
        context = {
            "form": form,
            "name": action,
            "sub": sub,
            "action_url": request.path,
        }
        response = render(request, "customers/_subscription_action.html", context)
        patch_vary_headers(response, ("HX-Request",))
        return response
    form = spec.form(request.POST)
    status = 400
    if form.is_valid():
        cd = form.cleaned_data
        try:
            result = spec.service(
                workspace=request.workspace,
                subscription=sub.pk,
                actor=request.user,
                membership=request.membership,
                version=cd["version"],
                **{f: cd[f] for f in spec.fields if cd.get(f) not in (None, "")},
                **spec.extra,
            )
        except ValidationError as exc:
            status = error_status(exc)
            apply_service_error(form, exc)
        else:
            sub.refresh_from_db()
            return _after(request, record, result, spec.done.format(sub=sub))
    return _page(request, record, bound=(sub.pk, action, form), status=status)


def _contacts(request, record):
    return list(Contact.objects.of(request.workspace).filter(record_id=record.pk).order_by("pk"))


@require_POST
def survey_add(request, record_id):
    """Log an NPS or CSAT answer of one of the customer's contacts."""
    record = live_record_or_404(request, record_id)
    form = forms.SurveyForm(request.POST, contacts=_contacts(request, record))
    status = 400
    if form.is_valid():
        cd = form.cleaned_data
        try:
            services.survey_log(
                workspace=request.workspace,
                record=record,
                kind=cd["kind"],
                score=cd["score"],
                responded_on=cd["responded_on"],
                contact=cd["contact"] or None,
                comment=cd["comment"],
                actor=request.user,
                membership=request.membership,
            )
        except ValidationError as exc:
            status = error_status(exc)
            apply_service_error(form, exc)
        else:
            messages.success(request, f"{cd['kind'].upper()} {cd['score']} logged.")
            return redirect(url(request.workspace, "customers:detail", record_id=record.pk))
    return _page(request, record, status=status, survey_form=form)


@require_POST
def engagement_add(request, record_id):
    """A CS engagement (meeting, training, QBR, support...) on the record's timeline."""
    record = live_record_or_404(request, record_id)
    form = forms.EngagementForm(request.POST)
    status = 400
    if not can_change_customers(request.membership):
        form.is_valid()
        form.add_error(
            None,
            "Only customer success managers, renewal reps, leaders and admins "
            "log engagements here; log activities on the record page.",
        )
        return _page(request, record, status=403, engagement_form=form)
    if form.is_valid():
        cd = form.cleaned_data
        occurred = timezone.make_aware(
            datetime.combine(cd["occurred_on"], time(12)), request.workspace.tzinfo
        )
        try:
            activity_log(
                record=record,
                actor=request.user,
                kind=cd["kind"],
                subject=cd["subject"],
                body=cd["body"],
                occurred_at=occurred,
            )
        except ValidationError as exc:
            apply_service_error(form, exc)
        else:
            services.health_recompute(workspace=request.workspace, record_ids=[record.pk])
            messages.success(request, "Engagement logged.")
            return redirect(url(request.workspace, "customers:detail", record_id=record.pk))
    return _page(request, record, status=status, engagement_form=form)


def _opportunity_form(request, page, data=None, initial=None):
    return forms.OpportunityForm(
        data,
        initial=initial,
        subscriptions=[v.subscription for v in page.subscriptions],
        members=playbook_selectors.members(request.workspace, active_only=True),
    )


@require_POST
def opportunity_add(request, record_id):
    """An upsell or cross-sell in the works, on this record."""
    record = live_record_or_404(request, record_id)
    page = selectors.customer_page(request.workspace, record)
    form = _opportunity_form(request, page, data=request.POST)
    status = 400
    if form.is_valid():
        cd = form.cleaned_data
        try:
            services.opportunity_create(
                workspace=request.workspace,
                record=record,
                kind=cd["kind"],
                expected_mrr=cd["expected_mrr"],
                close_date=cd["close_date"],
                subscription=cd["subscription"] or None,
                plan=cd["plan"],
                owner=cd["owner"] or request.user.pk,
                note=cd["note"],
                membership=request.membership,
            )
        except ValidationError as exc:
            status = error_status(exc)
            apply_service_error(form, exc)
        else:
            messages.success(request, "Expansion opportunity added.")
            return redirect(url(request.workspace, "customers:detail", record_id=record.pk))
    return _page(request, record, status=status, opportunity_form=form)


@require_POST
def opportunity_act(request, opportunity_id, action):
    opportunity = get_for_workspace_or_404(
        request.workspace, ExpansionOpportunity.objects.of(request.workspace), pk=opportunity_id
    )
    record = live_record_or_404(request, opportunity.record_id)
    back = url(request.workspace, "customers:detail", record_id=record.pk)
    try:
        if action == "win":
            _, result = services.opportunity_win(
                workspace=request.workspace,
                opportunity=opportunity.pk,
                actor=request.user,
                membership=request.membership,
            )
            return _after(request, record, result, "Opportunity won.")
        services.opportunity_lose(
            workspace=request.workspace,
            opportunity=opportunity.pk,
            membership=request.membership,
            note=request.POST.get("note", "")[:500],
        )
    except ValidationError as exc:
        if error_status(exc) == 403:
            raise PermissionDenied(" ".join(exc.messages)) from None
        messages.error(request, "Not saved. " + " ".join(exc.messages))
        return redirect(back)
    messages.success(request, "Opportunity closed as lost.")
    return redirect(back)
