"""Fixtures for the targets tests: a workspace with the default stages, one person per team,
and a helper that writes stage history at chosen dates (the figures are hand-computed from it)."""

from datetime import UTC, datetime

import pytest

from pipeline import services as pipeline_services
from pipeline.models import StageDefinition
from playbook.models import Role
from tests.factories import RecordFactory, StageTransitionFactory


@pytest.fixture
def pipeline_ws(workspace):
    pipeline_services.pipeline_install_defaults(workspace=workspace)
    return workspace


@pytest.fixture
def stages(pipeline_ws):
    return {s.key: s for s in StageDefinition.objects.filter(workspace=pipeline_ws)}


@pytest.fixture
def people(pipeline_ws, member_factory):
    """people["marketing"], ["sdr"], ["ae"], ["csm"], ["leader"]: memberships."""
    return {
        role: member_factory(pipeline_ws, role)
        for role in (Role.MARKETING, Role.SDR, Role.AE, Role.CSM, Role.LEADER)
    }


def at(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(hour=12, tzinfo=UTC)


@pytest.fixture
def history(pipeline_ws, stages):
    """history(record_or_None, [(kind, from_key, to_key, "YYYY-MM-DD", from_user, to_user)...])
    appends the transitions to a (new) record and returns it."""

    def write(record, moves):
        record = record or RecordFactory(workspace=pipeline_ws)
        for kind, from_key, to_key, day, from_user, to_user in moves:
            StageTransitionFactory(
                record=record,
                kind=kind,
                from_stage=stages[from_key] if from_key else None,
                to_stage=stages[to_key],
                at=at(day),
                from_owner=from_user,
                to_owner=to_user,
            )
        return record

    return write


@pytest.fixture
def example_ledger(pipeline_ws, people, history):
    """The worked example of docs/METRICS.md, written through the Customers services.

    B: two subscriptions from 2024-12-05 (100 + 50); the 50 one cancelled 2025-01-10 (a
    contraction to zero of one of two); the last one cancelled 2025-02-03 (churn) and reactivated
    2025-02-25 (a churn and a reactivation in one month).
    A: from 2025-01-10 at 100 (won by the AE), upsold to 150 on 2025-02-15, cancelled 2025-03-20.
    """
    from customers import services as customers

    ws = pipeline_ws
    ae, csm = people["ae"].user, people["csm"].user
    common = {"workspace": ws, "actor": None}
    b = RecordFactory(workspace=ws, name="Beta GmbH", owner=csm)
    b1 = customers.subscription_start(**common, record=b, mrr="100", started_on=_d("2024-12-05"))
    b2 = customers.subscription_start(
        **common, record=b, mrr="50", started_on=_d("2024-12-05"), action="cross_sell"
    )
    customers.subscription_cancel(
        **common, subscription=b2, reason="budget", effective_on=_d("2025-01-10")
    )
    a = history(
        RecordFactory(workspace=ws, name="Acme Ltd", owner=csm),
        [("forward", "opportunity", "won", "2025-01-10", ae, csm)],
    )
    a1 = customers.subscription_start(**common, record=a, mrr="100", started_on=_d("2025-01-10"))
    customers.subscription_cancel(
        **common, subscription=b1, reason="price", effective_on=_d("2025-02-03")
    )
    customers.subscription_change_mrr(
        **common, subscription=a1, mrr="150", effective_on=_d("2025-02-15")
    )
    customers.subscription_reactivate(
        **common, subscription=b1, mrr="100", effective_on=_d("2025-02-25")
    )
    customers.subscription_cancel(
        **common, subscription=a1, reason="competitor", effective_on=_d("2025-03-20")
    )
    return ws


def _d(day: str):
    from datetime import date

    return date.fromisoformat(day)
