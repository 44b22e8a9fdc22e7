"""The targets page (set, spread, read achievement), seasonality curves, and the records behind
an actual."""

from datetime import datetime

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from playbook.access import get_for_workspace_or_404
from records import keyset
from records.models import Record, Source
from records.views.common import render_page, submit
from targets import periods, selectors, services
from targets.forms import CurveForm, MonthRangeForm, SharesForm, SpreadMonthsForm, TargetForm
from targets.models import MONEY_METRICS, Metric, SeasonalityCurve, Target
from targets.permissions import can_set, set_required
from targets.rollups import behind


def _year(request) -> int:
    raw = request.GET.get("year") or request.POST.get("year") or ""
    if raw.isdigit() and 2000 <= int(raw) <= 2100:
        return int(raw)
    return request.workspace.today().year


def _page_url(request, year: int) -> str:
    return f"{reverse('targets:page', args=[request.workspace.slug])}?year={year}"


def _page(request, *, year: int, form=None, status=200):
    workspace = request.workspace
    members = selectors.members(workspace)
    target_list = selectors.targets(workspace, year=year)
    rows = selectors.achievements(workspace, target_list, today=request.workspace.today())
    context = {
        "year": year,
        "years": sorted({*selectors.target_years(workspace), year, request.workspace.today().year}),
        "rows": rows,
        "annual": [r for r in rows if r.target.month == 0],
        "monthly": [r for r in rows if r.target.month != 0],
        "can_set": can_set(request.membership),
        "form": form or TargetForm(initial={"year": year}, members=members),
        "curves": selectors.curves(workspace),
    }
    return render_page(request, "targets/page.html", context, partial="targets", status=status)


@require_http_methods(["GET", "POST"])
def page(request):
    """Every target of a year with its actual, % attained and pace; leaders and admins set
    targets here too."""
    year = _year(request)
    if request.method == "GET":
        return _page(request, year=year)
    if not can_set(request.membership):
        return render(request, "targets/refused.html", status=403)
    form = TargetForm(request.POST, members=selectors.members(request.workspace))
    target = submit(form, services.target_set, workspace=request.workspace, actor=request.user)
    if target is None:
        return _page(request, year=year, form=form, status=400)
    messages.success(request, f"Target saved: {target.get_metric_display()} {target.period_label}.")
    return redirect(_page_url(request, target.year))


def _target(request, target_id) -> Target:
    return get_for_workspace_or_404(request.workspace, Target, pk=target_id)


@require_POST
@set_required
def target_delete(request, target_id):
    target = _target(request, target_id)
    services.target_delete(workspace=request.workspace, target=target)
    messages.success(request, f"Target removed: {target.get_metric_display()}.")
    return redirect(_page_url(request, target.year))


@require_POST
@set_required
def target_spread_months(request, target_id):
    """An annual target over its twelve months, evenly or by a curve."""
    target = _target(request, target_id)
    form = SpreadMonthsForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose “Evenly” or one of the curves.")
        return redirect(_page_url(request, target.year))
    curve = None
    if form.cleaned_data["curve"] is not None:
        curve = get_for_workspace_or_404(
            request.workspace, SeasonalityCurve, pk=form.cleaned_data["curve"]
        )
    try:
        services.target_spread_months(
            workspace=request.workspace, actor=request.user, target=target, curve=curve
        )
    except services.ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        how = f"by “{curve.name}”" if curve else "evenly"
        messages.success(request, f"{target.get_metric_display()} spread over the months {how}.")
    return redirect(_page_url(request, target.year))


@require_http_methods(["GET", "POST"])
@set_required
def target_spread_people(request, target_id):
    """A team's target shared among its active members (evenly by default; edit the %)."""
    target = _target(request, target_id)
    if target.scope != "team":
        raise Http404("Only a team's target is spread over people.")
    members = services.team_members(request.workspace, target.team)
    form = SharesForm(request.POST or None, members=members)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.target_spread_people(
                    workspace=request.workspace,
                    actor=request.user,
                    target=target,
                    shares=form.shares(),
                )
            except services.ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(
                    request, f"{target} shared among the {target.get_team_display()} team."
                )
                return redirect(_page_url(request, target.year))
        status = 400
    return render(
        request,
        "targets/spread_people.html",
        {"target": target, "form": form, "members": members},
        status=status,
    )


