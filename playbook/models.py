"""Tenancy: the Workspace (the tenant), its members and their roles.

Every tenant-owned model elsewhere subclasses `TenantModel`, so the NOT NULL workspace FK is never
forgotten; each declares its own indexes leading with `workspace`.
"""

import hashlib
import zoneinfo

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils import timezone


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email, password=None, **extra):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person. Users log in with their e-mail; what they may do depends on each Membership."""

    email = models.EmailField(unique=True)
    full_name = models.CharField(max_length=150, blank=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = []

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_ci_unique"),
        ]

    def __str__(self):
        return self.full_name or self.email

    @property
    def display_name(self):
        return self.full_name or self.email.split("@")[0]


class Role(models.TextChoices):
    ADMIN = "admin", "Admin"
    LEADER = "leader", "Leader"
    MARKETING = "marketing", "Marketing"
    SDR = "sdr", "SDR"
    AE = "ae", "Account executive"
    SE = "se", "Sales engineer"
    CSM = "csm", "Customer success manager"
    RENEWALS = "renewals", "Renewals"


class Team(models.TextChoices):
    MARKETING = "marketing", "Marketing"
    INSIDE_SALES = "inside_sales", "Inside Sales"
    SALES = "sales", "Sales"
    CUSTOMER_SUCCESS = "customer_success", "Customer Success"
    RENEWALS = "renewals", "Renewals"


# Admins and leaders oversee every team and belong to none.
TEAM_OF_ROLE = {
    Role.MARKETING: Team.MARKETING,
    Role.SDR: Team.INSIDE_SALES,
    Role.AE: Team.SALES,
    Role.SE: Team.SALES,
    Role.CSM: Team.CUSTOMER_SUCCESS,
    Role.RENEWALS: Team.RENEWALS,
}


class Workspace(models.Model):
    """The tenant. Its slug is the `/w/<slug>/` prefix of every page inside it."""

    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=50, unique=True)
    # An IANA name ("Europe/Berlin"). Dates that belong to the workspace's day (a renewal's term
    # end, "today" for the renewal job) are computed in it, not in the server's zone.
    time_zone = models.CharField(max_length=64, default="UTC")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            # Slugs are made lower-case, but an address is one address however it is typed.
            models.UniqueConstraint(Lower("slug"), name="workspace_slug_ci_unique"),
        ]

    def __str__(self):
        return self.name

    @property
    def tzinfo(self):
        try:
            return zoneinfo.ZoneInfo(self.time_zone or "UTC")
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            return zoneinfo.ZoneInfo("UTC")

    def today(self, now=None):
        """The workspace's calendar date at `now` (default: this moment)."""
        return timezone.localtime(now or timezone.now(), self.tzinfo).date()


class TenantQuerySet(models.QuerySet):
    """Querysets of tenant tables read as domain language: `Record.objects.of(workspace)`.

    `of()` is the one entry point that scopes a query to a workspace, so an unscoped query of a
    tenant table stands out in review; tests/playbook/test_scoping.py finds any query of a tenant
    model that does not start with one of `entry_points`, and PostgreSQL's row-level security
    (playbook/rls.py) refuses it anyway. Code that really spans workspaces says so with
    `all_workspaces()` (ADR 0006).
    """

    # Manager methods a query of a tenant table may start with; subclasses add their own
    # explicitly cross-workspace entry points (e.g. a user's own memberships).
    entry_points = ("of", "all_workspaces")

    def of(self, workspace):
        """Rows of `workspace` (a Workspace or its id). Scoping twice to the same one is a no-op."""
        workspace_id = getattr(workspace, "pk", workspace)
        if workspace_id is None:
            raise ValueError("of() needs a saved workspace or its id.")
        if getattr(self, "_tenant_workspace_id", None) == workspace_id:
            return self._chain()
        scoped = self.filter(workspace_id=workspace_id)
        scoped._tenant_workspace_id = workspace_id
        return scoped

    def all_workspaces(self):
        """Explicitly cross-workspace (ops code, nightly fan-outs): every workspace's rows that
        the database lets this connection see. Under row-level security that is still only the
        workspace in scope; see playbook.tenancy."""
        return self.all()

    def _clone(self):
        clone = super()._clone()
        clone._tenant_workspace_id = getattr(self, "_tenant_workspace_id", None)
        return clone


TenantManager = models.Manager.from_queryset(TenantQuerySet)


