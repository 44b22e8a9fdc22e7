"""The bell's unread count, kept in the cache per member.

Why a cache and not a query in the layout: the bell is on every page, and every page has a
query-count bound (and a CPU budget at scale); a COUNT per page view would add one query to all
of them. The count is cached under the member's key and forgotten when it can change (a
notification created for them, one or all marked read), after commit, so a rolled-back handoff
leaves it alone. When the cache has no count (first page after a change, Redis down) the layout
asks for the bell lazily with htmx (notifications:bell), which counts once and caches; the page
itself never queries for it.
"""

from django.core.cache import cache
from django.db import transaction

from notifications.models import Notification

# Counting stops here: "99+" says enough, and the count reads at most this many index entries.
CAP = 100
TTL = 24 * 3600


def key(workspace_id: int, user_id: int) -> str:
    return f"notifications:unread:{workspace_id}:{user_id}"


def cached(workspace_id: int, user_id: int) -> int | None:
    return cache.get(key(workspace_id, user_id))


def count(workspace_id: int, user_id: int) -> int:
    """Unread notifications of the member, up to CAP (one query through the partial index),
    and cached until the next change."""
    found = (
        Notification.objects.of(workspace_id)
        .filter(recipient_id=user_id, read_at__isnull=True)
        .order_by()
        .values("pk")[:CAP]
        .count()
    )
    cache.set(key(workspace_id, user_id), found, TTL)
    return found


def forget_after_commit(workspace_id: int, user_id: int) -> None:
    transaction.on_commit(lambda: cache.delete(key(workspace_id, user_id)))
