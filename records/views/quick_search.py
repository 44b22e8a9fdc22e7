"""The navigation's quick search: answers as you type (htmx), else the records list's search."""

from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.http import urlencode
from django.views.decorators.http import require_GET

from records.selectors.quick_search import quick_search as search_workspace
from records.views.common import is_partial


def see_all_url(request, term: str) -> str:
    # Everyone's records: the quick search is not limited to the viewer's own.
    query = urlencode({"owner": "any", "q": term}) if term else "owner=any"
    return f"{reverse('records:list', args=[request.workspace.slug])}?{query}"


@require_GET
def quick_search(request):
    term = (request.GET.get("q") or "").strip()
    if not is_partial(request):
        return redirect(see_all_url(request, term))
    results = search_workspace(request.workspace, term)
    context = {"results": results, "see_all_url": see_all_url(request, term)}
    response = render(request, "records/quick_search_results.html", context)
    patch_vary_headers(response, ("HX-Request",))  # the fragment is never the page's answer
    return response
