"""Every write to workspaces, members and invitations. Keyword-only, atomic; bad input raises
ValidationError with a message a person can act on, and nothing is saved."""

import secrets

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.dispatch import Signal
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.text import slugify

from playbook import tenancy
from playbook.models import Invitation, Membership, Role, User, Workspace

# Sent inside the creating transaction, so other apps can give a new workspace its defaults
# (the pipeline app seeds the default stages) without this app importing them.
workspace_created = Signal()

RESERVED_SLUGS = {"admin", "static", "new", "settings", "api", "w"}


def _check_slug(slug: str) -> str:
    slug = slugify(slug)
    if not slug or slug in RESERVED_SLUGS:
        raise ValidationError({"workspace_slug": "Choose another address for the workspace."})
    if Workspace.objects.filter(slug=slug).exists():
        raise ValidationError({"workspace_slug": "That workspace address is already taken."})
    return slug


@transaction.atomic
def workspace_create(*, name: str, slug: str, owner: User) -> Workspace:
    workspace = Workspace.objects.create(name=name.strip(), slug=_check_slug(slug))
    with tenancy.workspace_scope(workspace):
        Membership.objects.create(workspace=workspace, user=owner, role=Role.ADMIN)
        workspace_created.send(sender=Workspace, workspace=workspace, owner=owner)
    return workspace


@transaction.atomic
def workspace_signup(
    *, email: str, password: str, full_name: str, workspace_name: str, workspace_slug: str = ""
) -> tuple[User, Workspace]:
    """A new person starts a new workspace and becomes its first admin."""
    email = User.objects.normalize_email(email).lower()
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError({"email": "An account with this e-mail already exists. Log in."})
    candidate = User(email=email, full_name=full_name)
    try:
        validate_password(password, user=candidate)
    except ValidationError as exc:
        raise ValidationError({"password1": exc.messages}) from exc
    slug = _check_slug(workspace_slug or workspace_name)
    user = User.objects.create_user(email=email, password=password, full_name=full_name.strip())
    workspace = workspace_create(name=workspace_name, slug=slug, owner=user)
    return user, workspace


@transaction.atomic
def invitation_create(
    *, workspace: Workspace, email: str, role: str, invited_by: User, accept_url_builder
) -> Invitation:
    """Invite `email` with `role`; e-mails a link built by `accept_url_builder(token)`."""
    email = User.objects.normalize_email(email).lower()
    if role not in Role.values:
        raise ValidationError({"role": f"Unknown role “{role}”."})
    if Membership.objects.of(workspace).filter(user__email__iexact=email, is_active=True).exists():
        raise ValidationError({"email": "This person is already a member of the workspace."})
    # A new invitation replaces any earlier one for the same address.
    Invitation.objects.of(workspace).filter(
        email__iexact=email, accepted_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=timezone.now())
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        workspace=workspace,
        email=email,
        role=role,
        token_hash=Invitation.hash_token(token),
        invited_by=invited_by,
        expires_at=timezone.now() + settings.INVITATION_TTL,
    )
    url = accept_url_builder(token)
    body = render_to_string(
        "playbook/email/invitation.txt",
        {"invitation": invitation, "workspace": workspace, "url": url, "inviter": invited_by},
    )
    # Sent after commit: a rolled-back invitation must not reach anyone's inbox.
    transaction.on_commit(
        lambda: send_mail(
            f"You are invited to {workspace.name} on Playbook CRM",
            body,
            settings.DEFAULT_FROM_EMAIL,
            [email],
        )
    )
    return invitation


def _usable_invitation(invitation: Invitation | None) -> Invitation:
    if invitation is None or invitation.revoked_at is not None:
        raise ValidationError("This invitation link is not valid. Ask an admin for a new one.")
    if invitation.accepted_at is not None:
        raise ValidationError("This invitation has already been used. Log in instead.")
    if invitation.expires_at <= timezone.now():
        raise ValidationError("This invitation has expired. Ask an admin to invite you again.")
    return invitation


@transaction.atomic
def invitation_accept(
    *,
    invitation: Invitation | None,
    user: User | None = None,
    full_name: str = "",
    password: str = "",
) -> Membership:
    """Turn an invitation into a membership. A newcomer sets a password; a person who already
    has an account accepts while logged in as that account."""
    if invitation is None:
        _usable_invitation(None)
    # The invitee is not a member yet: joining works in the invitation's workspace.
    with tenancy.workspace_scope(invitation.workspace_id):
        return _invitation_accept(
            invitation=invitation, user=user, full_name=full_name, password=password
        )


def _invitation_accept(*, invitation, user, full_name, password) -> Membership:
    invitation = _usable_invitation(
        Invitation.objects.of(invitation.workspace_id)
        .select_for_update()
        .filter(pk=invitation.pk)
        .first()
    )
    if user is None:
        if User.objects.filter(email__iexact=invitation.email).exists():
            raise ValidationError("You already have an account: log in to accept the invitation.")
        candidate = User(email=invitation.email, full_name=full_name)
        try:
            validate_password(password, user=candidate)
        except ValidationError as exc:
            raise ValidationError({"password1": exc.messages}) from exc
        user = User.objects.create_user(
            email=invitation.email, password=password, full_name=full_name.strip()
        )
    elif user.email.lower() != invitation.email.lower():
        raise ValidationError(
            f"This invitation is for {invitation.email}; you are logged in as {user.email}."
        )
    membership, _ = Membership.objects.update_or_create(
        workspace=invitation.workspace,
        user=user,
        defaults={"role": invitation.role, "is_active": True},
    )
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    return membership


@transaction.atomic
def invitation_revoke(*, workspace: Workspace, invitation_id: int) -> None:
    Invitation.objects.of(workspace).filter(pk=invitation_id, accepted_at__isnull=True).update(
        revoked_at=timezone.now()
    )


def invitations_expire(*, workspace_id: int) -> int:
    """Mark lapsed invitations revoked so they leave the pending list. Idempotent."""
    return (
        Invitation.objects.of(workspace_id)
        .filter(
            accepted_at__isnull=True,
            revoked_at__isnull=True,
            expires_at__lte=timezone.now(),
        )
        .update(revoked_at=timezone.now())
    )


def _ensure_another_admin(membership: Membership) -> None:
    others = (
        Membership.objects.of(membership.workspace_id)
        .filter(role=Role.ADMIN, is_active=True)
        .exclude(pk=membership.pk)
    )
    if membership.role == Role.ADMIN and not others.exists():
        raise ValidationError("A workspace needs at least one active admin.")


@transaction.atomic
def membership_change_role(*, membership: Membership, role: str) -> Membership:
    if role not in Role.values:
        raise ValidationError({"role": f"Unknown role “{role}”."})
    membership = (
        Membership.objects.of(membership.workspace_id).select_for_update().get(pk=membership.pk)
    )
    if role != Role.ADMIN:
        _ensure_another_admin(membership)
    membership.role = role
    membership.save(update_fields=["role", "team"])
    return membership


@transaction.atomic
def membership_set_active(*, membership: Membership, is_active: bool) -> Membership:
    membership = (
        Membership.objects.of(membership.workspace_id).select_for_update().get(pk=membership.pk)
    )
    if not is_active:
        _ensure_another_admin(membership)
    membership.is_active = is_active
    membership.save(update_fields=["is_active"])
    return membership
