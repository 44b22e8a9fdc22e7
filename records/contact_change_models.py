"""Contact changes on a record's timeline (records.contact_changes writes them): a module of
its own because records/models.py is long; records.models re-exports the names."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from playbook.models import TenantModel


class ContactChangeKind(models.TextChoices):
    ADDED = "added", "Added a contact"
    EDITED = "edited", "Edited a contact"
    REMOVED = "removed", "Removed a contact"
    ERASED = "erased", "Erased a contact's personal data"


class ContactChange(TenantModel):
    """One line of a record's timeline about its contacts (contacts have no field history):
    who added, edited, removed or erased which contact, and for an edit each field's old and
    new value. Erasing a contact blanks the values and names of its earlier lines (ADR 0109),
    so the timeline keeps that something changed, never the person's data."""

    workspace = models.ForeignKey(
        "playbook.Workspace", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    record = models.ForeignKey("records.Record", on_delete=models.CASCADE, related_name="+")
    # Kept after the contact is removed (its lines stay on the timeline).
    contact = models.ForeignKey(
        "records.Contact", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    kind = models.CharField(max_length=8, choices=ContactChangeKind.choices)
    name = models.CharField(max_length=201)  # the contact's name then ("Erased contact" after)
    # [[label, old, new], ...] in words a person reads (records.contact_changes).
    changes = models.JSONField(default=list, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            # The timeline reads a record's lines newest first; erasure finds a contact's.
            models.Index(fields=["workspace", "record", "-at", "-id"], name="contact_change_ws_at"),
            models.Index(
                fields=["workspace", "contact"],
                name="contact_change_ws_contact",
                condition=Q(contact__isnull=False),
            ),
        ]
