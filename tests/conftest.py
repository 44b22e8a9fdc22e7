import pytest

from playbook.models import Role
from tests.factories import MembershipFactory, WorkspaceFactory


@pytest.fixture
def workspace(db):
    return WorkspaceFactory()


@pytest.fixture
def other_workspace(db):
    return WorkspaceFactory()


@pytest.fixture
def member_factory(db):
    """member_factory(workspace, role) -> Membership of a fresh user."""

    def make(workspace, role=Role.ADMIN, **kwargs):
        return MembershipFactory(workspace=workspace, role=role, **kwargs)

    return make


@pytest.fixture
def admin(workspace, member_factory):
    return member_factory(workspace, Role.ADMIN)


@pytest.fixture
def admin_client(client, admin):
    client.force_login(admin.user)
    return client


def login_as(client, membership):
    client.force_login(membership.user)
    return client


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # PBKDF2 at full strength makes every factory user cost ~50 ms; tests do not need it.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def sent_tasks(monkeypatch):
    """What the jobs outbox hands to the broker, as (task name, args), instead of sending it."""
    sent = []

    def send(name, args, task_id):
        sent.append((name, tuple(args or ())))

    monkeypatch.setattr("jobs.services.hand_over", send)
    return sent
