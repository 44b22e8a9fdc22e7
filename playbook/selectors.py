from django.db.models import QuerySet
from django.utils import timezone

from playbook import tenancy
from playbook.models import Invitation, Membership, User, Workspace


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
