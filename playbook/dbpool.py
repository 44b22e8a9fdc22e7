"""Django's PostgreSQL connection pool (psycopg_pool) for production, off unless
DATABASE_POOL_SIZE is set (settings.py; docs/SCALING.md, step 1; ADR 0006 addendum).

The tenancy settings (role, `app.workspace_id`, the user and invitation settings) are session
settings (playbook/tenancy.py). A request clears them at its end, but a pooled connection must
never carry a workspace into its next checkout even when that end did not run (a worker killed
half-way, a task that raised before its scope closed). So the pool resets every connection it
takes back: `reset_connection` puts the connection back to IDLE (its own role, nothing in
scope) before any other checkout can get it; a connection the reset fails on is discarded by
the pool, never handed out.

This module imports nothing from Django at import time: settings.py imports it."""


def reset_connection(conn) -> None:
    """psycopg_pool's `reset` callback: runs in a pool thread on a returned, idle connection."""
    from playbook.tenancy import IDLE, scope_statement

    sql, params = scope_statement(IDLE)
    conn.execute(sql, params)


def pool_options(*, max_size: int, min_size: int = 1, timeout: float = 10.0) -> dict:
    """OPTIONS["pool"] for one process: gunicorn's sync workers serve one request at a time, so
    a web process needs one connection (max_size 1); a threaded worker needs one per thread.
    A request that finds none free within `timeout` seconds fails (PoolTimeout) rather than
    queueing without end."""
    return {
        "min_size": min(min_size, max_size),
        "max_size": max_size,
        "timeout": timeout,
        # Connections are replaced after an hour (psycopg_pool's default), so server-side
        # memory growth of a long-lived backend is bounded.
        "max_lifetime": 3600.0,
        "reset": reset_connection,
    }
