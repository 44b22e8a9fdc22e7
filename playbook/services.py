"""Every write to workspaces, members and invitations. Keyword-only, atomic; bad input raises
ValidationError with a message a person can act on, and nothing is saved."""

import secrets

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone
from django.utils.text import slugify

from playbook import tenancy
from playbook.audit import audit_record
from playbook.integrity import refused_as
from playbook.mail import send_after_commit
from playbook.models import AuditKind, Invitation, Membership, Role, User, Workspace
from playbook.validation import EMAIL_MAX_LENGTH, single_line

# Sent inside the creating transaction, so other apps can give a new workspace its defaults
# (the pipeline app seeds the default stages) without this app importing them.
workspace_created = Signal()
# Sent right after workspace_created, for defaults built on other apps' defaults (the records
# list's saved views name the pipeline's default stages), whatever order the apps load in.
workspace_set_up = Signal()

RESERVED_SLUGS = {"admin", "static", "new", "settings", "api", "w"}
SLUG_TAKEN = "That workspace address is already taken."
SIGNUP_SALT = "playbook.signup"
SIGNUP_LINK_USED = "This link was already used: your account exists. Log in."


def _check_slug(slug: str) -> str:
    slug = slugify(slug)
    if not slug or slug in RESERVED_SLUGS:
        raise ValidationError({"workspace_slug": "Choose another address for the workspace."})
    if Workspace.objects.filter(slug__iexact=slug).exists():
        raise ValidationError({"workspace_slug": SLUG_TAKEN})
    return slug


def _check_email(email: str) -> str:
    email = User.objects.normalize_email(single_line(email, field="email")).lower()
    if not email or len(email) > EMAIL_MAX_LENGTH:
        raise ValidationError(
            {"email": f"Enter an e-mail address of at most {EMAIL_MAX_LENGTH} characters."}
        )
    return email


def _check_workspace_name(name: str) -> str:
    name = single_line(name, field="workspace_name")
    if not name:
        raise ValidationError({"workspace_name": "Give the workspace a name."})
    if len(name) > Workspace._meta.get_field("name").max_length:
        raise ValidationError({"workspace_name": "Keep the name under 120 characters."})
    return name


@transaction.atomic
def workspace_create(*, name: str, slug: str, owner: User) -> Workspace:
    name = _check_workspace_name(name)
    slug = _check_slug(slug)
    with refused_as(
        {
            "workspace_slug_ci_unique": ValidationError({"workspace_slug": SLUG_TAKEN}),
            "slug": ValidationError({"workspace_slug": SLUG_TAKEN}),
        }
    ):
        workspace = Workspace.objects.create(name=name, slug=slug)
    with tenancy.workspace_scope(workspace):
        Membership.objects.create(workspace=workspace, user=owner, role=Role.ADMIN)
        workspace_created.send(sender=Workspace, workspace=workspace, owner=owner)
        workspace_set_up.send(sender=Workspace, workspace=workspace, owner=owner)
    return workspace


# --- sign-up --------------------------------------------------------------------------------
# Sign-up proves the address before anything exists: the form e-mails a signed link, and the
# account and workspace are made when the link is opened (where the password is chosen). The
# answer on the page is the same whether or not the address has an account; an existing owner
# gets a "you already have an account" e-mail instead of the link.


@transaction.atomic
def signup_start(
    *,
    email: str,
    full_name: str,
    workspace_name: str,
    workspace_slug: str = "",
    confirm_url_builder,
    login_url: str,
    password_reset_url: str,
) -> None:
    """Check the sign-up form and e-mail the address either a confirmation link (built by
    `confirm_url_builder(token)`) or, when it already has an account, a note saying so."""
    email = _check_email(email)
    full_name = single_line(full_name, field="full_name")
    workspace_name = _check_workspace_name(workspace_name)
    slug = _check_slug(workspace_slug or workspace_name)
    existing = User.objects.filter(email__iexact=email).first()
    if existing is not None:
        send_after_commit(
            subject="You already have a Playbook CRM account",
            template="registration/email/signup_existing.txt",
            context={"user": existing, "login_url": login_url, "reset_url": password_reset_url},
            to=email,
        )
        return
    token = signing.dumps(
        {"email": email, "full_name": full_name, "workspace_name": workspace_name, "slug": slug},
        salt=SIGNUP_SALT,
        compress=True,
    )
    send_after_commit(
        subject="Confirm your e-mail to create your Playbook CRM workspace",
        template="registration/email/signup_confirm.txt",
        context={
            "full_name": full_name,
            "workspace_name": workspace_name,
            "url": confirm_url_builder(token),
            "hours": settings.SIGNUP_LINK_TTL // 3600,
        },
        to=email,
    )


def signup_details(*, token: str) -> dict:
    """What the sign-up form said, from a confirmation link; ValidationError when the link is
    broken, expired or already used."""
    try:
        details = signing.loads(token, salt=SIGNUP_SALT, max_age=settings.SIGNUP_LINK_TTL)
    except signing.SignatureExpired as exc:
        raise ValidationError("This link has expired. Sign up again to get a new one.") from exc
    except signing.BadSignature as exc:
        raise ValidationError("This link is not valid. Sign up again to get a new one.") from exc
    if User.objects.filter(email__iexact=details["email"]).exists():
        raise ValidationError(SIGNUP_LINK_USED)
    return details


