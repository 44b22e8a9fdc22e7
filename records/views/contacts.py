"""Contacts on the record page: add, edit inline and remove, with htmx or with plain forms.

With htmx every action answers with the contacts section (a new primary contact changes the
other rows too); without it, the action redirects to the record page (or, on a mistake,
re-renders the page with the errors beside the fields, status 400).
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from records import permissions, selectors, services
from records.forms import ContactForm
from records.views.common import announce_record_changed, is_partial, submit
from records.views.records import detail_context


def _record_url(request, record) -> str:
    return reverse("records:detail", args=[request.workspace.slug, record.pk]) + "#contacts"


def _section(request, record, *, status=200, **extra):
    context = {
        "record": record,
        "contacts": list(selectors.contacts_of(request.workspace, record)),
        "contact_form": ContactForm(),
        **extra,
    }
    return render(request, "records/detail.html#contacts", context, status=status)


def _saved(request, record, contact, done: str):
    """The answer after a contact was added or saved: the section, or back to the page."""
    if is_partial(request):
        return announce_record_changed(_section(request, record, saved=contact))
    messages.success(request, f"{contact} {done}.")
    return redirect(_record_url(request, record))


@require_GET
def contacts_section(request, record_id):
    record = selectors.record_detail(request.workspace, record_id)
    if not is_partial(request):
        return redirect(_record_url(request, record))
    return _section(request, record)


@require_POST
def contact_create(request, record_id):
    record = selectors.record_detail(request.workspace, record_id)
    form = ContactForm(request.POST)
    contact = submit(form, services.contact_create, record=record, actor=request.user)
    if contact is not None:
        return _saved(request, record, contact, "added")
    if is_partial(request):
        return _section(request, record, contact_form=form, status=400)
    context = detail_context(request, record, contact_form=form)
    return render(request, "records/detail.html", context, status=400)


@require_http_methods(["GET", "POST"])
def contact_edit(request, record_id, contact_id):
    record = selectors.record_detail(request.workspace, record_id)
    contact = selectors.contact_of(request.workspace, record, contact_id)
    if request.method == "GET":
        form = ContactForm.for_contact(contact)
        context = {"record": record, "contact": contact, "edit_form": form}
        if is_partial(request):
            return render(request, "records/contact_edit.html#edit-form", context)
        return render(request, "records/contact_edit.html", context)
    form = ContactForm(request.POST)
    saved = submit(form, services.contact_update, contact=contact, actor=request.user)
    if saved is not None:
        return _saved(request, record, saved, "saved")
    if is_partial(request):
        return _section(request, record, editing=contact.pk, edit_form=form, status=400)
    context = {"record": record, "contact": contact, "edit_form": form}
    return render(request, "records/contact_edit.html", context, status=400)


@require_POST
def contact_delete(request, record_id, contact_id):
    record = selectors.record_detail(request.workspace, record_id)
    contact = selectors.contact_of(request.workspace, record, contact_id)
    successor = services.contact_delete(contact=contact, actor=request.user)
    note = f"{contact} removed."
    if successor is not None:
        note += f" {successor} is now the primary contact."
    if is_partial(request):
        return announce_record_changed(_section(request, record, note=note))
    messages.success(request, note)
    return redirect(_record_url(request, record))


@require_POST
@permissions.contact_erase_access
def contact_erase(request, record_id, contact_id):
    """An admin erases a contact's personal data on the person's request (ADR 0109)."""
    record = selectors.record_detail(request.workspace, record_id)
    contact = selectors.contact_of(request.workspace, record, contact_id)
    try:
        services.contact_erase(contact=contact, actor=request.user)
    except ValidationError as exc:
        note, status = " ".join(exc.messages), 409
    else:
        note, status = "The contact's personal data was erased; the audit log records it.", 200
    if is_partial(request):
        response = _section(request, record, note=note, status=status)
        return announce_record_changed(response) if status == 200 else response
    (messages.success if status == 200 else messages.error)(request, note)
    return redirect(_record_url(request, record))
