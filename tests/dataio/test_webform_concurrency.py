"""Two posts naming the same new company at the same moment make one record: the second waits
for the first's commit (an advisory lock on the workspace and the domain, taken before matching)
and then finds the record the first made. Real threads with their own database connections."""

import threading
import time

import pytest
from django.db import connection

from dataio.models import WebFormSubmission
from dataio.services import webforms
from playbook import tenancy
from records.models import Contact, Record

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="advisory locks are PostgreSQL's; SQLite runs one writing transaction at a time",
    ),
]


def _waiting_for_an_advisory_lock(seconds: float = 10.0) -> bool:
    """True once some connection waits for an advisory lock (the second post, held back)."""
    deadline = time.monotonic() + seconds
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
            )
            if cursor.fetchone()[0]:
                return True
            time.sleep(0.02)
    return False


def test_two_simultaneous_posts_of_one_new_domain_make_one_record(monkeypatch, webform):
    created, go_on = threading.Event(), threading.Event()
    real_create = webforms._create

    def create_then_wait(*args, **kwargs):
        # The first post has made its record but not committed: the second post starts now.
        made = real_create(*args, **kwargs)
        if not created.is_set():
            created.set()
            go_on.wait(timeout=15)
        return made

    monkeypatch.setattr(webforms, "_create", create_then_wait)
    errors = []

    def post(email, first_name):
        from django.db import connection as thread_connection

        try:
            with tenancy.workspace_scope(webform.workspace_id):
                webforms.webform_submit(
                    webform=webform,
                    values={"email": email, "first_name": first_name, "company": "Acme"},
                )
        except Exception as exc:  # reported by the assertion below
            errors.append(exc)
        finally:
            thread_connection.close()

    first = threading.Thread(target=post, args=("ann@acme.com", "Ann"))
    first.start()
    assert created.wait(timeout=15)
    second = threading.Thread(target=post, args=("bob@acme.com", "Bob"))
    second.start()
    held_back = _waiting_for_an_advisory_lock()
    go_on.set()
    first.join(timeout=30)
    second.join(timeout=30)

    assert not errors
    assert held_back  # the second post waited for the first's commit
    record = Record.objects.get(domain="acme.com")  # one record, not two
    assert sorted(Contact.objects.filter(record=record).values_list("email", flat=True)) == [
        "ann@acme.com",
        "bob@acme.com",
    ]
    assert sorted(WebFormSubmission.objects.values_list("created_record", flat=True)) == [
        False,
        True,
    ]
