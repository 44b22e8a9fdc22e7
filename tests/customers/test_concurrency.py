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


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the triggers are PostgreSQL's")
@pytest.mark.parametrize("first", ["mrr", "answer"])
def test_an_answer_and_its_customers_mrr_change_at_once_keep_the_scores_exact(first):
    """Each write's trigger reads the other table; without the per-record lock an answer logged
    while its customer's MRR changed (both uncommitted) kept the old MRR (customers.SurveyDay,
    ADR 0303). The first transaction holds its write a moment; the second must wait for it."""
    from django.db import transaction
    from django.db.models import F

    from customers.models import Customer, SurveyResponse
    from customers.selectors import surveys

    workspace = WorkspaceFactory()
    record = RecordFactory(workspace=workspace)
    services.subscription_start(
        workspace=workspace,
        record=record,
        mrr="100",
        started_on=date(2026, 1, 1),
        actor=None,
        today=date(2026, 6, 30),
    )
    day = date(2026, 6, 30)

    def change_mrr():
        Customer.objects.filter(record=record).update(mrr=F("mrr") + 400)

    def answer():
        SurveyResponse.objects.create(
            workspace=workspace, record=record, kind="nps", score=10, responded_on=day
        )

    writes = {"mrr": change_mrr, "answer": answer}
    second = "answer" if first == "mrr" else "mrr"
    written, errors = threading.Event(), []

    def run(write, hold):
        from django.db import connection as thread_connection

        try:
            if not hold:
                written.wait(10)
            with transaction.atomic():
                writes[write]()
                if hold:
                    written.set()
                    time.sleep(0.5)  # the other's trigger runs now, before this commits
        except Exception as exc:  # reported below, in the test's thread
            errors.append(exc)
        finally:
            thread_connection.close()

    threads = [
        threading.Thread(target=run, args=(first, True)),
        threading.Thread(target=run, args=(second, False)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not errors
    kept = surveys.scores(workspace, today=day)
    live = surveys._scores(
        surveys.responses(workspace, today=day).aggregate(**surveys._aggregates())
    )
    assert kept == live and kept.arr_promoters == 6000  # 500 x 12
