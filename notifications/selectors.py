"""Reading a member's notifications: always the workspace and the recipient first."""

from notifications.models import Notification
from playbook.access import get_for_workspace_or_404
from records import keyset

PAGE_SIZE = 25
ORDER = keyset.Order("created_at", descending=True)
SALT = "notifications.list"


def notifications_page(workspace, user, *, cursor: str | None = None, size: int = PAGE_SIZE):
    """One page of the member's notifications, newest first (keyset over notification_ws_inbox;
    InvalidCursor for a tampered cursor). Record and actor come in the same query."""
    queryset = (
        Notification.objects.of(workspace).filter(recipient=user).select_related("record", "actor")
    )
    return keyset.paginate(queryset, ORDER, salt=SALT, scope="newest", cursor=cursor, size=size)


def notification_of_member(workspace, user, notification_id) -> Notification:
    """The member's own notification or 404: another member's answers like a missing one."""
    return get_for_workspace_or_404(
        workspace,
        Notification.objects.of(workspace).filter(recipient=user).select_related("record", "actor"),
        pk=notification_id,
    )
