from playbook import selectors


def workspace(request):
    """The current workspace and the user's other workspaces, for the layout's navigation."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "workspace": getattr(request, "workspace", None),
        "membership": getattr(request, "membership", None),
        "my_memberships": selectors.memberships_of_user(user=user),
    }
