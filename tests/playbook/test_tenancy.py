"""The tenancy rule: nothing of a workspace is reachable by a non-member, and an id of another
workspace answers exactly like a missing one (404).

Every route under /w/<slug>/ is found by walking the resolver, and every id it takes is filled
from tests/world.py, where each object kind exists once per workspace: a route added later is
covered without editing this file (a new id kind is named in the failure, with where to add it).
"""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from playbook.models import Role
from tests.factories import MembershipFactory, UserFactory
from tests.world import POSITIONS, build_world, first_ids, ids_of, snapshot

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


MISSING = 999_999
HTMX = {"HTTP_HX_REQUEST": "true"}


def id_kwargs(route) -> list[str]:
    """The path's parameters other than the workspace slug: `record_id`, `stage_id`, ..."""
    return [name for name in re.findall(r"<(?:\w+:)?(\w+)>", route) if name != "workspace_slug"]


def fill(route, slug, ids) -> str:
    out = route.replace("<slug:workspace_slug>", slug)
    for name, value in ids.items():
        out = re.sub(rf"<(?:\w+:)?{name}>", str(value), out)
    return out.replace("^", "").replace("$", "")


def missing_kinds(route, world) -> list[str]:
    return [name for name in id_kwargs(route) if name not in world]


def missing_message(route, missing) -> str:
    return (
        f"{route} takes {', '.join(missing)}: add an object of that kind to build_world() in "
        "tests/world.py under that name, so the tenancy and robustness walks can fill it"
    )


ROUTES = _workspace_routes()


def test_the_walk_finds_the_workspace_routes():
    names = {name for name, _ in ROUTES}
    assert {"home", "members", "member_invite", "member_role"} <= names


@pytest.mark.parametrize(("name", "route"), ROUTES, ids=[n or r for n, r in ROUTES])
@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
def test_non_member_gets_404_on_every_workspace_url(client, workspace, admin, name, route, htmx):
    world = build_world(workspace, admin.user)
    assert not missing_kinds(route, world), missing_message(route, missing_kinds(route, world))
    outsider = MembershipFactory(role=Role.ADMIN)  # admin elsewhere, stranger here
    client.force_login(outsider.user)
    url = fill(route, workspace.slug, first_ids(world))
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    assert client.get(url, **headers).status_code == 404
    assert client.post(url, **headers).status_code == 404


@pytest.mark.parametrize(("name", "route"), ROUTES[:3])
def test_deactivated_member_gets_404(client, workspace, name, route):
    gone = MembershipFactory(workspace=workspace, role=Role.ADMIN, is_active=False)
    client.force_login(gone.user)
    url = fill(route, workspace.slug, dict.fromkeys(id_kwargs(route), MISSING))
    assert client.get(url).status_code == 404


def test_unknown_workspace_is_404_like_a_foreign_one(client):
    user = UserFactory()
    client.force_login(user)
    assert client.get("/w/does-not-exist/").status_code == 404


def test_anonymous_visitor_is_sent_to_log_in(client, workspace):
    response = client.get(f"/w/{workspace.slug}/members/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=")


ID_ROUTES = [(name, route) for name, route in ROUTES if set(id_kwargs(route)) - POSITIONS]


def _variants(route, mine, theirs):
    """B's ids in the path: all of them at once, then each one alone beside A's own objects (a
    contact of B under a record of A is looked up together, and must fail as well)."""
    names = id_kwargs(route)
    own = {name: ids_of(mine, name)[0] for name in names}
    foreign_names = [name for name in names if name not in POSITIONS]
    yield {**own, **{name: ids_of(theirs, name)[0] for name in foreign_names}}
    if len(foreign_names) > 1 or any(len(ids_of(theirs, n)) > 1 for n in foreign_names):
        for name in foreign_names:
            for foreign in ids_of(theirs, name):
                yield {**own, name: foreign}


def _answers(client, url):
    return [
        (method, bool(headers), getattr(client, method)(url, **headers).status_code)
        for method in ("get", "post")
        for headers in ({}, HTMX)
    ]


@pytest.mark.parametrize(("name", "route"), ID_ROUTES, ids=[n or r for n, r in ID_ROUTES])
def test_every_id_of_another_workspace_answers_like_a_missing_one(
    admin_client, workspace, admin, other_workspace, name, route
):
    """An admin of A (who may do everything in A) using any id of B on any route: GET and
    POST, page and htmx, answer exactly what a missing id answers, 404 (or 405 alike for a
    method the route does not take), and nothing of B changes."""
    mine = build_world(workspace, admin.user)
    theirs = build_world(other_workspace, MembershipFactory(workspace=other_workspace).user)
    assert not missing_kinds(route, theirs), missing_message(route, missing_kinds(route, theirs))
    before = snapshot(other_workspace)
    missing = _answers(
        admin_client, fill(route, workspace.slug, dict.fromkeys(id_kwargs(route), MISSING))
    )
    for ids in _variants(route, mine, theirs):
        url = fill(route, workspace.slug, ids)
        answers = _answers(admin_client, url)
        assert answers == missing, url
        assert {status for *_, status in answers} <= {404, 405}, url
        assert 404 in {status for *_, status in answers}, url
    assert snapshot(other_workspace) == before


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
