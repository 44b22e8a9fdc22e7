from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from playbook import audit, selectors, services
from playbook.access import admin_required, get_for_workspace_or_404
from playbook.forms import (
    AcceptInvitationForm,
    InviteForm,
    RoleForm,
    SignupConfirmForm,
    SignupForm,
    WorkspaceForm,
    apply_service_error,
)
from playbook.middleware import SESSION_KEY
from playbook.models import Invitation, Membership, SecurityEventKind


def root(request):
    """`/`: a member goes to the workspace they used last (or their first); others log in."""
    if not request.user.is_authenticated:
        return redirect("login")
    memberships = list(selectors.memberships_of_user(user=request.user))
    if not memberships:
        return redirect("workspace_list")
    last = request.session.get(SESSION_KEY)
    chosen = next((m for m in memberships if m.workspace.slug == last), memberships[0])
    return redirect("home", workspace_slug=chosen.workspace.slug)


def signup(request):
    """Step one: the same answer ("check your inbox") whether or not the address has an account,
    so the form cannot be used to find out who has one."""
    if request.user.is_authenticated:
        return redirect("root")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.signup_start(
                email=form.cleaned_data["email"],
                full_name=form.cleaned_data["full_name"],
                workspace_name=form.cleaned_data["workspace_name"],
                workspace_slug=form.cleaned_data["workspace_slug"],
                confirm_url_builder=lambda token: request.build_absolute_uri(
                    reverse("signup_confirm", args=[token])
                ),
                login_url=request.build_absolute_uri(reverse("login")),
                password_reset_url=request.build_absolute_uri(reverse("password_reset")),
            )
        except ValidationError as exc:
            apply_service_error(form, exc)
        else:
            return redirect("signup_sent")
    return render(request, "registration/signup.html", {"form": form}, status=_status(form))


def signup_sent(request):
    hours = settings.SIGNUP_LINK_TTL // 3600
    return render(request, "registration/signup_sent.html", {"hours": hours})


def signup_confirm(request, token):
    """Step two, from the e-mailed link: choose a password; the account and workspace are
    created now, and the new admin is logged in."""
    try:
        details = services.signup_details(token=token)
    except ValidationError as exc:
        context = {"errors": exc.messages}
        return render(request, "registration/signup_confirm.html", context, status=400)
    initial = {"workspace_name": details["workspace_name"], "workspace_slug": details["slug"]}
    form = SignupConfirmForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            user, workspace = services.workspace_signup(
                token=token,
                password=form.cleaned_data["password1"],
                workspace_name=form.cleaned_data["workspace_name"],
                workspace_slug=form.cleaned_data["workspace_slug"],
            )
        except ValidationError as exc:
            apply_service_error(form, exc)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, f"Welcome to {workspace.name}. You are its admin.")
            return redirect("home", workspace_slug=workspace.slug)
    context = {"form": form, "details": details}
    return render(request, "registration/signup_confirm.html", context, status=_status(form))


@login_required
def workspace_list(request):
    """The user's workspaces (to switch between) and a form to start another one."""
    form = WorkspaceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            workspace = services.workspace_create(
                name=form.cleaned_data["workspace_name"],
                slug=form.cleaned_data["workspace_slug"] or form.cleaned_data["workspace_name"],
                owner=request.user,
            )
        except ValidationError as exc:
            apply_service_error(form, exc)
        else:
            messages.success(request, f"Workspace {workspace.name} created.")
            return redirect("home", workspace_slug=workspace.slug)
    return render(request, "playbook/workspace_list.html", {"form": form}, status=_status(form))


def members(request, invite_form=None):
    workspace = request.workspace
    context = {
        "members": selectors.members(workspace),
        "invitations": selectors.pending_invitations(workspace)
        if request.membership.is_admin
        else [],
        "invite_form": invite_form or InviteForm(),
        "role_choices": RoleForm.base_fields["role"].choices,
    }
    status = 400 if invite_form is not None and invite_form.errors else 200
    return render(request, "playbook/members.html", context, status=status)


@require_POST
@admin_required
def member_invite(request):
    form = InviteForm(request.POST)
    if form.is_valid():
        try:
            invitation = services.invitation_create(
                workspace=request.workspace,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                invited_by=request.user,
                accept_url_builder=lambda token: request.build_absolute_uri(
                    reverse("invitation_accept", args=[token])
                ),
            )
        except ValidationError as exc:
            apply_service_error(form, exc)
        else:
            messages.success(request, f"Invitation sent to {invitation.email}.")
            return redirect("members", workspace_slug=request.workspace.slug)
    return members(request, invite_form=form)


