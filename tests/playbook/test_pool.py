"""The connection pool (DATABASE_POOL_SIZE, playbook.dbpool) never hands out a connection that
still carries a role or a workspace: what the last user of a pooled connection set for its
session is reset when the pool takes the connection back, even when that user never reached
its end_request (a request cut short)."""

import pytest
from django.db import connection
from django.http import HttpResponse
from django.test import RequestFactory

from playbook import dbpool, tenancy
from playbook.middleware import WorkspaceMiddleware
from playbook.rls import INVITATION_SETTING, SETTING, USER_SETTING

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the pool is PostgreSQL's"),
]


@pytest.fixture
def pooled(monkeypatch):
    """A second connection to the test database, through a pool of one connection configured
    as settings.py configures production's; tenancy works on it as on the default one."""
    from django.db.backends.postgresql.base import DatabaseWrapper

    settings_dict = {
        **connection.settings_dict,
        "CONN_MAX_AGE": 0,
        "OPTIONS": {
            **connection.settings_dict.get("OPTIONS", {}),
            "pool": dbpool.pool_options(max_size=1),
        },
    }
    wrapper = DatabaseWrapper(settings_dict, alias="pool_test")
    monkeypatch.setattr(tenancy, "connection", wrapper)
    try:
        yield wrapper
    finally:
        wrapper.close()
        wrapper.close_pool()


def session_state(wrapper) -> tuple:
    wrapper.ensure_connection()
    return wrapper.connection.execute(
        "SELECT current_user = session_user, current_setting(%s, true), "
        "current_setting(%s, true), current_setting(%s, true)",
        [SETTING, USER_SETTING, INVITATION_SETTING],
    ).fetchone()


def test_a_connection_returned_mid_request_comes_back_idle(pooled, settings):
    settings.DATABASE_APP_ROLE = "playbook_app"
    tenancy.begin_request()
    tenancy.enter(user=7, workspace=42)
    assert session_state(pooled) == (False, "42", "7", "")
    backend = pooled.connection.info.backend_pid
    # The request never reaches end_request: its connection goes back to the pool as it is.
    pooled.close()
    # The next checkout gets the same server session (a pool of one), reset.
    assert session_state(pooled)[1:] == ("", "", "")
    assert session_state(pooled)[0] is True
    assert pooled.connection.info.backend_pid == backend


def test_a_connection_after_a_whole_request_carries_no_workspace(pooled, settings):
    settings.DATABASE_APP_ROLE = "playbook_app"

    def view(request):
        tenancy.enter(user=7, workspace=42)
        assert session_state(pooled)[1] == "42"
        return HttpResponse("ok")

    WorkspaceMiddleware(view)(RequestFactory().get("/"))
    pooled.close()
    assert session_state(pooled) == (True, "", "", "")