@require_http_methods(["GET", "POST"])
def curves(request):
    """Seasonality curves: twelve monthly shares that add up to 100 %."""
    form, status, editing = CurveForm(), 200, None
    edit_id = request.GET.get("edit")
    if request.method == "GET" and edit_id:
        editing = get_for_workspace_or_404(request.workspace, SeasonalityCurve, pk=edit_id)
        initial = {f"m{i + 1}": share for i, share in enumerate(editing.shares)}
        form = CurveForm(initial={"name": editing.name, **initial})
    if request.method == "POST":
        if not can_set(request.membership):
            return render(request, "targets/refused.html", status=403)
        curve_id = request.POST.get("curve_id") or None
        editing = curve = (
            get_for_workspace_or_404(request.workspace, SeasonalityCurve, pk=curve_id)
            if curve_id
            else None
        )
        form = CurveForm(request.POST)
        saved = submit(form, services.curve_save, workspace=request.workspace, curve=curve)
        if saved is not None:
            messages.success(request, f"Curve “{saved.name}” saved.")
            return redirect("targets:curves", request.workspace.slug)
        status = 400
    context = {
        "form": form,
        "curves": selectors.curves(request.workspace),
        "can_set": can_set(request.membership),
        "editing": editing,
    }
    return render(request, "targets/curves.html", context, status=status)


def _source_label(source: str) -> str:
    if source == behind.NO_SOURCE:
        return "records with no source"
    return f"records from {Source(source).label}" if source else ""


@require_GET
def actuals(request):
    """The records behind one actual: ?metric=&from=YYYY-MM&to=YYYY-MM&scope=<scope key>, and
    optionally &kind= (one movement kind of a money metric: net new ARR's contraction) or
    &source= (a funnel metric's records of one source, or "none": those without one), as the
    dashboards link them."""
    metric = request.GET.get("metric", "")
    scope = request.GET.get("scope") or "workspace"
    kind = request.GET.get("kind") or ""
    source = request.GET.get("source") or ""
    today = periods.today_index(request.workspace)
    form = MonthRangeForm(request.GET, default=(today, today))
    error = ""
    if metric not in Metric.values:
        error = "Choose a metric."
    elif not form.is_valid():
        error = " ".join(form.non_field_errors())
    elif not _valid_scope(request.workspace, scope):
        error = "That scope is not a team or a member of this workspace."
    elif kind and kind not in behind.KINDS_OF_METRIC.get(metric, ()):
        error = "That kind of movement is not part of this metric."
    elif source and (source not in (*Source.values, behind.NO_SOURCE) or metric in MONEY_METRICS):
        error = "Choose one of the listed sources, for a funnel metric."
    if error:
        return render(request, "targets/actuals.html", {"error": error}, status=400)
    first, last = form.cleaned_data["first"], form.cleaned_data["last"]
    try:
        page = behind.facts(
            request.workspace,
            metric,
            first=first,
            last=last,
            scope_key=scope,
            cursor=request.GET.get("after") or None,
            kind=kind,
            source=source,
        )
    except keyset.InvalidCursor as exc:
        return render(request, "targets/actuals.html", {"error": str(exc)}, status=400)
    found = page.facts
    names = dict(
        Record.objects.of(request.workspace)
        .filter(pk__in={f.record_id for f in found})
        .values_list("pk", "name")
    )
    context = {
        "metric": Metric(metric),
        "first": periods.label(first),
        "last": periods.label(last),
        "scope": scope,
        "scope_label": _scope_label(request.workspace, scope),
        "kind": kind,
        "source_label": _source_label(source),
        "facts": [
            (f, names.get(f.record_id, "(deleted record)"), _day(request.workspace, f.when))
            for f in found
        ],
        "next_query": _next_query(request, page.next_cursor),
        "paged": bool(request.GET.get("after")),
    }
    return render(request, "targets/actuals.html", context)


def _day(workspace, when):
    """A fact's day on the workspace's calendar (a stage move's time, a ledger row's date)."""
    return workspace.today(when) if isinstance(when, datetime) else when


def _next_query(request, cursor: str | None) -> str:
    """The query string of the next page: this one's, with `after` set to the cursor."""
    if cursor is None:
        return ""
    query = request.GET.copy()
    query["after"] = cursor
    return query.urlencode()


def _valid_scope(workspace, scope: str) -> bool:
    from playbook.models import Team

    if scope == "workspace":
        return True
    kind, _, value = scope.partition(":")
    if kind == "team":
        return value in Team.values
    if kind == "person" and value.isdigit() and len(value) < 19:
        return any(m.user_id == int(value) for m in selectors.members(workspace))
    return False


def _scope_label(workspace, scope: str) -> str:
    from playbook.models import Team

    kind, _, value = scope.partition(":")
    if kind == "team":
        return f"the {Team(value).label} team"
    if kind == "person":
        member = next(m for m in selectors.members(workspace) if m.user_id == int(value))
        return str(member.user)
    return "the whole workspace"
