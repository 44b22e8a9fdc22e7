"""Export CSV of the customer list (its filters, every matching customer) and of the whole MRR
ledger, streamed and audited like the records list's export (docs/data-in-out.md)."""

from django.http import HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from customers import forms
from customers.selectors import customers as customer_rows
from customers.selectors.customers import settings_or_defaults
from customers.selectors.export import (
    CUSTOMER_HEADER,
    LEDGER_HEADER,
    customer_export_rows,
    ledger_export_rows,
    ledger_row_count,
)
from customers.views.lists import customer_filters
from playbook import selectors as playbook_selectors
from playbook.audit import audit_export
from playbook.csvio import csv_response


def _filename(workspace, what: str) -> str:
    return f"{what}-{workspace.slug}-{timezone.localtime().strftime('%Y%m%d-%H%M')}.csv"


@require_GET
def customer_export(request):
    workspace = request.workspace
    members = list(playbook_selectors.members(workspace, active_only=True))
    form = forms.CustomerFilterForm(request.GET, members=members)
    if not form.is_valid():
        return HttpResponse(
            "Some filters could not be read. Fix them on the list and export again.",
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    filters = customer_filters(form.cleaned_data)
    today = workspace.today()
    engagement_days = settings_or_defaults(workspace).engagement_days
    count = customer_rows(workspace, filters, today=today, engagement_days=engagement_days).count()
    audit_export(request, what="customers", rows=count)
    rows = customer_export_rows(workspace, filters, today=today, engagement_days=engagement_days)
    return csv_response(_filename(workspace, "customers"), CUSTOMER_HEADER, rows)


@require_GET
def ledger_export(request):
    workspace = request.workspace
    audit_export(request, what="MRR ledger", rows=ledger_row_count(workspace))
    rows = ledger_export_rows(workspace)
    return csv_response(_filename(workspace, "mrr-ledger"), LEDGER_HEADER, rows)
