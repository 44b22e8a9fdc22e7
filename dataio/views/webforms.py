"""Settings › Web forms (admins): the list, a new form, a form's page (its public URL, the
snippet to embed, submissions per day), editing, disabling, and a day's submissions."""

from datetime import date

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dataio import selectors
from dataio.forms import WebFormForm
from dataio.services import webforms as services
from dataio.webform_fields import HONEYPOT, catalog
from playbook.access import admin_required
from playbook.selectors import workspace_users
from records.keyset import InvalidCursor
from records.models import CustomFieldDefinition
from records.views.common import submit


def _definitions(workspace):
    return list(CustomFieldDefinition.objects.of(workspace).order_by("position", "id"))


def _form(request, webform=None):
    return WebFormForm(
        request.POST if request.method == "POST" else None,
        members=workspace_users(request.workspace),
        definitions=_definitions(request.workspace),
        webform=webform,
    )


def _page_url(request, webform) -> str:
    return reverse("dataio:webform", args=[request.workspace.slug, webform.pk])


@require_GET
@admin_required
def webform_list(request):
    context = {"webforms": selectors.webforms(request.workspace)}
    return render(request, "dataio/webforms.html", context)


@require_http_methods(["GET", "POST"])
@admin_required
def webform_create(request):
    form = _form(request)
    if request.method == "POST":
        webform = submit(
            form, services.webform_create, workspace=request.workspace, actor=request.user
        )
        if webform is not None:
            messages.success(request, f"Form “{webform.name}” created: embed it or share its link.")
            return redirect(_page_url(request, webform))
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "dataio/webform_edit.html", {"form": form}, status=status)


@require_http_methods(["GET", "POST"])
@admin_required
def webform_edit(request, webform_id):
    webform = selectors.webform(request.workspace, webform_id)
    form = _form(request, webform)
    saved = request.method == "POST" and submit(form, services.webform_update, webform=webform)
    if saved:
        messages.success(request, f"Form “{webform.name}” saved.")
        return redirect(_page_url(request, webform))
    status = 400 if form.is_bound and form.errors else 200
    context = {"form": form, "webform": webform}
    return render(request, "dataio/webform_edit.html", context, status=status)


@require_POST
@admin_required
def webform_active(request, webform_id):
    webform = selectors.webform(request.workspace, webform_id)
    active = request.POST.get("active") == "1"
    services.webform_set_active(webform=webform, active=active)
    if active:
        messages.success(request, f"Form “{webform.name}” is accepting submissions again.")
    else:
        messages.success(request, f"Form “{webform.name}” disabled: its link now answers 404.")
    return redirect(_page_url(request, webform))


@require_GET
@admin_required
def webform_page(request, webform_id):
    webform = selectors.webform(request.workspace, webform_id)
    definitions = _definitions(request.workspace)
    offered = {f.name: f for f in catalog(definitions)}
    asked = [f for f in webform.fields if f["name"] in offered]
    fields = [(offered[f["name"]], bool(f.get("required"))) for f in asked]
    public_url = request.build_absolute_uri(reverse("webform_public", args=[webform.key]))
    per_day = selectors.submissions_per_day(webform)
    context = {
        "webform": webform,
        "public_url": public_url,
        "fields": fields,
        "honeypot": HONEYPOT,
        "per_day": per_day,
        "per_day_total": sum(n for _, n in per_day),
        "per_day_max": max([n for _, n in per_day] + [1]),
    }
    return render(request, "dataio/webform.html", context)


@require_GET
@admin_required
def webform_submissions(request, webform_id):
    webform = selectors.webform(request.workspace, webform_id)
    day = None
    if request.GET.get("day"):
        try:
            day = date.fromisoformat(request.GET["day"])
        except ValueError as exc:
            raise Http404("No such day.") from exc
    try:
        page = selectors.submissions(webform, day=day, cursor=request.GET.get("cursor"))
    except InvalidCursor as exc:
        return render(
            request,
            "dataio/webform_submissions.html",
            {"webform": webform, "day": day, "page": None, "error": str(exc)},
            status=400,
        )
    context = {"webform": webform, "day": day, "page": page}
    return render(request, "dataio/webform_submissions.html", context)
