"""The nightly health recompute, chunked and set-based: the same score and explanation for each
customer as explaining it on its own, nothing written when nothing changed, whole chunks kept
when a run is killed half-way, and a constant number of statements per chunk."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from customers import services
from customers.models import Customer
from customers.services import health
from tests.factories import ActivityFactory, RecordFactory

TODAY = date(2026, 6, 30)


def _book(workspace, size):
    """Customers with every mix of signals: answers, overdue tasks, a contraction, renewals."""
    records = []
    for i in range(size):
        record = RecordFactory(workspace=workspace, name=f"Customer {i:03d}")
        sub = services.subscription_start(
            workspace=workspace,
            record=record,
            mrr="100",
            started_on=date(2025, 7, 1) + timedelta(days=i * 7 % 60),
            actor=None,
            today=TODAY,
        )
        if i % 2:
            services.survey_log(
                workspace=workspace,
                record=record,
                kind="nps",
                score=9 + i % 3 - 1,
                responded_on=TODAY,
                actor=None,
                today=TODAY,
            )
        if i % 3 == 0:
            services.survey_log(
                workspace=workspace,
                record=record,
                kind="csat",
                score=1 + i % 5,
                responded_on=TODAY,
                actor=None,
                today=TODAY,
            )
        if i % 4 == 1:
            ActivityFactory(
                record=record, kind="task", done=False, due_at=timezone.now() - timedelta(days=2)
            )
        if i % 5 == 2:
            services.subscription_change_mrr(
                workspace=workspace,
                subscription=sub.pk,
                mrr="60",
                effective_on=TODAY - timedelta(days=10),
                actor=None,
                today=TODAY,
            )
        records.append(record)
    return records


def _one_by_one(workspace):
    """Each customer explained on its own, as the customer page explains it."""
    settings = services.settings_of(workspace)
    weights = health.weights_of(settings)
    ids = sorted(Customer.objects.of(workspace).values_list("record_id", flat=True))
    expected = {}
    for record_id in ids:
        facts = health.facts_of(
            workspace, [record_id], today=TODAY, engagement_days=settings.engagement_days
        )[record_id]
        score, lines = health.explain(facts, weights, settings.engagement_days)
        expected[record_id] = (
            score,
            [
                {"label": x.label, "weight": x.weight, "met": x.met, "points": x.points}
                for x in lines
            ],
        )
    return expected


def _stored(workspace):
    return {
        c.record_id: (c.health_score, c.health_explanation) for c in Customer.objects.of(workspace)
    }


def test_each_customer_gets_the_score_it_gets_on_its_own_and_a_rerun_writes_nothing(
    workspace, monkeypatch
):
    _book(workspace, 24)
    Customer.objects.of(workspace).update(health_score=None, health_explanation=[])
    monkeypatch.setattr(health, "CHUNK", 7)  # several chunks, the last one short
    assert health.health_recompute(workspace=workspace, today=TODAY) == 24
    assert _stored(workspace) == _one_by_one(workspace)
    assert len({score for score, _ in _stored(workspace).values()}) > 3
    with CaptureQueriesContext(connection) as rerun:
        assert health.health_recompute(workspace=workspace, today=TODAY) == 0
    assert not [q for q in rerun.captured_queries if q["sql"].startswith("UPDATE")]


def test_a_run_killed_half_way_keeps_whole_chunks_and_the_next_completes_it(workspace, monkeypatch):
    _book(workspace, 20)
    Customer.objects.of(workspace).update(health_score=None, health_explanation=[])
    monkeypatch.setattr(health, "CHUNK", 6)
    real, calls = health.facts_of, {"n": 0}

    def dies_in_the_third_chunk(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("worker killed")
        return real(*args, **kwargs)

    monkeypatch.setattr(health, "facts_of", dies_in_the_third_chunk)
    with pytest.raises(RuntimeError):
        health.health_recompute(workspace=workspace, today=TODAY)
    scored = [s for s, _ in _stored(workspace).values() if s is not None]
    assert len(scored) == 12  # two whole chunks
    monkeypatch.setattr(health, "facts_of", real)
    assert health.health_recompute(workspace=workspace, today=TODAY) == 8
    assert _stored(workspace) == _one_by_one(workspace)


@pytest.mark.parametrize("size", [3, 30])
def test_the_statements_of_a_recompute_do_not_grow_with_the_customers(workspace, size):
    _book(workspace, size)
    Customer.objects.of(workspace).update(health_score=None, health_explanation=[])
    with CaptureQueriesContext(connection) as run:
        health.health_recompute(workspace=workspace, today=TODAY)
    # The settings (created here: four statements), one chunk (the customers, the signal reads,
    # its transaction's savepoint, an UPDATE per outcome that changed: at most 2^6) and the
    # empty read that ends the walk: the same 14 others for 3 customers or 30.
    updates = [q for q in run.captured_queries if q["sql"].startswith("UPDATE")]
    assert len(run.captured_queries) - len(updates) <= 14
    assert 0 < len(updates) <= min(size, 64)
