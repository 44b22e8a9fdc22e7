"""What every records view shares: full page or htmx partial, form to service, and safe
redirects back."""

from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme

from playbook.forms import apply_service_error


def is_partial(request) -> bool:
    """An htmx request that wants a fragment (a history restore wants the whole page)."""
    return bool(request.htmx) and not request.htmx.history_restore_request


def render_page(request, template: str, context: dict, *, partial: str, status: int = 200):
    """The whole page, or only its `partial` (an inline partialdef) for htmx."""
    name = f"{template}#{partial}" if is_partial(request) else template
    response = render(request, name, context, status=status)
    # Browsers and caches must not serve a fragment for the full page or the other way round.
    patch_vary_headers(response, ("HX-Request",))
    return response


# The event a fragment answer fires when it changed something a record's rules read (contacts,
# activities): panels of higher apps (the pipeline's stage checklist) listen for it and reload,
# so records need not know them.
RECORD_CHANGED = "record-changed"


def announce_record_changed(response):
    response["HX-Trigger"] = RECORD_CHANGED
    return response


def submit(form, service, **kwargs):
    """`service(**kwargs, **form.service_kwargs())` when the form is valid: what it returns, or
    None with the form's or the service's errors on the form."""
    if not form.is_valid():
        return None
    try:
        return service(**kwargs, **form.service_kwargs())
    except ValidationError as exc:
        apply_service_error(form, exc)
        return None


def safe_next(request, fallback: str) -> str:
    """The `next` the form sent, if it is a path on this site; otherwise `fallback`. ("abc"
    would be read by redirect() as a URL pattern's name.)"""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


def query_string(params, **changes) -> str:
    """`?...` of `params` (a QueryDict) with `changes` applied; None or "" removes a key."""
    merged = {key: params.getlist(key) for key in params}
    for key, value in changes.items():
        if value in (None, ""):
            merged.pop(key, None)
        else:
            merged[key] = [value]
    pairs = [(k, v) for k, values in merged.items() for v in values if v != ""]
    return f"?{urlencode(pairs)}" if pairs else "?"
