"""Merging two duplicate records: "Merge with…" on a record's page finds the other record with
the list's search; the confirmation shows both side by side, lets the user pick the survivor and
says which empty fields the other fills (docs/adr/0113)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from playbook.access import get_for_workspace_or_404
from records import permissions, selectors
from records.filters import OWNER_ANY, SEARCH_MIN
from records.models import Record
from records.services.merge import MergeRefused, MergeStale, merge_fills, records_merge
from records.views.common import render_page
from records.views.records import list_filters

CANDIDATES = 10


def _url(request, name, *args):
    return reverse(f"records:{name}", args=[request.workspace.slug, *args])


@require_GET
def merge_search(request, record_id):
    """Find the duplicate: the list's own search (names, domains, contacts' e-mails)."""
    workspace = request.workspace
    record = selectors.record_detail(workspace, record_id)
    term = (request.GET.get("q") or "").strip()
    candidates, status = [], 200
    if len(term) >= SEARCH_MIN:
        params = QueryDict(mutable=True)
        params.update({"q": term, "owner": OWNER_ANY})
        filterset, _, _ = list_filters(
            request, selectors.custom_field_definitions(workspace), params=params
        )
        if filterset.is_valid():
            candidates = list(
                filterset.qs.exclude(pk=record.pk)
                .select_related("owner", "stage")
                .order_by("name", "id")[:CANDIDATES]
            )
        else:
            status = 400
    context = {
        "record": record,
        "term": term,
        "candidates": candidates,
        "too_short": term and len(term) < SEARCH_MIN,
    }
    return render_page(request, "records/merge.html", context, partial="candidates", status=status)


def _pair(request, record_id, other_id) -> tuple[Record, Record]:
    """Both records of this workspace, deleted or not (the service refuses a deleted one with a
    reason); another workspace's id is 404."""
    workspace = request.workspace
    queryset = Record.objects.of(workspace).select_related("owner", "stage")
    return (
        get_for_workspace_or_404(workspace, queryset, pk=record_id),
        get_for_workspace_or_404(workspace, queryset, pk=other_id),
    )


def _side(workspace, record, other, definitions):
    return {
        "record": record,
        "contacts": selectors.contacts_of(workspace, record).count(),
        "fills": merge_fills(record, other, definitions),
    }


@require_http_methods(["GET", "POST"])
def merge_confirm(request, record_id, other_id):
    workspace = request.workspace
    first, second = _pair(request, record_id, other_id)
    error, status = "", 200
    if first.pk == second.pk:
        error, status = "A record cannot be merged with itself.", 400
    elif request.method == "POST":
        survivor_id = request.POST.get("survivor")
        if survivor_id not in (str(first.pk), str(second.pk)):
            error, status = "Choose which record to keep.", 400
        else:
            keep, gone = (first, second) if survivor_id == str(first.pk) else (second, first)
            versions = {r.pk: request.POST.get(f"version_{r.pk}", "") for r in (first, second)}
            if not all(v.isdigit() for v in versions.values()):
                error, status = "This form is out of date. Reload the page and merge again.", 400
            else:
                try:
                    records_merge(
                        workspace=workspace,
                        survivor=keep,
                        other=gone,
                        actor=request.user,
                        membership=request.membership,
                        survivor_version=int(versions[keep.pk]),
                        other_version=int(versions[gone.pk]),
                    )
                except MergeStale as exc:
                    error, status = " ".join(exc.messages), 409
                    first, second = _pair(request, record_id, other_id)
                except MergeRefused as exc:
                    error, status = " ".join(exc.messages), 400
                else:
                    messages.success(
                        request,
                        f"{gone.name} was merged into {keep.name}: its contacts and activities "
                        "are here, and its history shows on the timeline.",
                    )
                    return redirect(_url(request, "detail", keep.pk))
    if (
        not error
        and not permissions.can_delete_record(request.membership, second)
        and not (permissions.can_delete_record(request.membership, first))
    ):
        raise PermissionDenied("Only admins, leaders and a record's owner may merge it away.")
    definitions = selectors.custom_field_definitions(workspace)
    context = {
        "record": first,
        "sides": [
            _side(workspace, first, second, definitions),
            _side(workspace, second, first, definitions),
        ],
        "error": error,
        "survivor": request.POST.get("survivor") or str(first.pk),
    }
    return render(request, "records/merge_confirm.html", context, status=status)
