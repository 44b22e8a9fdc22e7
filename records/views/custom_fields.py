"""Settings › Custom fields: admins define the workspace's own record fields."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from records import permissions, selectors, services
from records.forms import CustomFieldForm
from records.views.common import submit


def _list_url(request) -> str:
    return reverse("records:fields", args=[request.workspace.slug])


def _status(form) -> int:
    return 400 if form.is_bound and form.errors else 200


def _bound(request):
    return request.POST if request.method == "POST" else None


@require_http_methods(["GET", "POST"])
@permissions.custom_fields_access
def field_list(request):
    form = CustomFieldForm(_bound(request))
    if request.method == "POST":
        definition = submit(form, services.custom_field_create, workspace=request.workspace)
        if definition is not None:
            messages.success(
                request, f"Field “{definition.label}” added to every record's form and filters."
            )
            return redirect(_list_url(request))
    context = {"definitions": selectors.custom_field_definitions(request.workspace), "form": form}
    return render(request, "records/fields.html", context, status=_status(form))


@require_http_methods(["GET", "POST"])
@permissions.custom_fields_access
def field_edit(request, field_id):
    definition = selectors.custom_field_definition(request.workspace, field_id)
    form = CustomFieldForm(_bound(request), definition=definition)
    saved = request.method == "POST" and submit(
        form, services.custom_field_update, definition=definition
    )
    if saved:
        messages.success(request, f"Field “{definition.label}” saved.")
        return redirect(_list_url(request))
    context = {"definition": definition, "form": form}
    return render(request, "records/field_edit.html", context, status=_status(form))


@require_POST
@permissions.custom_fields_access
def field_delete(request, field_id):
    definition = selectors.custom_field_definition(request.workspace, field_id)
    services.custom_field_delete(definition=definition)
    messages.success(request, f"Field “{definition.label}” removed.")
    return redirect(_list_url(request))
