"""The homes: the shell (menu, period picker, one lazy placeholder per panel) and each panel as
its own htmx partial. Thin: parse the period, find the home and panel, call, render."""

from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET

from dashboards import periods, registry
from records.views.common import is_partial


def _home_or_404(request, home_key: str) -> registry.Home:
    home = registry.home_for(request.membership, home_key)
    if home is None:
        raise Http404("No such home.")
    return home


def _period(request):
    try:
        return periods.parse(request.GET, today=request.workspace.today()), ""
    except periods.BadPeriod as exc:
        return None, str(exc)


def _panel_url(request, home, panel, period) -> str:
    url = reverse("dashboards:panel", args=[request.workspace.slug, home.key, panel.key])
    return f"{url}?{period.query()}"


def _shell(request, home: registry.Home):
    period, error = _period(request)
    context = {
        "home": home,
        "homes": registry.homes_for(request.membership),
        "home_url": reverse("dashboards:home", args=[request.workspace.slug, home.key]),
        "period": period,
        "period_kinds": [(k, periods.LABELS[k]) for k in periods.KINDS],
        "error": error,
        "panels": [(p, _panel_url(request, home, p, period)) for p in home.panels.values()]
        if period
        else [],
    }
    return render(request, "dashboards/home.html", context, status=400 if error else 200)


@require_GET
def landing(request):
    """/w/<slug>/: the member's own home, shown in place (no redirect, one request less)."""
    return _shell(request, registry.own_home(request.membership))


@require_GET
def home(request, home):
    return _shell(request, _home_or_404(request, home))


@require_GET
def panel(request, home, panel):
    """One panel: its fragment for htmx, or a small page of its own without JavaScript."""
    home_ = _home_or_404(request, home)
    found = home_.panels.get(panel)
    if found is None:
        raise Http404("No such panel.")
    period, error = _period(request)
    context = {"home": home_, "panel": found, "error": error, "period": period}
    if period is not None:
        context["panel_url"] = _panel_url(request, home_, found, period)
        context.update(
            found.fn(workspace=request.workspace, membership=request.membership, period=period)
        )
    template = "dashboards/panel.html" if is_partial(request) else "dashboards/panel_page.html"
    response = render(request, template, context, status=400 if error else 200)
    patch_vary_headers(response, ("HX-Request",))
    return response
