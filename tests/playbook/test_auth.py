"""Sign-up, invitations and member administration, through the HTTP layer and the services."""

import re
from datetime import timedelta

import pytest
from django.core import mail, signing
from django.core.exceptions import ValidationError
from django.utils import timezone

from playbook import services
from playbook.models import Invitation, Membership, Role, User, Workspace
from tests.factories import PASSWORD, InvitationFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

GOOD = "a-Sturdy-passphrase-42"


def signup_data(**over):
    data = {
        "full_name": "Dana Founder",
        "email": "dana@example.com",
        "workspace_name": "Dana Analytics",
        "workspace_slug": "",
    }
    data.update(over)
    return data


def link_in(message, marker: str) -> str:
    line = next(line for line in message.body.splitlines() if marker in line)
    return line[line.index(marker) :].strip()


def _main(response) -> str:
    """The page's own content, without the per-request CSRF token and CSP nonce."""
    html = response.content.decode()
    return html[html.index("<article") : html.index("</article>")]


class TestSignup:
    def test_confirmed_address_creates_user_workspace_and_admin_membership(
        self, client, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post("/signup/", signup_data())
        assert response.status_code == 302
        assert response["Location"] == "/signup/sent/"
        # Nothing exists until the address is confirmed.
        assert not User.objects.exists() and not Workspace.objects.exists()
        assert len(mail.outbox) == 1 and mail.outbox[0].to == ["dana@example.com"]
        link = link_in(mail.outbox[0], "/signup/confirm/")

        page = client.get(link)
        assert page.status_code == 200
        assert "dana@example.com" in page.content.decode()
        done = client.post(
            link,
            {
                "password1": GOOD,
                "password2": GOOD,
                "workspace_name": "Dana Analytics",
                "workspace_slug": "dana-analytics",
            },
        )
        assert done.status_code == 302
        assert done["Location"] == "/w/dana-analytics/"
        workspace = Workspace.objects.get(slug="dana-analytics")
        membership = Membership.objects.get(workspace=workspace)
        assert membership.user.email == "dana@example.com"
        assert membership.user.full_name == "Dana Founder"
        assert membership.role == Role.ADMIN
        # The new admin is logged in and lands on a real home page.
        home = client.get("/w/dana-analytics/")
        assert home.status_code == 200
        assert "Dana Analytics" in home.content.decode()
        # The link is single-use: the account exists now.
        client.logout()
        again = client.post(link, {"password1": GOOD, "password2": GOOD, "workspace_name": "X"})
        assert again.status_code == 400
        assert "already used" in again.content.decode()
        assert User.objects.count() == 1

    def test_answer_is_the_same_whether_or_not_the_address_has_an_account(
        self, client, django_capture_on_commit_callbacks
    ):
        UserFactory(email="taken@example.com")
        with django_capture_on_commit_callbacks(execute=True):
            known = client.post("/signup/", signup_data(email="TAKEN@example.com"))
            unknown = client.post("/signup/", signup_data(email="fresh@example.com"))
        assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
        assert _main(client.get(known["Location"])) == _main(client.get(unknown["Location"]))
        # The owner of the existing address is told, with no sign-up link in it.
        existing = next(m for m in mail.outbox if m.to == ["taken@example.com"])
        assert "already have an account" in existing.body
        assert "/signup/confirm/" not in existing.body
        assert "/account/password/reset/" in existing.body
        assert User.objects.count() == 1

    def test_expired_or_tampered_link_creates_nothing(self, client, settings):
        token = signing.dumps(
            {"email": "e@example.com", "full_name": "E", "workspace_name": "E", "slug": "e"},
            salt=services.SIGNUP_SALT,
        )
        settings.SIGNUP_LINK_TTL = -1
        expired = client.get(f"/signup/confirm/{token}/")
        assert expired.status_code == 400
        assert "expired" in expired.content.decode()
        settings.SIGNUP_LINK_TTL = 3600
        tampered = client.get(f"/signup/confirm/{token[:-2]}xx/")
        assert tampered.status_code == 400
        assert "not valid" in tampered.content.decode()
        assert not User.objects.exists()

    @pytest.mark.parametrize(
        ("over", "field", "message"),
        [
            ({"workspace_slug": "taken"}, "workspace_slug", "already taken"),
            ({"email": "not-an-email"}, "email", "valid email"),
            ({"workspace_slug": "admin"}, "workspace_slug", "another address"),
            ({"workspace_name": "Two\nLines"}, "workspace_name", "one line"),
            ({"full_name": "Tab\tbed"}, "full_name", "one line"),
            ({"email": "a" * 245 + "@example.com"}, "email", "at most 254"),
        ],
    )
    def test_bad_input_is_explained_and_nothing_is_sent(self, client, over, field, message):
        MembershipFactory(workspace__slug="taken")
        users, workspaces = User.objects.count(), Workspace.objects.count()
        response = client.post("/signup/", signup_data(**over))
        assert response.status_code == 400
        errors = response.context["form"].errors
        assert field in errors, errors
        assert message in " ".join(errors[field])
        assert (User.objects.count(), Workspace.objects.count()) == (users, workspaces)
        assert mail.outbox == []

    @pytest.mark.parametrize(
        ("password", "message"),
        [("password", "too common"), ("12345678901", "numeric")],
    )
    def test_weak_password_on_confirm_creates_nothing(self, client, password, message):
        token = signing.dumps(
            {"email": "w@example.com", "full_name": "W", "workspace_name": "W Co", "slug": "w-co"},
            salt=services.SIGNUP_SALT,
            compress=True,
        )
        data = {"password1": password, "password2": password, "workspace_name": "W Co"}
        response = client.post(f"/signup/confirm/{token}/", data)
        assert response.status_code == 400
        assert message in " ".join(response.context["form"].errors["password1"])
        assert not User.objects.exists() and not Workspace.objects.exists()


class TestInvitations:
    def test_admin_invites_and_invitee_sets_password_and_joins_with_role(
        self, admin_client, workspace, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            response = admin_client.post(
                f"/w/{workspace.slug}/members/invite/", {"email": "sam@example.com", "role": "sdr"}
            )
        assert response.status_code == 302
        assert len(mail.outbox) == 1
        link = next(line for line in mail.outbox[0].body.splitlines() if "/invite/" in line)
        path = link[link.index("/invite/") :].strip()

        admin_client.logout()
        page = admin_client.get(path)
        assert page.status_code == 200
        assert "SDR" in page.content.decode()
        joined = admin_client.post(
            path, {"full_name": "Sam Rep", "password1": GOOD, "password2": GOOD}
        )
        assert joined.status_code == 302
        membership = Membership.objects.get(workspace=workspace, user__email="sam@example.com")
        assert membership.role == Role.SDR
        assert membership.team == "inside_sales"
        assert admin_client.get(f"/w/{workspace.slug}/").status_code == 200
        # The link is single-use.
        admin_client.logout()
        again = admin_client.post(
            path, {"full_name": "Mallory", "password1": GOOD, "password2": GOOD}
        )
        assert again.status_code == 400
        assert "already been used" in again.content.decode()

    def test_existing_user_accepts_while_logged_in(self, client, workspace):
        person = UserFactory(email="pat@example.com")
        InvitationFactory(workspace=workspace, email="pat@example.com", token="tok-pat")
        client.force_login(person)
        assert client.post("/invite/tok-pat/").status_code == 302
        assert Membership.objects.filter(workspace=workspace, user=person).exists()

    def test_invalid_token(self, client):
        response = client.get("/invite/no-such-token/")
        assert response.status_code == 404
        assert "not valid" in response.content.decode()

    def test_expired_invitation_creates_nothing(self, client, workspace):
        InvitationFactory(
            workspace=workspace,
            token="tok-old",
            email="late@example.com",
            expires_at=timezone.now() - timedelta(minutes=1),
        )
        response = client.post(
            "/invite/tok-old/", {"full_name": "Late", "password1": GOOD, "password2": GOOD}
        )
        assert response.status_code == 400
        assert "expired" in response.content.decode()
        assert not User.objects.filter(email="late@example.com").exists()

    def test_weak_password_on_accept_creates_nothing(self, client, workspace):
        InvitationFactory(workspace=workspace, token="tok-weak", email="weak@example.com")
        response = client.post(
            "/invite/tok-weak/", {"full_name": "W", "password1": "123", "password2": "123"}
        )
        assert response.status_code == 400
        assert not User.objects.filter(email="weak@example.com").exists()

    def test_unknown_role_is_refused(self, admin_client, workspace):
        response = admin_client.post(
            f"/w/{workspace.slug}/members/invite/", {"email": "x@example.com", "role": "overlord"}
        )
        assert response.status_code == 400
        assert "role" in response.context["invite_form"].errors
        assert not Invitation.objects.exists()
        assert mail.outbox == []

    def test_inviting_an_active_member_is_refused(self, admin_client, workspace, admin):
        response = admin_client.post(
            f"/w/{workspace.slug}/members/invite/", {"email": admin.user.email, "role": "ae"}
        )
        assert response.status_code == 400
        assert "already a member" in response.content.decode()

    def test_members_page_lists_only_live_invitations(self, admin_client, workspace):
        InvitationFactory(workspace=workspace, email="live@example.com")
        InvitationFactory(
            workspace=workspace,
            email="lapsed@example.com",
            expires_at=timezone.now() - timedelta(minutes=1),
        )
        html = admin_client.get(f"/w/{workspace.slug}/members/").content.decode()
        assert "live@example.com" in html
        assert "lapsed@example.com" not in html

    def test_expire_job_is_idempotent(self, workspace):
        InvitationFactory(workspace=workspace, expires_at=timezone.now() - timedelta(days=1))
        InvitationFactory(workspace=workspace)
        assert services.invitations_expire(workspace_id=workspace.pk) == 1
        assert services.invitations_expire(workspace_id=workspace.pk) == 0


@pytest.mark.parametrize("role", [r for r in Role.values if r != Role.ADMIN])
def test_only_admins_invite_or_change_roles(client, workspace, role):
    member = MembershipFactory(workspace=workspace, role=role)
    target = MembershipFactory(workspace=workspace, role=Role.SDR)
    client.force_login(member.user)
    base = f"/w/{workspace.slug}/members"
    invite = {"email": "a@example.com", "role": "sdr"}
    assert client.post(f"{base}/invite/", invite).status_code == 403
    assert client.post(f"{base}/{target.pk}/role/", {"role": "admin"}).status_code == 403
    assert client.post(f"{base}/{target.pk}/active/", {"is_active": "0"}).status_code == 403
    target.refresh_from_db()
    assert (target.role, target.is_active) == (Role.SDR, True)
    assert not Invitation.objects.exists()
    # They still see who is in the workspace, without the admin controls.
    page = client.get(f"{base}/")
    assert page.status_code == 200
    assert "Send invitation" not in page.content.decode()


class TestMemberAdministration:
    def test_admin_changes_role_and_team_follows(self, admin_client, workspace):
        member = MembershipFactory(workspace=workspace, role=Role.SDR)
        url = f"/w/{workspace.slug}/members/{member.pk}/role/"
        assert admin_client.post(url, {"role": "csm"}).status_code == 302
        member.refresh_from_db()
        assert (member.role, member.team) == (Role.CSM, "customer_success")

    def test_admin_deactivates_member_who_then_gets_404(self, admin_client, client, workspace):
        member = MembershipFactory(workspace=workspace, role=Role.AE)
        url = f"/w/{workspace.slug}/members/{member.pk}/active/"
        assert admin_client.post(url, {"is_active": "0"}).status_code == 302
        client.force_login(member.user)
        assert client.get(f"/w/{workspace.slug}/").status_code == 404

    def test_last_admin_cannot_be_demoted_or_deactivated(self, admin, workspace):
        with pytest.raises(ValidationError, match="at least one active admin"):
            services.membership_change_role(membership=admin, role=Role.SDR)
        with pytest.raises(ValidationError, match="at least one active admin"):
            services.membership_set_active(membership=admin, is_active=False)
        admin.refresh_from_db()
        assert admin.role == Role.ADMIN and admin.is_active

    def test_unknown_role_on_change_is_refused(self, admin_client, workspace):
        member = MembershipFactory(workspace=workspace, role=Role.SDR)
        url = f"/w/{workspace.slug}/members/{member.pk}/role/"
        response = admin_client.post(url, {"role": "overlord"}, follow=True)
        assert "Choose one of the listed roles" in response.content.decode()
        member.refresh_from_db()
        assert member.role == Role.SDR


class TestLoginLogout:
    def test_log_in_by_email_lands_on_workspace(self, client, admin, workspace):
        response = client.post("/login/", {"username": admin.user.email, "password": PASSWORD})
        assert response.status_code == 302
        assert client.get("/")["Location"] == f"/w/{workspace.slug}/"

    def test_wrong_password_is_explained(self, client, admin):
        response = client.post("/login/", {"username": admin.user.email, "password": "nope"})
        assert response.status_code == 200
        assert "did not match" in response.content.decode()

    def test_log_out_is_a_post(self, admin_client):
        assert admin_client.post("/logout/").status_code == 302
        assert admin_client.get("/")["Location"] == "/login/"

    def test_change_password(self, admin_client, admin):
        response = admin_client.post(
            "/account/password/",
            {"old_password": PASSWORD, "new_password1": GOOD, "new_password2": GOOD},
        )
        assert response.status_code == 302
        admin.user.refresh_from_db()
        assert admin.user.check_password(GOOD)

    def test_user_without_workspace_can_start_one(self, client):
        user = UserFactory()
        client.force_login(user)
        assert client.get("/")["Location"] == "/workspaces/"
        response = client.post("/workspaces/", {"workspace_name": "Second Co"})
        assert response["Location"] == "/w/second-co/"
        assert Membership.objects.get(user=user).role == Role.ADMIN


def test_home_and_members_pages_have_bounded_queries(
    admin_client, workspace, django_assert_max_num_queries
):
    for _ in range(3):
        MembershipFactory(workspace=workspace, role=Role.AE)
    with django_assert_max_num_queries(10):
        assert admin_client.get(f"/w/{workspace.slug}/").status_code == 200
    with django_assert_max_num_queries(12):
        assert admin_client.get(f"/w/{workspace.slug}/members/").status_code == 200
    for _ in range(20):
        MembershipFactory(workspace=workspace, role=Role.AE)
    with django_assert_max_num_queries(10):
        assert admin_client.get(f"/w/{workspace.slug}/").status_code == 200
    with django_assert_max_num_queries(12):
        assert admin_client.get(f"/w/{workspace.slug}/members/").status_code == 200


def test_the_invite_form_starts_at_the_least_privileged_role(admin_client, workspace):
    html = admin_client.get(f"/w/{workspace.slug}/members/").content.decode()
    invite = html[html.index("Invite a member") :]
    select = invite[invite.index('name="role"') : invite.index("</select>")]
    selected = re.search(r'<option value="(\w+)"[^>]*selected', select).group(1)
    assert selected == "marketing"
    assert select.index('value="admin"') > select.index('value="leader"')  # Admin listed last
