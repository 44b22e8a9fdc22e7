import pytest
from django.urls import reverse

from playbook.models import Role
from tests.factories import RecordFactory

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def record(workspace, admin):
    return RecordFactory(workspace=workspace, owner=admin.user, country="Germany")


@pytest.fixture
def rep(workspace, member_factory):
    """An account executive: a member who is not an admin."""
    return member_factory(workspace, Role.AE)


@pytest.fixture
def rep_client(client, rep):
    client.force_login(rep.user)
    return client


@pytest.fixture
def url(workspace):
    """url("detail", record.pk) -> /w/<slug>/records/<id>/"""

    def build(name, *args, query=""):
        return reverse(f"records:{name}", args=[workspace.slug, *args]) + query

    return build
