"""The audit log: the one way any app records a security-relevant event of a workspace.

    from playbook.audit import audit_record
    from playbook.models import AuditKind

    audit_record(workspace=ws, actor=user, kind=AuditKind.EXPORT, target=None,
                 detail={"rows": 1200, "format": "csv"})

- `kind` is one of playbook.models.AuditKind (add a kind there, with a migration, for a new
  kind of event).
- `target` is the model instance the event is about (or None). Its type, id and a label are
  kept; `target_label` overrides the label (`str(target)` by default). Never put personal data
  that an erasure must remove into the label or the detail: an erased contact is "Contact #12".
- `detail` is a small JSON-serialisable dict shown on the audit page (key: value).
- `actor` and the client's address default to those of the request being served
  (AuditRequestMiddleware), so a service called from a view need not pass the request; a
  system job has neither.
- It writes in the caller's transaction: an action that rolls back leaves no event, and an event
  is never left without its action. It works from any context (a request of another workspace,
  an invitation link, a task): the write runs in the workspace's row-level-security scope.

Log-ins, failed log-ins, lockouts and password changes happen outside any workspace; they are
SecurityEvents of the account (ADR 0015), recorded by the receivers below.
"""

from __future__ import annotations

from contextvars import ContextVar

from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver

from playbook import tenancy
from playbook.models import AuditEvent, AuditKind, SecurityEvent, SecurityEventKind, User
from playbook.security import client_ip, login_username

_current_request: ContextVar = ContextVar("playbook_audit_request", default=None)


class AuditRequestMiddleware:
    """Makes the request being served known to audit_record (its user and address)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _current_request.set(request)
        try:
            return self.get_response(request)
        finally:
            _current_request.reset(token)


def _request_user(request):
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


def audit_record(
    *,
    workspace,
    actor: User | None = None,
    kind: str,
    target=None,
    detail: dict | None = None,
    request=None,
    target_label: str | None = None,
) -> AuditEvent:
    """Append one event to `workspace`'s audit log (see the module docstring)."""
    if kind not in AuditKind.values:
        raise ValueError(f"Unknown audit kind {kind!r}: add it to playbook.models.AuditKind.")
    request = request if request is not None else _current_request.get()
    if actor is None and request is not None:
        actor = _request_user(request)
    label = target_label if target_label is not None else (str(target) if target else "")
    event = AuditEvent(
        workspace_id=getattr(workspace, "pk", workspace),
        actor=actor,
        kind=kind,
        target_type=target._meta.model_name if target is not None else "",
        target_id=getattr(target, "pk", None),
        target_label=label[:200],
        detail=detail or {},
        ip_address=client_ip(request) if request is not None else None,
    )
    with tenancy.workspace_scope(event.workspace_id):
        event.save()
    return event


def audit_export(request, *, what: str, rows: int) -> AuditEvent:
    """An export of `request.workspace`'s data: which list, its filter (the query string, as the
    page had it) and how many rows the file holds."""
    query = request.GET.urlencode()
    return audit_record(
        workspace=request.workspace,
        kind=AuditKind.EXPORT,
        detail={"list": what, "filter": query[:500] or "none", "rows": rows},
        request=request,
    )


def security_record(*, user: User, kind: str, request=None) -> SecurityEvent:
    """Append one event of an account (log-in, failed log-in, lockout, password change)."""
    request = request if request is not None else _current_request.get()
    return SecurityEvent.objects.create(
        user=user, kind=kind, ip_address=client_ip(request) if request is not None else None
    )


def _account(username: str) -> User | None:
    return User.objects.filter(email__iexact=username).first() if username else None


@receiver(user_logged_in, dispatch_uid="playbook-audit-login")
def _logged_in(sender, request, user, **kwargs):
    security_record(user=user, kind=SecurityEventKind.LOGIN, request=request)


@receiver(user_login_failed, dispatch_uid="playbook-audit-login-failed")
def _login_failed(sender, credentials, request=None, **kwargs):
    # A failed log-in names an account only when the typed e-mail is one; attempts on unknown
    # addresses are counted by django-axes (its AccessAttempt table) and belong to no workspace.
    user = _account(login_username(request, credentials))
    if user is not None:
        security_record(user=user, kind=SecurityEventKind.LOGIN_FAILED, request=request)


def _locked_out(sender, request, username, ip_address, **kwargs):
    user = _account((username or "").strip().lower())
    if user is not None:
        security_record(user=user, kind=SecurityEventKind.LOCKOUT, request=request)


def connect_lockout_signal():
    from axes.signals import user_locked_out

    user_locked_out.connect(_locked_out, dispatch_uid="playbook-audit-lockout", weak=False)
