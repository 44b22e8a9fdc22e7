"""A real Celery worker for the tests that need one (celery.contrib.testing), on the configured
broker: Redis in CI's PostgreSQL run, kombu's filesystem transport otherwise."""

from contextlib import contextmanager

from celery.contrib.testing.worker import start_worker

from playbook.celery import app


@contextmanager
def running_worker():
    """A worker in a thread of this process. The queue is emptied first: tasks that earlier
    tests sent for rows long gone must not run beside this test (on SQLite's shared in-memory
    test database their writes would lock the tables under the test)."""
    app.conf.task_always_eager = False
    app.control.purge()
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10) as worker:
        yield worker
