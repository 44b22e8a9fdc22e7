"""Settings › ICP profile: every member reads the weighted criteria of the fit score, admins and
leaders edit them. Saving recomputes every record in the background; the page polls the
progress (htmx) and works without JS (reload)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from playbook.forms import apply_service_error
from records import icp, permissions
from records.forms import IcpCriterionForm
from records.selectors.icp import icp_fields, icp_profile, icp_profile_criteria
from records.services import icp as services
from records.views.common import render_page


def _url(request, name="icp", *args) -> str:
    return reverse(f"records:{name}", args=[request.workspace.slug, *args])


def _profile(request):
    profile = icp_profile(request.workspace)
    if profile is None:  # a workspace from before ICP scoring that missed its migration
        profile = services.icp_profile_install_default(workspace=request.workspace)
    return profile


def _page(request, *, form=None, errors=(), status=200):
    profile = _profile(request)
    fields = icp_fields(request.workspace)
    can_edit = permissions.can_edit_icp(request.membership)
    if can_edit and form is None:
        form = IcpCriterionForm(
            initial={"version": profile.version, "weight": 10},
            fields_available=fields,
            kind_url=_url(request, "icp_criterion_create"),
        )
    criteria = icp_profile_criteria(profile, fields)
    context = {
        "profile": profile,
        "criteria": criteria,
        "total_weight": sum(c.weight for c in criteria),
        "can_edit": can_edit,
        "form": form,
        "errors": errors,
    }
    return render(request, "records/icp.html", context, status=status)


@require_GET
def icp_settings(request):
    return _page(request)


@require_GET
def icp_progress(request):
    """The progress bar alone, which htmx polls while a recompute runs."""
    context = {"profile": _profile(request)}
    return render_page(request, "records/icp.html", context, partial="progress")


def _saved(form, save) -> bool:
    if not form.is_valid():
        return False
    try:
        save(**form.service_kwargs())
    except services.ProfileChanged as exc:
        form.add_error(None, exc.messages[0])
        return False
    except ValidationError as exc:
        apply_service_error(form, exc)
        return False
    return True


def _kind_form(request, fields, kind_url, version):
    kind = request.GET.get("kind")
    initial = {"kind": kind, "weight": request.GET.get("weight", 10), "version": version}
    return IcpCriterionForm(initial=initial, kind=kind, fields_available=fields, kind_url=kind_url)


def _criterion_form_response(request, form, index=None, status=200):
    context = {"form": form, "index": index, "profile": _profile(request)}
    return render_page(
        request, "records/icp_criterion.html", context, partial="form", status=status
    )


@require_http_methods(["GET", "POST"])
@permissions.icp_edit_access
def icp_criterion_create(request):
    """GET ?kind=: the add form with that kind's parameter fields (htmx: the form alone).
    POST: add the criterion; a refusal keeps the form with its messages (400)."""
    fields = icp_fields(request.workspace)
    kind_url = _url(request, "icp_criterion_create")
    if request.method == "GET":
        form = _kind_form(request, fields, kind_url, _profile(request).version)
        return _criterion_form_response(request, form)
    form = IcpCriterionForm(request.POST, fields_available=fields, kind_url=kind_url)
    workspace, actor = request.workspace, request.user
    if not _saved(
        form, lambda **c: services.icp_criterion_add(workspace=workspace, actor=actor, **c)
    ):
        return _page(request, form=form, status=400)
    messages.success(request, "Criterion added. Every record is being rescored.")
    return redirect(_url(request))


def _criterion(request, index):
    profile = _profile(request)
    criteria = icp.criteria_of(profile.criteria)
    if not 0 <= index < len(criteria):
        raise Http404("No such criterion.")
    return profile, criteria[index]


@require_http_methods(["GET", "POST"])
@permissions.icp_edit_access
def icp_criterion_edit(request, index):
    profile, criterion = _criterion(request, index)
    fields = icp_fields(request.workspace)
    kind_url = _url(request, "icp_criterion_edit", index)
    if request.method == "GET":
        if "kind" in request.GET:
            form = _kind_form(request, fields, kind_url, profile.version)
        else:
            form = IcpCriterionForm.for_criterion(
                criterion, version=profile.version, fields_available=fields, kind_url=kind_url
            )
        return _criterion_form_response(request, form, index)
    form = IcpCriterionForm(request.POST, fields_available=fields, kind_url=kind_url)
    workspace, actor = request.workspace, request.user
    if not _saved(
        form,
        lambda **c: services.icp_criterion_update(
            workspace=workspace, actor=actor, index=index, **c
        ),
    ):
        return _criterion_form_response(request, form, index, status=400)
    messages.success(request, "Criterion saved. Every record is being rescored.")
    return redirect(_url(request))


def _version(request) -> int:
    """The profile version the form was built from; a missing one never matches (refused)."""
    try:
        return int(request.POST.get("version", ""))
    except ValueError:
        return -1


def _apply(request, change, success: str):
    """Run a whole-profile change; a refusal shows the page with the reason (400/409)."""
    try:
        change()
    except services.ProfileChanged as exc:
        return _page(request, errors=exc.messages, status=409)
    except ValidationError as exc:
        return _page(request, errors=exc.messages, status=400)
    messages.success(request, success)
    return redirect(_url(request))


@require_POST
@permissions.icp_edit_access
def icp_criterion_delete(request, index):
    _criterion(request, index)
    return _apply(
        request,
        lambda: services.icp_criterion_remove(
            workspace=request.workspace, actor=request.user, index=index, version=_version(request)
        ),
        "Criterion removed. Every record is being rescored.",
    )


@require_POST
@permissions.icp_edit_access
def icp_weights(request):
    count = len(_profile(request).criteria)
    weights = [request.POST.get(f"weight_{i}", "") for i in range(count)]
    return _apply(
        request,
        lambda: services.icp_weights_set(
            workspace=request.workspace,
            actor=request.user,
            weights=weights,
            version=_version(request),
        ),
        "Weights saved. Every record is being rescored.",
    )


@require_POST
@permissions.icp_edit_access
def icp_recompute(request):
    services.icp_recompute_request(workspace=request.workspace, actor=request.user)
    messages.success(request, "Every record is being rescored.")
    return redirect(_url(request))
