"""The dashboards tests reuse the targets fixtures (default stages, one person per role, stage
history written at chosen dates) and add one membership per role."""

import pytest
from django.urls import reverse

from playbook.models import Role
from tests.targets.conftest import (  # noqa: F401
    example_ledger,
    history,
    people,
    pipeline_ws,
    stages,
)

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def role_member(pipeline_ws, member_factory):  # noqa: F811
    """role_member(role) -> a membership of that role in pipeline_ws."""
    return lambda role: member_factory(pipeline_ws, role)


@pytest.fixture
def leader(pipeline_ws, member_factory):  # noqa: F811
    return member_factory(pipeline_ws, Role.LEADER)


def home_url(ws, home):
    return reverse("dashboards:home", args=[ws.slug, home])


def panel_url(ws, home, panel):
    return reverse("dashboards:panel", args=[ws.slug, home, panel])


# The queries of any request inside a workspace before a panel runs (session, user, membership,
# the savepoint the tenancy wraps a request in, the session saved); a panel's bound is
# PANEL_QUERIES + its own queries.
PANEL_QUERIES = 8
