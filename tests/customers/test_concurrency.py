"""Two people act on one subscription at the same moment: one wins, the other is told someone
else changed it, and the ledger holds exactly one new row. Real threads, own connections."""

import threading
import time
from datetime import date

import pytest
from django.db import connection

from customers import services
from customers.models import MrrMovement, Subscription
from customers.services import ledger
from tests.factories import RecordFactory, WorkspaceFactory


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="row locks need PostgreSQL; on SQLite the version check alone is tested "
    "(test_ledger.test_a_stale_version_is_refused)",
)
def test_two_concurrent_actions_one_wins(monkeypatch):
    workspace = WorkspaceFactory()
    record = RecordFactory(workspace=workspace)
    sub = services.subscription_start(
        workspace=workspace,
        record=record,
        mrr="100",
        started_on=date(2026, 1, 1),
        actor=None,
        today=date(2026, 6, 30),
    )
    shown = sub.version
    slow_append = ledger._append

    def hold_the_lock(*args, **kwargs):
        time.sleep(0.3)  # the first keeps the row lock a moment; the second must wait
        return slow_append(*args, **kwargs)

    monkeypatch.setattr(ledger, "_append", hold_the_lock)
    start, outcomes = threading.Barrier(2), []

    def act(call):
        from django.db import connection as thread_connection

        try:
            start.wait()
            call()
            outcomes.append("done")
        except services.StaleSubscription as exc:
            outcomes.append(exc.messages[0])
        finally:
            thread_connection.close()

    upsell = lambda: services.subscription_change_mrr(  # noqa: E731
        workspace=workspace,
        subscription=sub.pk,
        mrr="150",
        effective_on=date(2026, 6, 1),
        actor=None,
        version=shown,
        today=date(2026, 6, 30),
    )
    cancel = lambda: services.subscription_cancel(  # noqa: E731
        workspace=workspace,
        subscription=sub.pk,
        reason="price",
        actor=None,
        version=shown,
        today=date(2026, 6, 30),
    )
    threads = [threading.Thread(target=act, args=(c,)) for c in (upsell, cancel)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert outcomes.count("done") == 1
    assert any("Someone else changed" in o for o in outcomes)
    assert MrrMovement.objects.filter(subscription_id=sub.pk).count() == 2
    assert Subscription.objects.get(pk=sub.pk).version == shown + 1
    workspace.delete()