@require_POST
@admin_required
def member_role(request, membership_id):
    membership = get_for_workspace_or_404(request.workspace, Membership, pk=membership_id)
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose one of the listed roles.")
    else:
        try:
            services.membership_change_role(
                membership=membership, role=form.cleaned_data["role"], actor=request.user
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, f"{membership.user} is now {form.cleaned_data['role']}.")
    return redirect("members", workspace_slug=request.workspace.slug)


@require_POST
@admin_required
def member_active(request, membership_id):
    membership = get_for_workspace_or_404(request.workspace, Membership, pk=membership_id)
    activate = request.POST.get("is_active") == "1"
    try:
        services.membership_set_active(
            membership=membership, is_active=activate, actor=request.user
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        verb = "reactivated" if activate else "deactivated"
        messages.success(request, f"{membership.user} {verb}.")
    return redirect("members", workspace_slug=request.workspace.slug)


@require_POST
@admin_required
def invitation_revoke(request, invitation_id):
    invitation = get_for_workspace_or_404(request.workspace, Invitation, pk=invitation_id)
    services.invitation_revoke(
        workspace=request.workspace, invitation_id=invitation.pk, actor=request.user
    )
    messages.success(request, f"Invitation for {invitation.email} withdrawn.")
    return redirect("members", workspace_slug=request.workspace.slug)


def invitation_accept(request, token):
    invitation = selectors.invitation_by_token(token=token)
    if invitation is None:
        context = {"errors": ["This invitation link is not valid. Ask an admin for a new one."]}
        return render(request, "registration/invitation_accept.html", context, status=404)
    context = {"invitation": invitation}
    if request.user.is_authenticated:
        form = None
        if request.method == "POST":
            try:
                services.invitation_accept(invitation=invitation, user=request.user)
            except ValidationError as exc:
                context["errors"] = exc.messages
            else:
                messages.success(request, f"You joined {invitation.workspace.name}.")
                return redirect("home", workspace_slug=invitation.workspace.slug)
    else:
        form = AcceptInvitationForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                membership = services.invitation_accept(
                    invitation=invitation,
                    full_name=form.cleaned_data["full_name"],
                    password=form.cleaned_data["password1"],
                )
            except ValidationError as exc:
                apply_service_error(form, exc)
            else:
                login(request, membership.user, backend="django.contrib.auth.backends.ModelBackend")
                messages.success(request, f"Welcome to {invitation.workspace.name}.")
                return redirect("home", workspace_slug=invitation.workspace.slug)
    if not invitation.is_pending and "errors" not in context:
        context["errors"] = [
            "This invitation has already been used. Log in instead."
            if invitation.accepted_at
            else "This invitation has expired or was withdrawn. Ask an admin for a new one."
        ]
    context["form"] = form
    status = 400 if context.get("errors") or (form is not None and form.errors) else 200
    return render(request, "registration/invitation_accept.html", context, status=status)


@require_GET
@admin_required
def audit_log(request):
    """Security-relevant events of the workspace, newest first, filterable by kind."""
    kinds = selectors.audit_kind_choices()
    kind = request.GET.get("kind") or ""
    cursor = request.GET.get("cursor") or None
    status, error, entries, next_cursor = 200, "", [], None
    if kind and kind not in dict(kinds):
        status, error = 400, "Choose one of the listed kinds of event."
    else:
        try:
            entries, next_cursor = selectors.audit_page(request.workspace, kind=kind, cursor=cursor)
        except selectors.InvalidAuditCursor as exc:
            status, error = 400, str(exc)
    context = {
        "entries": entries,
        "kinds": kinds,
        "kind": kind,
        "error": error,
        "cursor": cursor,
        "next_url": f"?{urlencode({'kind': kind, 'cursor': next_cursor})}" if next_cursor else None,
        "first_url": f"?{urlencode({'kind': kind})}",
    }
    return render(request, "playbook/audit.html", context, status=status)


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's view; the change is a security event of the account (audit page)."""

    def form_valid(self, form):
        response = super().form_valid(form)
        audit.security_record(user=form.user, kind=SecurityEventKind.PASSWORD_CHANGED)
        return response


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    def form_valid(self, form):
        response = super().form_valid(form)
        audit.security_record(user=form.user, kind=SecurityEventKind.PASSWORD_CHANGED)
        return response


def favicon(request):
    return redirect(static("favicon.svg"), permanent=True)


def _status(form) -> int:
    return 400 if form.is_bound and form.errors else 200
