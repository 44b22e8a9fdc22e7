from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from dashboards.views import landing
from playbook import views
from playbook.forms import PasswordResetForm

# Everything inside a workspace lives under /w/<workspace_slug>/; WorkspaceMiddleware resolves
# the slug (404 for non-members) and removes it from the view's kwargs.
workspace_patterns = [
    # The member's own dashboard home (dashboards.views.landing); the other homes live under
    # home/<home>/ (dashboards/urls.py).
    path("", landing, name="home"),
    path("members/", views.members, name="members"),
    path("members/invite/", views.member_invite, name="member_invite"),
    path("members/<int:membership_id>/role/", views.member_role, name="member_role"),
    path("members/<int:membership_id>/active/", views.member_active, name="member_active"),
    path(
        "invitations/<int:invitation_id>/revoke/",
        views.invitation_revoke,
        name="invitation_revoke",
    ),
    path("settings/audit/", views.audit_log, name="audit_log"),
    # Records pages live under records/, plus My tasks (tasks/) and settings/fields/.
    path("", include("records.urls")),
    # The pipeline's pages live under pipeline/ and its settings under settings/stages/.
    path("", include("pipeline.urls")),
    # The records CSV import lives under records/import/.
    path("", include("dataio.urls")),
    # Subscriptions, renewals and the customer list live under customers/.
    path("", include("customers.urls")),
    # Targets, the planner and the monthly metrics live under targets/.
    path("", include("targets.urls")),
    # The role homes and their panels live under home/.
    path("", include("dashboards.urls")),
    # Bulk actions on records live under records/bulk/ (before records' own routes).
    path("", include("bulk.urls")),
    # Settings › Jobs: background jobs, failed ones first.
    path("", include("jobs.urls")),
    # The member's notifications (and the bell's count) under notifications/.
    path("", include("notifications.urls")),
]

urlpatterns = [
    path("", views.root, name="root"),
    path("signup/", views.signup, name="signup"),
    path("signup/sent/", views.signup_sent, name="signup_sent"),
    path("signup/confirm/<str:token>/", views.signup_confirm, name="signup_confirm"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    # Forgotten password: Django's own views and token generator (single-use: the token is
    # bound to the password hash and last login; it expires after PASSWORD_RESET_TIMEOUT).
    path(
        "account/password/reset/",
        auth_views.PasswordResetView.as_view(
            form_class=PasswordResetForm, success_url="/account/password/reset/sent/"
        ),
        name="password_reset",
    ),
    path(
        "account/password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "account/password/reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(success_url="/account/password/reset/done/"),
        name="password_reset_confirm",
    ),
    path(
        "account/password/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "account/password/",
        views.PasswordChangeView.as_view(success_url="/account/password/done/"),
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
