"""/f/<key>/: a web form's public page (GET) and the endpoint its embedded snippet posts to
(POST), outside /w/<slug>/ and without a log-in. ADR 0017 says how the key finds the form and
the workspace is then set for row-level security.

A post is refused, with nothing saved, when its body is too large (413), its address or its
form sent too many posts this minute (429), the key names no active form (404), it carries a
field the form does not ask (400) or lacks a required one (400, the form shown again with the
errors beside the fields). A filled honeypot is answered like a success and saves nothing.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from dataio import selectors
from dataio.services.webforms import webform_submit
from dataio.webform_fields import HONEYPOT, SubmissionForm
from playbook import ratelimit, tenancy
from playbook.forms import apply_service_error
from playbook.security import client_ip
from records.models import CustomFieldDefinition

TEMPLATE = "dataio/webform_public.html"
WINDOW = 60  # seconds: the limits are posts per minute


def _refused(request, status: int, message: str, webform=None):
    response = render(request, TEMPLATE, {"webform": webform, "refusal": message}, status=status)
    if status == 429:
        response["Retry-After"] = str(WINDOW)
    return response


def _page(request, webform, form, *, status=200, unknown=()):
    context = {"webform": webform, "form": form, "honeypot": HONEYPOT, "unknown": unknown}
    response = render(request, TEMPLATE, context, status=status)
    if webform.redirect_url:
        # The browser checks the redirect after a post against the page's form-action.
        parts = urlsplit(webform.redirect_url)
        response._csp_update = {"form-action": [f"{parts.scheme}://{parts.netloc}"]}
    return response


def _success(request, webform):
    if webform.redirect_url:
        return HttpResponseRedirect(webform.redirect_url, status=303)
    return render(request, TEMPLATE, {"webform": webform, "thanks": True})


def _too_large(request) -> bool:
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return True
    return length > settings.WEBFORM_MAX_BYTES


@csrf_exempt  # posted from the company's own site, which has no token of ours (ADR 0017)
@transaction.non_atomic_requests  # the submission commits inside the workspace's scope
@require_http_methods(["GET", "POST"])
def webform_public(request, key):
    posted = request.method == "POST"
    if posted:
        if _too_large(request):
            return _refused(request, 413, "This form was sent with too much text.")
        address = client_ip(request) or "unknown"
        if not ratelimit.hit(
            f"webform:ip:{address}", limit=settings.WEBFORM_POSTS_PER_IP, window=WINDOW
        ):
            return _refused(
                request, 429, "Too many forms sent from your address. Try again in a minute."
            )
    webform = selectors.webform_by_key(key)
    if webform is None:
        raise Http404("No such form.")
    with tenancy.workspace_scope(webform.workspace_id):
        definitions = list(
            CustomFieldDefinition.objects.of(webform.workspace_id).order_by("position", "id")
        )
        if not posted:
            return _page(request, webform, SubmissionForm(webform=webform, definitions=definitions))
        if not ratelimit.hit(
            f"webform:form:{webform.pk}", limit=settings.WEBFORM_POSTS_PER_FORM, window=WINDOW
        ):
            return _refused(
                request, 429, "This form is receiving too many entries. Try again in a minute."
            )
        if request.POST.get(HONEYPOT):
            return _success(request, webform)
        form = SubmissionForm(request.POST, webform=webform, definitions=definitions)
        unknown = form.unknown_fields() + sorted(request.FILES)
        if unknown:
            return _page(request, webform, form, status=400, unknown=unknown)
        if not form.is_valid():
            return _page(request, webform, form, status=400)
        try:
            webform_submit(webform=webform, values=form.values(), definitions=definitions)
        except ValidationError as exc:
            apply_service_error(form, exc)
            return _page(request, webform, form, status=400)
    return _success(request, webform)