@transaction.atomic
def workspace_signup(
    *, token: str, password: str, workspace_name: str, workspace_slug: str = ""
) -> tuple[User, Workspace]:
    """The confirmed address becomes an account that starts a workspace as its first admin."""
    details = signup_details(token=token)
    candidate = User(email=details["email"], full_name=details["full_name"])
    try:
        validate_password(password, user=candidate)
    except ValidationError as exc:
        raise ValidationError({"password1": exc.messages}) from exc
    with refused_as(
        {
            "user_email_ci_unique": ValidationError(SIGNUP_LINK_USED),
            "email": (ValidationError(SIGNUP_LINK_USED)),
        }
    ):
        user = User.objects.create_user(
            email=details["email"], password=password, full_name=details["full_name"]
        )
    workspace = workspace_create(
        name=workspace_name, slug=workspace_slug or workspace_name, owner=user
    )
    return user, workspace


PENDING_INVITATION_CONSTRAINT = "invitation_one_pending_per_address"


@transaction.atomic
def invitation_create(
    *, workspace: Workspace, email: str, role: str, invited_by: User, accept_url_builder
) -> Invitation:
    """Invite `email` with `role`; e-mails a link built by `accept_url_builder(token)`. A new
    invitation replaces any pending one for the same address."""
    email = _check_email(email)
    if role not in Role.values:
        raise ValidationError({"role": f"Unknown role “{role}”."})
    if Membership.objects.of(workspace).filter(user__email__iexact=email, is_active=True).exists():
        raise ValidationError({"email": "This person is already a member of the workspace."})
    token = secrets.token_urlsafe(32)
    # Two admins inviting one address at the same moment: the partial unique constraint lets
    # one pending invitation through; the other replaces it, as a later invitation would.
    for attempt in range(2):
        _revoke_pending(workspace, email)
        try:
            with refused_as(
                {PENDING_INVITATION_CONSTRAINT: ValidationError("pending", code="pending")}
            ):
                invitation = Invitation.objects.create(
                    workspace=workspace,
                    email=email,
                    role=role,
                    token_hash=Invitation.hash_token(token),
                    invited_by=invited_by,
                    expires_at=timezone.now() + settings.INVITATION_TTL,
                )
            break
        except ValidationError:
            if attempt:
                raise ValidationError(
                    {"email": "Another invitation for this address was just sent. Try again."}
                ) from None
    send_after_commit(
        subject=f"You are invited to {workspace.name} on Playbook CRM",
        template="playbook/email/invitation.txt",
        context={
            "invitation": invitation,
            "workspace": workspace,
            "url": accept_url_builder(token),
            "inviter": invited_by,
        },
        to=email,
    )
    audit_record(
        workspace=workspace,
        actor=invited_by,
        kind=AuditKind.INVITATION_SENT,
        target=invitation,
        target_label=email,
        detail={"role": Role(role).label},
    )
    return invitation


def _revoke_pending(workspace: Workspace, email: str) -> None:
    Invitation.objects.of(workspace).filter(
        email__iexact=email, accepted_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=timezone.now())


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
        full_name = single_line(full_name, field="full_name")
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
    audit_record(
        workspace=invitation.workspace_id,
        actor=user,
        kind=AuditKind.INVITATION_ACCEPTED,
        target=invitation,
        target_label=invitation.email,
        detail={"role": Role(invitation.role).label},
    )
    return membership


@transaction.atomic
def invitation_revoke(
    *, workspace: Workspace, invitation_id: int, actor: User | None = None
) -> None:
    invitation = (
        Invitation.objects.of(workspace)
        .filter(pk=invitation_id, accepted_at__isnull=True, revoked_at__isnull=True)
        .first()
    )
    if invitation is None:
        return  # used or withdrawn meanwhile: nothing to withdraw
    Invitation.objects.of(workspace).filter(pk=invitation.pk).update(revoked_at=timezone.now())
    audit_record(
        workspace=workspace,
        actor=actor,
        kind=AuditKind.INVITATION_REVOKED,
        target=invitation,
        target_label=invitation.email,
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
def membership_change_role(
    *, membership: Membership, role: str, actor: User | None = None
) -> Membership:
    if role not in Role.values:
        raise ValidationError({"role": f"Unknown role “{role}”."})
    membership = (
        Membership.objects.of(membership.workspace_id).select_for_update().get(pk=membership.pk)
    )
    if role != Role.ADMIN:
        _ensure_another_admin(membership)
    before = membership.role
    membership.role = role
    membership.save(update_fields=["role", "team"])
    if before != role:
        audit_record(
            workspace=membership.workspace_id,
            actor=actor,
            kind=AuditKind.ROLE_CHANGED,
            target=membership,
            target_label=str(membership.user),
            detail={"from": Role(before).label, "to": Role(role).label},
        )
    return membership


@transaction.atomic
def membership_set_active(
    *, membership: Membership, is_active: bool, actor: User | None = None
) -> Membership:
    membership = (
        Membership.objects.of(membership.workspace_id).select_for_update().get(pk=membership.pk)
    )
    if not is_active:
        _ensure_another_admin(membership)
    if membership.is_active == is_active:
        return membership
    membership.is_active = is_active
    membership.save(update_fields=["is_active"])
    audit_record(
        workspace=membership.workspace_id,
        actor=actor,
        kind=AuditKind.MEMBER_REACTIVATED if is_active else AuditKind.MEMBER_DEACTIVATED,
        target=membership,
        target_label=str(membership.user),
    )
    return membership
