"""Saved views of the records list, each role's default view and a member's own column choice.

Imported by records/models.py, so Django counts these as the records app's models; kept apart
because records/models.py is long already. docs/adr/0112 has the design.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from playbook.models import TenantModel


class SavedView(TenantModel):
    """A named set of the list's filters, sort and columns.

    `params` holds the list's query as its URL spells it ({"stage": ["12"], "owner": ["me"],
    "sort": ["-icp"]}): applying a view is reading the list with those parameters, so a view
    filters exactly as a bookmarked address would. Private views are their owner's alone;
    shared ones every member sees. Built-in views (`builtin` set, no owner) are shared views a
    workspace starts with; admins edit or delete them like any shared view."""

    workspace = models.ForeignKey(
        "playbook.Workspace", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    name = models.CharField(max_length=80)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,  # looked up with the workspace (savedview_ws_owner)
    )
    shared = models.BooleanField(default=False)
    builtin = models.CharField(max_length=40, blank=True)
    params = models.JSONField(default=dict, blank=True)
    columns = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["workspace", "owner"], name="savedview_ws_owner")]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "builtin"],
                condition=~Q(builtin=""),
                name="savedview_unique_builtin",
            ),
            # A private view belongs to someone.
            models.CheckConstraint(
                condition=Q(shared=True) | Q(owner__isnull=False),
                name="savedview_private_has_owner",
            ),
        ]

    def __str__(self):
        return self.name


class RoleDefaultView(TenantModel):
    """The view a role's members open the records list on (/records/ without a query)."""

    workspace = models.ForeignKey(
        "playbook.Workspace", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    role = models.CharField(max_length=20)
    view = models.ForeignKey(SavedView, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "role"], name="roledefaultview_unique")
        ]


class ColumnChoice(TenantModel):
    """A member's own choice of the list's columns: for the list without a view (`view` null),
    or for a view they may not change (a shared one of someone else's)."""

    workspace = models.ForeignKey(
        "playbook.Workspace", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    view = models.ForeignKey(
        SavedView, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    columns = models.JSONField(default=list)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "user", "view"], name="columnchoice_unique_view"
            ),
            # NULLs are distinct in a unique index: the list without a view needs its own.
            models.UniqueConstraint(
                fields=["workspace", "user"],
                condition=Q(view__isnull=True),
                name="columnchoice_unique_list",
            ),
        ]
