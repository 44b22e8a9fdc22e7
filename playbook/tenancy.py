"""Which workspace the database connection works for: the run-time half of tenancy (ADR 0006).

PostgreSQL's row-level security (playbook/rls.py) shows a tenant table's rows only for the
workspace named in the session setting `app.workspace_id`. This module is the one place that
sets it:

- per request: `WorkspaceMiddleware` calls `begin_request()` first, `enter()` once it has
  resolved the member, and `end_request()` last, even when the view raised, so a connection
  reused by the next request (CONN_MAX_AGE > 0) never starts with the previous one's workspace;
  with the connection pool (DATABASE_POOL_SIZE), the pool also resets every connection it takes
  back (playbook.dbpool), so not even a request that never reached its end can leak one;
- per task and in any code that works for one workspace outside a request:
  `with workspace_scope(workspace_id): ...`, or `@workspace_task` on a Celery task whose first
  argument is `workspace_id`. Scopes nest and each restores what was there before.

With `settings.DATABASE_APP_ROLE` set, every scope also runs as that role (`SET ROLE`): the
connection may log in as an owner or superuser (the test suite does, so factories can build
several workspaces) and still answer requests and tasks under row-level security. In production
the app logs in as that role in the first place.

The statements go through the driver connection rather than a Django cursor: they are
bookkeeping of the connection, not queries of the page, and must not count in the pages'
query-count bounds. On SQLite everything here does nothing.
"""

from __future__ import annotations

import inspect
from contextlib import contextmanager
from functools import wraps

from django.conf import settings
from django.db import connection

from playbook.rls import INVITATION_SETTING, SETTING, USER_SETTING, WEBFORM_SETTING

# The connection as it logged in: its own role, nothing in scope.
IDLE = {
    "role": "none",
    SETTING: "",
    USER_SETTING: "",
    INVITATION_SETTING: "",
    WEBFORM_SETTING: "",
}


def _enabled() -> bool:
    return connection.vendor == "postgresql"


def _stack() -> list[dict]:
    stack = getattr(connection, "_tenancy_stack", None)
    if stack is None:
        stack = connection._tenancy_stack = []
    return stack


def _app_role() -> str:
    return getattr(settings, "DATABASE_APP_ROLE", "") or "none"


def _usable(raw) -> bool:
    """False inside a failed transaction: its rollback restores the settings anyway."""
    from psycopg.pq import TransactionStatus

    return raw.info.transaction_status != TransactionStatus.INERROR


def scope_statement(state: dict) -> tuple[str, list]:
    """The one statement that puts a connection in `state` (also the pool's reset,
    playbook.dbpool)."""
    return (
        "SELECT set_config('role', %s, false), set_config(%s, %s, false), "
        "set_config(%s, %s, false), set_config(%s, %s, false), set_config(%s, %s, false)",
        [
            state["role"],
            SETTING,
            state[SETTING],
            USER_SETTING,
            state[USER_SETTING],
            INVITATION_SETTING,
            state[INVITATION_SETTING],
            WEBFORM_SETTING,
            state[WEBFORM_SETTING],
        ],
    )


def _apply(state: dict) -> None:
    connection.ensure_connection()
    raw = connection.connection
    if not _usable(raw):
        return
    raw.execute(*scope_statement(state))


def _top() -> dict:
    stack = _stack()
    return stack[-1] if stack else IDLE


def _text(value) -> str:
    value = getattr(value, "pk", value)
    return "" if value is None else str(int(value))


def begin_request() -> None:
    """A request starts as the app role with nothing in scope, whatever the connection did
    before."""
    if not _enabled():
        return
    stack = _stack()
    stack.clear()
    stack.append({**IDLE, "role": _app_role()})
    _apply(stack[-1])


def end_request() -> None:
    """Back to the connection's own role with nothing in scope (also after an exception)."""
    if not _enabled():
        return
    _stack().clear()
    _apply(IDLE)


def enter(*, user=None, workspace=None) -> None:
    """The request now knows its user and, on /w/<slug>/ pages, its workspace."""
    if not _enabled():
        return
    stack = _stack()
    if not stack:
        stack.append({**IDLE, "role": _app_role()})
    if user is not None:
        stack[-1][USER_SETTING] = _text(user)
    if workspace is not None:
        stack[-1][SETTING] = _text(workspace)
    _apply(stack[-1])


@contextmanager
def _scope(**changes):
    if not _enabled():
        yield
        return
    stack = _stack()
    stack.append({**_top(), "role": _app_role(), **changes})
    _apply(stack[-1])
    try:
        yield
    finally:
        stack.pop()
        _apply(_top())


def workspace_scope(workspace):
    """Work for one workspace (a Workspace or its id) outside a request, or for another one
    inside it (accepting an invitation, creating a workspace)."""
    return _scope(**{SETTING: _text(workspace)})


def user_scope(user):
    """The user's own memberships in every workspace become visible (Membership's policy)."""
    return _scope(**{USER_SETTING: _text(user)})


def invitation_scope(token_hash: str):
    """The invitation with this token hash becomes visible, whatever its workspace."""
    return _scope(**{INVITATION_SETTING: token_hash})


def webform_scope(key: str):
    """The web form with this public key becomes visible, whatever its workspace (ADR 0017)."""
    return _scope(**{WEBFORM_SETTING: key})


def workspace_task(task):
    """Decorator for a Celery task whose first argument is `workspace_id` (after `self` in a
    bound task): it runs in that workspace's scope. Put it under `@shared_task`.
    tests/playbook/test_rls.py checks every such task has it."""
    position = list(inspect.signature(task).parameters).index("workspace_id")

    @wraps(task)
    def run(*args, **kwargs):
        workspace_id = kwargs["workspace_id"] if len(args) <= position else args[position]
        with workspace_scope(workspace_id):
            return task(*args, **kwargs)

    run.workspace_scoped = True
    # Where the workspace is among the arguments Celery's signals see (a bound task's `self` is
    # not among them): how jobs.lifecycle tells which workspace a run belongs to.
    params = list(inspect.signature(task).parameters)
    run.workspace_arg = position - (1 if params and params[0] == "self" else 0)
    return run


def fan_out(task) -> int:
    """Beat entry points: queue `task(workspace_id)` once per workspace, so each run stays small,
    retryable and inside its own workspace's scope. Reads only the Workspace table, which is not
    tenant-owned. Returns how many were queued."""
    from playbook.models import Workspace

    ids = list(Workspace.objects.values_list("pk", flat=True))
    for workspace_id in ids:
        task.delay(workspace_id)
    return len(ids)


def spans_workspaces() -> bool:
    """Whether this connection, as it logged in, sees every workspace (the owner or a superuser):
    what explicitly cross-workspace ops code (seed_demo, migrations) needs."""
    if not _enabled():
        return True
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = session_user")
        row = cursor.fetchone()
    return bool(row and row[0])


def reset_if_idle(**_ignored) -> None:
    """Celery's task_prerun/task_postrun: a worker's connection carries nothing from one task to
    the next (a task run eagerly inside a request keeps the request's scope)."""
    if _enabled() and not _stack() and connection.connection is not None:
        _apply(IDLE)
