"""Who lands where, which homes a member may open, and what a panel URL answers to bad input:
an unknown home or panel, a home the member may not see, a malformed period (400, never 500),
a non-member (404 everywhere)."""

import pytest

from dashboards import registry
from playbook.models import Role
from tests.conftest import login_as
from tests.dashboards.conftest import HTMX, PANEL_QUERIES, home_url, panel_url

pytestmark = pytest.mark.django_db

LANDING = {
    Role.ADMIN: "leader",
    Role.LEADER: "leader",
    Role.MARKETING: "marketing",
    Role.SDR: "sdr",
    Role.AE: "ae",
    Role.SE: "ae",
    Role.CSM: "csm",
    Role.RENEWALS: "renewals",
}


@pytest.mark.parametrize(("role", "home"), LANDING.items())
def test_each_role_lands_on_its_home(client, pipeline_ws, role_member, role, home):
    login_as(client, role_member(role))
    page = client.get(f"/w/{pipeline_ws.slug}/")
    assert page.status_code == 200
    assert page.context["home"].key == home
    # Every panel of the home is a lazy placeholder pointing at its own URL.
    body = page.content.decode()
    for key in registry.HOMES[home].panels:
        assert f'hx-get="{panel_url(pipeline_ws, home, key)}?period=month"' in body
        assert 'hx-trigger="load"' in body


def test_every_role_has_exactly_one_home():
    for role in Role.values:
        assert sum(role in h.roles for h in registry.HOMES.values()) == 1, role


@pytest.mark.parametrize("role", [Role.ADMIN, Role.LEADER])
def test_leaders_and_admins_may_open_every_home(client, pipeline_ws, role_member, role):
    member = role_member(role)
    login_as(client, member)
    assert registry.homes_for(member)[0].key == "leader"
    for key in registry.HOMES:
        assert client.get(home_url(pipeline_ws, key)).status_code == 200, key


@pytest.mark.parametrize("role", [Role.MARKETING, Role.SDR, Role.AE, Role.CSM, Role.RENEWALS])
def test_others_open_their_own_home_and_the_company_summary_only(
    client, pipeline_ws, role_member, role
):
    member = role_member(role)
    login_as(client, member)
    own = LANDING[role]
    assert [h.key for h in registry.homes_for(member)] == [own, "company"]
    page = client.get(home_url(pipeline_ws, own))
    assert page.status_code == 200
    assert f'href="{home_url(pipeline_ws, "company")}"' in page.content.decode()
    assert client.get(home_url(pipeline_ws, "company")).status_code == 200
    for key, home in registry.HOMES.items():
        if key in (own, "company"):
            continue
        assert client.get(home_url(pipeline_ws, key)).status_code == 404, key
        for panel in home.panels:
            got = client.get(panel_url(pipeline_ws, key, panel), **HTMX)
            assert got.status_code == 404, (key, panel)


def test_unknown_home_and_unknown_panel_are_404(client, pipeline_ws, leader):
    login_as(client, leader)
    assert client.get(home_url(pipeline_ws, "nope")).status_code == 404
    assert client.get(panel_url(pipeline_ws, "leader", "nope"), **HTMX).status_code == 404
    assert client.get(panel_url(pipeline_ws, "nope", "targets"), **HTMX).status_code == 404


@pytest.mark.parametrize(
    "query",
    [
        {"period": "decade"},
        {"period": "custom"},
        {"period": "custom", "start": "2026-01-01"},
        {"period": "custom", "start": "2026-13-01", "end": "2026-12-31"},
        {"period": "custom", "start": "yesterday", "end": "2026-12-31"},
        {"period": "custom", "start": "2026-03-01", "end": "2026-02-01"},
        {"period": "custom", "start": "1999-01-01", "end": "2026-02-01"},
        {"period": "custom", "start": "2010-01-01", "end": "2026-02-01"},
        {"period": "custom", "start": "2026-01-01\x00", "end": "2026-02-01"},
    ],
)
def test_a_malformed_period_is_400_on_the_home_and_on_every_panel(
    client, pipeline_ws, leader, query
):
    login_as(client, leader)
    home = client.get(home_url(pipeline_ws, "leader"), query)
    assert home.status_code == 400
    assert home.context["error"]
    for key in registry.HOMES["leader"].panels:
        got = client.get(panel_url(pipeline_ws, "leader", key), query, **HTMX)
        assert got.status_code == 400, key
        assert b'role="alert"' in got.content


def test_non_members_get_404_on_every_home_and_panel(
    client, pipeline_ws, other_workspace, member_factory
):
    outsider = member_factory(other_workspace, Role.ADMIN)
    login_as(client, outsider)
    assert client.get(f"/w/{pipeline_ws.slug}/").status_code == 404
    for key, home in registry.HOMES.items():
        assert client.get(home_url(pipeline_ws, key)).status_code == 404
        for panel in home.panels:
            assert client.get(panel_url(pipeline_ws, key, panel), **HTMX).status_code == 404


def test_a_panel_without_htmx_is_a_small_page_of_its_own(client, pipeline_ws, leader):
    login_as(client, leader)
    got = client.get(panel_url(pipeline_ws, "leader", "targets"))
    assert got.status_code == 200
    assert b"<html" in got.content
    partial = client.get(panel_url(pipeline_ws, "leader", "targets"), **HTMX)
    assert b"<html" not in partial.content
    assert "HX-Request" in partial["Vary"]


def test_the_period_stays_in_the_panel_urls(client, pipeline_ws, leader):
    login_as(client, leader)
    query = {"period": "custom", "start": "2025-02-10", "end": "2025-05-03"}
    page = client.get(home_url(pipeline_ws, "leader"), query)
    assert page.status_code == 200
    assert "period=custom&amp;start=2025-02-10&amp;end=2025-05-03" in page.content.decode()
    assert page.context["period"].label == "2025-02 to 2025-05"


def test_who_you_are_moved_to_the_members_page(client, pipeline_ws, role_member):
    member = role_member(Role.SDR)
    login_as(client, member)
    page = client.get(f"/w/{pipeline_ws.slug}/members/")
    assert page.status_code == 200
    assert member.user.email in page.content.decode()
    assert "You are" in page.content.decode()


def test_the_period_picker_is_on_the_leader_and_marketing_homes_only(client, pipeline_ws, leader):
    login_as(client, leader)
    for key, picker in (("leader", True), ("marketing", True), ("sdr", False), ("company", False)):
        body = client.get(home_url(pipeline_ws, key), {"period": "quarter"}).content.decode()
        assert ('name="period"' in body) is picker, key
        if picker:
            assert '<option value="quarter" selected>' in body


@pytest.mark.parametrize("key", list(registry.HOMES))
def test_a_home_shell_runs_no_query_of_its_own(
    client, pipeline_ws, leader, key, django_assert_max_num_queries
):
    """The shell only lists placeholders: the panels' queries run when they load."""
    login_as(client, leader)
    client.get(home_url(pipeline_ws, key))  # the first visit stores the workspace in the session
    with django_assert_max_num_queries(PANEL_QUERIES):
        assert client.get(home_url(pipeline_ws, key)).status_code == 200
