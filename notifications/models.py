"""In-app notifications: a member's list of things that happened to them, newest first.

Today one kind of event lands here: being handed a record (a stage handoff, round-robin, an
owner changed by someone else). The task the handoff leaves stays the work item; the
notification is the news, read or unread, linking to the record.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from playbook.models import TenantModel


class NotificationKind(models.TextChoices):
    HANDOFF = "handoff", "Handed over"
    ASSIGNED = "assigned", "Assigned"


class Notification(TenantModel):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    record = models.ForeignKey("records.Record", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=NotificationKind.choices)
    # What happened, without the record's name (shown live, so a rename does not go stale).
    detail = models.CharField(max_length=300, blank=True)
    # The event it announces ("handoff:<transition id>"), so an undo can withdraw it.
    key = models.CharField(max_length=80, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            # The list: a member's notifications newest first, keyset on (created_at, id).
            models.Index(
                fields=["workspace", "recipient", "-created_at", "-id"],
                name="notification_ws_inbox",
            ),
            # The bell's count and "mark all read" touch only the unread ones.
            models.Index(
                fields=["workspace", "recipient"],
                name="notification_ws_unread",
                condition=Q(read_at__isnull=True),
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: record {self.record_id} to user {self.recipient_id}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None
