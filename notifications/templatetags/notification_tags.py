from django import template

from notifications import unread

register = template.Library()


@register.inclusion_tag("notifications/bell.html", takes_context=True)
def notification_bell(context):
    """The bell from the cached count; with none cached, an empty bell that loads itself
    (notifications.unread says why the layout never counts)."""
    request = context["request"]
    workspace = context.get("workspace")
    return {
        "workspace": workspace,
        "unread_count": unread.cached(workspace.pk, request.user.pk),
    }
