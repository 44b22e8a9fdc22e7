from dataclasses import dataclass
from datetime import datetime

from django.core import signing
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from playbook import tenancy
from playbook.models import (
    AuditEvent,
    AuditKind,
    Invitation,
    Membership,
    SecurityEvent,
    SecurityEventKind,
    User,
    Workspace,
)


def membership_for(*, user: User, workspace_slug: str) -> Membership | None:
    return (
        Membership.objects.of_user(user)
        .select_related("workspace")
        .filter(workspace__slug=workspace_slug, is_active=True)
        .first()
    )


def memberships_of_user(*, user: User) -> QuerySet[Membership]:
    return (
        Membership.objects.of_user(user)
        .select_related("workspace")
        .filter(is_active=True)
        .order_by("workspace__name")
    )


def members(workspace: Workspace, *, active_only: bool = False) -> QuerySet[Membership]:
    qs = Membership.objects.of(workspace).select_related("user")
    if active_only:
        qs = qs.filter(is_active=True)
    return qs.order_by("-is_active", "user__full_name", "user__email")


def membership_in(workspace: Workspace, *, membership_id: int) -> Membership | None:
    return Membership.objects.of(workspace).select_related("user").filter(pk=membership_id).first()


def pending_invitations(workspace: Workspace) -> QuerySet[Invitation]:
    return (
        Invitation.objects.of(workspace)
        .filter(
            accepted_at__isnull=True,
            revoked_at__isnull=True,
            expires_at__gt=timezone.now(),
        )
        .order_by("-created_at")
    )


def invitation_by_token(*, token: str) -> Invitation | None:
    token_hash = Invitation.hash_token(token)
    with tenancy.invitation_scope(token_hash):
        return Invitation.objects.by_token(token).select_related("workspace").first()


def workspace_users(workspace: Workspace) -> QuerySet[User]:
    """Users who are active members: the people records and tasks can be assigned to."""
    return User.objects.filter(
        memberships__workspace=workspace, memberships__is_active=True
    ).order_by("full_name", "email")


# --- audit log ------------------------------------------------------------------------------

AUDIT_PAGE_SIZE = 50
_AUDIT_CURSOR_SALT = "playbook.audit.cursor"
# The page merges two tables in one order: newest first, then by source, then by id.
_WORKSPACE, _ACCOUNT = "w", "s"


class InvalidAuditCursor(ValueError):
    pass


@dataclass(frozen=True)
class AuditEntry:
    at: datetime
    source: str
    id: int
    kind: str
    kind_label: str
    actor: User | None
    target_label: str
    detail: dict
    ip_address: str | None

    @property
    def is_account_event(self) -> bool:
        return self.source == _ACCOUNT

    @property
    def detail_items(self) -> list[tuple[str, str]]:
        return [
            (key, ", ".join(map(str, value)) if isinstance(value, list) else str(value))
            for key, value in self.detail.items()
        ]


def audit_kind_choices() -> list[tuple[str, str]]:
    return sorted([*AuditKind.choices, *SecurityEventKind.choices], key=lambda c: c[1])


def _after(cursor_at, cursor_source, cursor_id, source) -> Q:
    """Rows of `source` that come after the cursor in (at desc, source desc, id desc)."""
    same_instant = (
        Q() if source < cursor_source else Q(id__lt=cursor_id) if source == cursor_source else None
    )
    after = Q(at__lt=cursor_at)
    if same_instant is not None:
        after |= Q(at=cursor_at) & same_instant
    return Q(at__lte=cursor_at) & after


def audit_page(workspace: Workspace, *, kind: str = "", cursor: str | None = None):
    """One page of the workspace's audit log, newest first: its own events and the account
    events (log-ins, failed log-ins, lockouts, password changes) of its members since they
    joined (ADR 0015). Returns (entries, next_cursor). Two queries of at most a page each."""
    position = _decode_audit_cursor(cursor) if cursor else None
    size = AUDIT_PAGE_SIZE
    entries: list[AuditEntry] = []
    if not kind or kind in AuditKind.values:
        events = AuditEvent.objects.of(workspace).select_related("actor")
        if kind:
            events = events.filter(kind=kind)
        if position:
            events = events.filter(_after(*position, _WORKSPACE))
        entries += [
            AuditEntry(
                e.at,
                _WORKSPACE,
                e.pk,
                e.kind,
                e.get_kind_display(),
                e.actor,
                e.target_label,
                e.detail,
                e.ip_address,
            )
            for e in events.order_by("-at", "-id")[: size + 1]
        ]
    if not kind or kind in SecurityEventKind.values:
        joined = Membership.objects.of(workspace).filter(
            user_id=OuterRef("user_id"), joined_at__lte=OuterRef("at")
        )
        account = SecurityEvent.objects.filter(Exists(joined)).select_related("user")
        if kind:
            account = account.filter(kind=kind)
        if position:
            account = account.filter(_after(*position, _ACCOUNT))
        entries += [
            AuditEntry(
                e.at,
                _ACCOUNT,
                e.pk,
                e.kind,
                e.get_kind_display(),
                e.user,
                "",
                {},
                e.ip_address,
            )
            for e in account.order_by("-at", "-id")[: size + 1]
        ]
    entries.sort(key=lambda e: (e.at, e.source, e.id), reverse=True)
    next_cursor = None
    if len(entries) > size:
        entries = entries[:size]
        last = entries[-1]
        next_cursor = signing.dumps(
            [last.at.isoformat(), last.source, last.id], salt=_AUDIT_CURSOR_SALT
        )
    return entries, next_cursor


def _decode_audit_cursor(cursor: str):
    try:
        at, source, pk = signing.loads(cursor, salt=_AUDIT_CURSOR_SALT)
        position = datetime.fromisoformat(at), str(source), int(pk)
    except (signing.BadSignature, ValueError, TypeError) as exc:
        raise InvalidAuditCursor("This page link is broken or out of date.") from exc
    if position[1] not in (_WORKSPACE, _ACCOUNT):
        raise InvalidAuditCursor("This page link is broken or out of date.")
    return position
