"""Writing notifications: created when a record is handed to someone, marked read by them."""

from django.db import transaction
from django.utils import timezone

from notifications import unread
from notifications.models import Notification, NotificationKind


def notification_for_owner_change(
    *,
    record,
    from_owner_id: int | None,
    to_owner_id: int | None,
    actor_id: int | None,
    reason: str,
    detail: str = "",
    key: str = "",
    withdraws: str = "",
) -> Notification | None:
    """The new owner hears of it, unless they did it themselves. `withdraws` removes the unread
    notification of the event an undo takes back (a read one stays: it happened)."""
    workspace_id = record.workspace_id
    touched = set()
    if withdraws:
        gone = Notification.objects.of(workspace_id).filter(key=withdraws, read_at__isnull=True)
        touched.update(gone.values_list("recipient_id", flat=True))
        gone.delete()
    created = None
    if to_owner_id is not None and to_owner_id != actor_id:
        created = Notification.objects.create(
            workspace_id=workspace_id,
            recipient_id=to_owner_id,
            actor_id=actor_id,
            record_id=record.pk,
            kind=NotificationKind.HANDOFF if reason == "handoff" else NotificationKind.ASSIGNED,
            detail=detail[:300],
            key=key[:80],
        )
        touched.add(to_owner_id)
    for user_id in touched:
        unread.forget_after_commit(workspace_id, user_id)
    return created


@transaction.atomic
def notification_mark_read(*, workspace, notification: Notification) -> Notification:
    if notification.read_at is None:
        notification.read_at = timezone.now()
        Notification.objects.of(workspace).filter(pk=notification.pk, read_at__isnull=True).update(
            read_at=notification.read_at
        )
        unread.forget_after_commit(workspace.pk, notification.recipient_id)
    return notification


@transaction.atomic
def notifications_mark_all_read(*, workspace, user) -> int:
    count = (
        Notification.objects.of(workspace)
        .filter(recipient=user, read_at__isnull=True)
        .update(read_at=timezone.now())
    )
    unread.forget_after_commit(workspace.pk, user.pk)
    return count
