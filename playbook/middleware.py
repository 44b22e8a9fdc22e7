from django.contrib.auth.views import redirect_to_login
from django.http import Http404

from playbook import selectors, tenancy

SESSION_KEY = "current_workspace_slug"


class WorkspaceMiddleware:
    """Resolves `/w/<workspace_slug>/...` into `request.workspace` and `request.membership`.

    A visitor who is not an active member gets 404, never 403, so that a workspace's existence is
    not revealed. The slug is removed from the view's kwargs: views read `request.workspace`.

    It also tells the database connection whom it works for (playbook.tenancy): nothing at the
    start of a request, the user and the workspace once resolved, nothing again at the end, even
    after an exception, so a reused connection carries nothing over.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.workspace = None
        request.membership = None
        tenancy.begin_request()
        try:
            return self.get_response(request)
        finally:
            tenancy.end_request()

    def process_view(self, request, view_func, view_args, view_kwargs):
        slug = view_kwargs.pop("workspace_slug", None)
        authenticated = request.user.is_authenticated
        if authenticated:
            tenancy.enter(user=request.user)
        if slug is None:
            return None
        if not authenticated:
            return redirect_to_login(request.get_full_path())
        membership = selectors.membership_for(user=request.user, workspace_slug=slug)
        if membership is None:
            raise Http404("No such workspace.")
        tenancy.enter(workspace=membership.workspace_id)
        request.membership = membership
        request.workspace = membership.workspace
        if request.session.get(SESSION_KEY) != slug:
            request.session[SESSION_KEY] = slug
        return None
