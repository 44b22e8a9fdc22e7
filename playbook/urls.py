from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from playbook import views

# Everything inside a workspace lives under /w/<workspace_slug>/; WorkspaceMiddleware resolves
# the slug (404 for non-members) and removes it from the view's kwargs.
workspace_patterns = [
    path("", views.home, name="home"),
    path("members/", views.members, name="members"),
    path("members/invite/", views.member_invite, name="member_invite"),
    path("members/<int:membership_id>/role/", views.member_role, name="member_role"),
    path("members/<int:membership_id>/active/", views.member_active, name="member_active"),
    path(
        "invitations/<int:invitation_id>/revoke/",
        views.invitation_revoke,
        name="invitation_revoke",
    ),
    # Records pages live under records/, plus My tasks (tasks/) and settings/fields/.
    path("", include("records.urls")),
    # The pipeline's pages live under pipeline/ and its settings under settings/stages/.
    path("", include("pipeline.urls")),
    # Subscriptions, renewals and the customer list live under customers/.
    path("", include("customers.urls")),
    # Targets, the planner and the monthly metrics live under targets/.
    path("", include("targets.urls")),
]

urlpatterns = [
    path("", views.root, name="root"),
    path("signup/", views.signup, name="signup"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "account/password/",
        auth_views.PasswordChangeView.as_view(success_url="/account/password/done/"),
        name="password_change",
    ),
    path(
        "account/password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("workspaces/", views.workspace_list, name="workspace_list"),
    path("invite/<str:token>/", views.invitation_accept, name="invitation_accept"),
    path("w/<slug:workspace_slug>/", include(workspace_patterns)),
    path("django-admin/", admin.site.urls),
    path("favicon.ico", views.favicon),
]