class TenantModel(models.Model):
    """Base for every tenant-owned table: a NOT NULL workspace that no lookup may skip."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")

    objects = TenantManager()

    class Meta:
        abstract = True


class MembershipQuerySet(TenantQuerySet):
    entry_points = (*TenantQuerySet.entry_points, "of_user")

    def of_user(self, user):
        """The user's own memberships in every workspace: how the middleware finds the member
        before any workspace is in scope (the row-level policy lets `app.user_id` see them)."""
        return self.filter(user=user)


class Membership(TenantModel):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices)
    team = models.CharField(max_length=20, choices=Team.choices, blank=True)
    is_active = models.BooleanField(default=True)
    joined_at = models.DateTimeField(auto_now_add=True)
    # Round-robin handoffs pick the active team member assigned longest ago.
    last_assigned_at = models.DateTimeField(null=True, blank=True)

    objects = models.Manager.from_queryset(MembershipQuerySet)()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "user"], name="membership_unique_user"),
        ]
        indexes = [models.Index(fields=["workspace", "team", "is_active"])]

    def __str__(self):
        return f"{self.user} ({self.get_role_display()}) in {self.workspace_id}"

    def save(self, *args, **kwargs):
        self.team = TEAM_OF_ROLE.get(self.role, "")
        super().save(*args, **kwargs)

    @property
    def is_admin(self):
        return self.role == Role.ADMIN


class InvitationQuerySet(TenantQuerySet):
    entry_points = (*TenantQuerySet.entry_points, "by_token")

    def by_token(self, token: str):
        """The invitation an e-mailed link names, whatever its workspace: the invitee is not a
        member yet. Knowing the token is the permission (only its hash is stored)."""
        return self.filter(token_hash=Invitation.hash_token(token))


class Invitation(TenantModel):
    """An e-mailed link to join a workspace with a role. Only the token's hash is stored."""

    email = models.EmailField()
    role = models.CharField(max_length=20, choices=Role.choices)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = models.Manager.from_queryset(InvitationQuerySet)()

    class Meta:
        indexes = [models.Index(fields=["workspace", "email"])]
        constraints = [
            # One pending invitation per address: a new one revokes the earlier one first.
            models.UniqueConstraint(
                F("workspace"),
                Lower("email"),
                condition=Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="invitation_one_pending_per_address",
            ),
        ]

    def __str__(self):
        return f"Invitation for {self.email}"

    @staticmethod
    def hash_token(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()

    @property
    def is_pending(self):
        return (
            self.accepted_at is None
            and self.revoked_at is None
            and self.expires_at > timezone.now()
        )


# --- audit ----------------------------------------------------------------------------------


class AppendOnlyError(Exception):
    """A write that would change or remove a row of an append-only log."""


class AuditKind(models.TextChoices):
    """Security-relevant events of a workspace. Other apps record theirs through
    playbook.audit.audit_record with one of these kinds."""

    INVITATION_SENT = "invitation_sent", "Invitation sent"
    INVITATION_REVOKED = "invitation_revoked", "Invitation withdrawn"
    INVITATION_ACCEPTED = "invitation_accepted", "Invitation accepted"
    ROLE_CHANGED = "role_changed", "Role changed"
    MEMBER_DEACTIVATED = "member_deactivated", "Member deactivated"
    MEMBER_REACTIVATED = "member_reactivated", "Member reactivated"
    STAGE_CHANGED = "stage_changed", "Stage changed"
    RULE_CHANGED = "rule_changed", "Entry rule changed"
    RECORD_DELETED = "record_deleted", "Record deleted"
    RECORD_RESTORED = "record_restored", "Record restored"
    RECORD_MERGED = "record_merged", "Records merged"
    BULK_ACTION = "bulk_action", "Bulk action on records"
    CONTACT_ERASED = "contact_erased", "Contact's personal data erased"
    DO_NOT_CONTACT = "do_not_contact", "Do not contact changed"
    EXPORT = "export", "Data exported"
    IMPORT = "import", "Data imported"


class AuditEvent(TenantModel):
    """One security-relevant event in a workspace: who, when, from which address, on what.

    Append-only: save() refuses to change a stored event and delete() refuses to remove one; on
    PostgreSQL a trigger refuses UPDATE too (playbook/migrations/0005, as for stage history,
    ADR 0205). The target is described by type, id and a label taken when the event happened,
    so the event still reads right after its target changed or was erased; a label never holds
    personal data that an erasure removes (docs/adr/0014)."""

    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", db_index=False
    )
    kind = models.CharField(max_length=30, choices=AuditKind.choices)
    target_type = models.CharField(max_length=40, blank=True)
    target_id = models.BigIntegerField(null=True, blank=True)
    target_label = models.CharField(max_length=200, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["workspace", "-at", "-id"], name="audit_ws_at"),
            models.Index(fields=["workspace", "kind", "-at", "-id"], name="audit_ws_kind_at"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} at {self.at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AppendOnlyError("The audit log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("The audit log is append-only.")


class SecurityEventKind(models.TextChoices):
    LOGIN = "login", "Logged in"
    LOGIN_FAILED = "login_failed", "Failed log-in"
    LOCKOUT = "lockout", "Locked out"
    PASSWORD_CHANGED = "password_changed", "Password changed"


class SecurityEvent(models.Model):
    """An event of an account, not of a workspace: a log-in, a failed log-in, a lockout, a
    password change. Not tenant-owned: it happens before any workspace is chosen and concerns
    every workspace the account belongs to, so it carries no workspace and no row-level
    security; each workspace's audit page shows the events of its own members (ADR 0015).
    Append-only like AuditEvent; deleting the account deletes its events."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+", db_index=False)
    at = models.DateTimeField(default=timezone.now)
    kind = models.CharField(max_length=20, choices=SecurityEventKind.choices)
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "-at", "-id"], name="securityevent_user_at")]

    def __str__(self):
        return f"{self.get_kind_display()} of {self.user_id} at {self.at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AppendOnlyError("Security events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Security events are append-only.")
