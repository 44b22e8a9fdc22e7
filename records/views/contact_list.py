"""The workspace's contacts list (contacts/): search, filters, keyset pages, each row linking to
its record."""

from django.views.decorators.http import require_GET

from records.keyset import InvalidCursor, Page
from records.models import Seniority
from records.selectors import contacts as selectors
from records.views.common import query_string, render_page


@require_GET
def contact_list(request):
    workspace = request.workspace
    query = selectors.ContactSearch(
        term=(request.GET.get("q") or "").strip(),
        seniority=request.GET.get("seniority") or "",
        validity=request.GET.get("validity") or "",
    )
    cursor = request.GET.get("cursor") or None
    status, cursor_error = 200, ""
    try:
        page = selectors.contacts_page(workspace, query, cursor=cursor)
    except InvalidCursor as exc:
        page, cursor_error, status = Page(items=[], next_cursor=None), str(exc), 400
    context = {
        "query": query,
        "page": page,
        "seniorities": Seniority.choices,
        "validities": [(key, label) for key, (label, _) in selectors.VALIDITY.items()],
        "cursor": cursor,
        "cursor_error": cursor_error,
        "first_url": query_string(request.GET, cursor=None),
        "next_url": query_string(request.GET, cursor=page.next_cursor)
        if page.next_cursor
        else None,
        "clear_url": request.path,
        # Asked only when the first page is empty: which empty state to show.
        "workspace_is_empty": not page.items
        and not cursor
        and not selectors.workspace_has_contacts(workspace),
    }
    return render_page(request, "records/contacts.html", context, partial="results", status=status)
