"""Settings › Custom fields: admins define the workspace's own record fields."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from playbook.forms import apply_service_error
from records import permissions, selectors, services
from records.forms import CustomFieldForm


def _list_url(request) -> str:
    return reverse("records:fields", args=[request.workspace.slug])


@require_http_methods(["GET", "POST"])
@permissions.custom_fields_access
def field_list(request):
    form = CustomFieldForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            definition = services.custom_field_create(
                workspace=request.workspace,
                label=form.cleaned_data["label"],
                kind=form.cleaned_data["kind"],
                choices=form.cleaned_data["choices"],
            )
        except ValidationError as exc:
            apply_service_error(form, exc)
        else:
            messages.success(
                request, f"Field “{definition.label}” added to every record's form and filters."
            )
            return redirect(_list_url(request))
    context = {"definitions": selectors.custom_field_definitions(request.workspace), "form": form}
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "records/fields.html", context, status=status)


@require_http_methods(["GET", "POST"])
@permissions.custom_fields_access
def field_edit(request, field_id):
    definition = selectors.custom_field_definition(request.workspace, field_id)
    form = CustomFieldForm(request.POST or None, definition=definition)
    if request.method == "POST" and form.is_valid():
        try:
            services.custom_field_update(
                definition=definition,
                label=form.cleaned_data["label"],
                choices=form.cleaned_data["choices"],
                position=form.cleaned_data["position"],
            )
        except ValidationError as exc:
            apply_service_error(form, exc)
        else:
            messages.success(request, f"Field “{definition.label}” saved.")
            return redirect(_list_url(request))
    status = 400 if form.is_bound and form.errors else 200
    context = {"definition": definition, "form": form}
    return render(request, "records/field_edit.html", context, status=status)


@require_POST
@permissions.custom_fields_access
def field_delete(request, field_id):
    definition = selectors.custom_field_definition(request.workspace, field_id)
    services.custom_field_delete(definition=definition)
    messages.success(request, f"Field “{definition.label}” removed.")
    return redirect(_list_url(request))
