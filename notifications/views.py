"""The member's notifications page, the bell in the navigation, and marking read."""

from django.http import HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from notifications import selectors, services, unread
from records import keyset
from records.views.common import is_partial, render_page

# Fired by every answer that changed the unread count: the bell listens and reloads itself.
CHANGED = "notifications-changed"


@require_GET
def notification_list(request):
    try:
        page = selectors.notifications_page(
            request.workspace, request.user, cursor=request.GET.get("cursor") or None
        )
    except keyset.InvalidCursor as exc:
        return HttpResponseBadRequest(str(exc))
    context = {"page": page, "first_page": not request.GET.get("cursor")}
    return render_page(request, "notifications/list.html", context, partial="items")


@require_GET
def bell(request):
    """The bell with its count, for the layout to load when the cache had none."""
    count = unread.count(request.workspace.pk, request.user.pk)
    response = render(request, "notifications/bell.html", {"unread_count": count})
    response["Cache-Control"] = "no-store"
    return response


@require_GET
def notification_open(request, notification_id):
    """Following a notification's link reads it and lands on the record."""
    notification = selectors.notification_of_member(
        request.workspace, request.user, notification_id
    )
    services.notification_mark_read(workspace=request.workspace, notification=notification)
    return redirect(
        reverse("records:detail", args=[request.workspace.slug, notification.record_id])
    )


@require_POST
def notification_read(request, notification_id):
    notification = selectors.notification_of_member(
        request.workspace, request.user, notification_id
    )
    services.notification_mark_read(workspace=request.workspace, notification=notification)
    if is_partial(request):
        response = render(request, "notifications/_item.html", {"notification": notification})
        response["HX-Trigger"] = CHANGED
        return response
    return redirect(reverse("notifications:list", args=[request.workspace.slug]))


@require_POST
def notifications_read_all(request):
    services.notifications_mark_all_read(workspace=request.workspace, user=request.user)
    return redirect(reverse("notifications:list", args=[request.workspace.slug]))
