"""Who is logging in and from where: the pieces django-axes (brute-force protection) and the
audit log share, so both name the same account and the same address."""

from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.shortcuts import render


def login_username(request, credentials=None) -> str:
    """The e-mail a log-in attempt names, as accounts store it (lower case): "Dana@X" and
    "dana@x" count against one account."""
    raw = (credentials or {}).get("username")
    if raw is None and request is not None:
        raw = request.POST.get("username")
    return (raw or "").strip().lower()


def client_ip(request) -> str | None:
    """The client's address. Behind TRUSTED_PROXY_COUNT proxies, the address the outermost
    trusted proxy saw (the entries further left in X-Forwarded-For can be forged by the client);
    otherwise the socket's address."""
    count = settings.TRUSTED_PROXY_COUNT
    if count:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= count:
            return forwarded[-count]
    return request.META.get("REMOTE_ADDR") or None


def lockout_response(request, original_response=None, credentials=None):
    """The log-in page again, saying that logging in is blocked and for how long (429)."""
    context = {
        "form": AuthenticationForm(request),
        "locked_out": True,
        "cooloff_minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
        "username": login_username(request, credentials),
        "next": request.POST.get("next", "") if request.method == "POST" else "",
    }
    return render(request, "registration/login.html", context, status=429)
