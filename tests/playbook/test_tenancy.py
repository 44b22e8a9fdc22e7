"""The tenancy rule: nothing of a workspace is reachable by a non-member, and an id of another
workspace answers exactly like a missing one (404)."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from playbook.models import Role
from tests.factories import InvitationFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def _workspace_routes():
    """Every URL pattern under /w/<workspace_slug>/, as (name, route template) pairs; found by
    walking the resolver so that routes added later are covered without editing this test."""
    found = []

    def walk(patterns, prefix, inside):
        for p in patterns:
            route = prefix + str(p.pattern)
            now_inside = inside or "<slug:workspace_slug>" in str(p.pattern)
            if isinstance(p, URLResolver):
                walk(p.url_patterns, route, now_inside)
            elif isinstance(p, URLPattern) and now_inside:
                found.append((p.name, route))

    walk(get_resolver().url_patterns, "/", False)
    return found


def _fill(route, slug, filler=999_999):
    out = route.replace("<slug:workspace_slug>", slug)
    while "<" in out:
        start, end = out.index("<"), out.index(">")
        converter = out[start + 1 : end].split(":")[0]
        value = "abc" if converter in ("str", "slug") else str(filler)
        out = out[:start] + value + out[end + 1 :]
    return out.replace("^", "").replace("$", "")


ROUTES = _workspace_routes()


def test_the_walk_finds_the_workspace_routes():
    names = {name for name, _ in ROUTES}
    assert {"home", "members", "member_invite", "member_role"} <= names


@pytest.mark.parametrize(("name", "route"), ROUTES, ids=[n or r for n, r in ROUTES])
@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
def test_non_member_gets_404_on_every_workspace_url(client, workspace, name, route, htmx):
    outsider = MembershipFactory(role=Role.ADMIN)  # admin elsewhere, stranger here
    client.force_login(outsider.user)
    url = _fill(route, workspace.slug)
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    assert client.get(url, **headers).status_code == 404
    assert client.post(url, **headers).status_code == 404


@pytest.mark.parametrize(("name", "route"), ROUTES[:3])
def test_deactivated_member_gets_404(client, workspace, name, route):
    gone = MembershipFactory(workspace=workspace, role=Role.ADMIN, is_active=False)
    client.force_login(gone.user)
    assert client.get(_fill(route, workspace.slug)).status_code == 404


def test_unknown_workspace_is_404_like_a_foreign_one(client):
    user = UserFactory()
    client.force_login(user)
    assert client.get("/w/does-not-exist/").status_code == 404


def test_anonymous_visitor_is_sent_to_log_in(client, workspace):
    response = client.get(f"/w/{workspace.slug}/members/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=")


class TestOtherWorkspacesIds:
    """An admin of A acting on B's members and invitations by id gets 404 and changes nothing."""

    def test_change_role_of_foreign_member(self, admin_client, workspace, other_workspace):
        foreign = MembershipFactory(workspace=other_workspace, role=Role.SDR)
        url = f"/w/{workspace.slug}/members/{foreign.pk}/role/"
        assert admin_client.post(url, {"role": "admin"}).status_code == 404
        assert admin_client.post(url, {"role": "admin"}, HTTP_HX_REQUEST="true").status_code == 404
        foreign.refresh_from_db()
        assert foreign.role == Role.SDR

    def test_deactivate_foreign_member(self, admin_client, workspace, other_workspace):
        foreign = MembershipFactory(workspace=other_workspace, role=Role.SDR)
        url = f"/w/{workspace.slug}/members/{foreign.pk}/active/"
        assert admin_client.post(url, {"is_active": "0"}).status_code == 404
        foreign.refresh_from_db()
        assert foreign.is_active

    def test_revoke_foreign_invitation(self, admin_client, workspace, other_workspace):
        invitation = InvitationFactory(workspace=other_workspace)
        url = f"/w/{workspace.slug}/invitations/{invitation.pk}/revoke/"
        assert admin_client.post(url).status_code == 404
        invitation.refresh_from_db()
        assert invitation.revoked_at is None


def test_user_in_two_workspaces_switches_between_them(client, workspace, other_workspace):
    user = UserFactory()
    MembershipFactory(workspace=workspace, user=user, role=Role.SDR)
    MembershipFactory(workspace=other_workspace, user=user, role=Role.AE)
    client.force_login(user)
    page = client.get(f"/w/{workspace.slug}/")
    assert page.status_code == 200
    assert f'href="/w/{other_workspace.slug}/"' in page.content.decode()
    assert client.get(f"/w/{other_workspace.slug}/").status_code == 200
    # `/` remembers the last workspace used.
    assert client.get("/")["Location"] == f"/w/{other_workspace.slug}/"
