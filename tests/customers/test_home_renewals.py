"""The renewals home's figures on hand-made subscriptions and alerts."""

from datetime import timedelta
from decimal import Decimal

import pytest

from customers import services
from customers.models import ExpansionOpportunity
from customers.selectors import renewals
from customers.selectors.customers import at_risk_arr, upsell_opportunities
from customers.selectors.renewals import RENEWED, renewal_rows, renewal_status
from targets.periods import quarter_bounds
from tests.customers.homes import alert, customer
from tests.pipeline import conftest as pipeline_fixtures

pipeline_ws = pipeline_fixtures.pipeline_ws
stages = pipeline_fixtures.stages
team = pipeline_fixtures.team
make_record = pipeline_fixtures.make_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def rep(team):
    return team["renewals"].user


def _due(make_record, team, rep, days, mrr, health=None, owner=None, **alert_fields):
    ws_today = team["csm"].workspace.today()
    record, sub = customer(
        make_record,
        csm=team["csm"].user,
        mrr=mrr,
        health=health,
        renewal_owner=rep,
        term_end=ws_today + timedelta(days=days),
    )
    alert(sub, owner=owner or rep, **alert_fields)
    return record, sub


def test_renewals_due_per_window_with_arr_and_health(
    pipeline_ws, make_record, team, rep, django_assert_num_queries
):
    _due(make_record, team, rep, 10, "100", health=30)  # 30 days: critical
    _due(make_record, team, rep, 45, "200", health=80)  # 60 days: healthy
    _due(make_record, team, rep, 100, "300")  # 120 days: not scored
    # Not counted: a dismissed alert, another owner's, a term that already ended.
    _due(make_record, team, rep, 20, "1", status="dismissed")
    _due(make_record, team, rep, 20, "1", owner=team["admin"].user)
    _due(make_record, team, rep, -5, "1", window=30)
    with django_assert_num_queries(1):
        got = renewals.renewals_by_window(pipeline_ws, owner_id=rep.pk, today=pipeline_ws.today())
    assert [(w.days, w.count, w.arr, w.at_risk, w.unscored) for w in got] == [
        (30, 1, Decimal("1200"), 1, 0),
        (60, 2, Decimal("3600"), 1, 0),
        (90, 2, Decimal("3600"), 1, 0),
        (120, 3, Decimal("7200"), 1, 1),
    ]
    everyone = renewals.renewals_by_window(pipeline_ws, owner_id=None, today=pipeline_ws.today())
    assert everyone[0].count == 2


def test_at_risk_arr_and_upsells_of_the_reps_customers(pipeline_ws, make_record, team, rep):
    today, csm = pipeline_ws.today(), team["csm"].user
    customer(make_record, csm=csm, mrr="100", health=30, renewal_owner=rep)
    mid, _ = customer(make_record, csm=csm, mrr="200", health=50, renewal_owner=rep)
    customer(make_record, csm=csm, mrr="300", health=80, renewal_owner=rep)
    customer(make_record, csm=csm, mrr="400", renewal_owner=rep)
    other, _ = customer(make_record, csm=csm, mrr="999", health=10, renewal_owner=csm)
    # A churned customer (no MRR) has no ARR to lose, whatever its score.
    _churned, churned_sub = customer(make_record, csm=csm, mrr="50", health=5, renewal_owner=rep)
    services.subscription_cancel(
        workspace=pipeline_ws,
        subscription=churned_sub,
        reason="price",
        actor=None,
        effective_on=today,
    )
    got = at_risk_arr(pipeline_ws, renewal_owner_id=rep.pk)
    assert (got.at_risk, got.at_risk_arr, got.critical, got.critical_arr) == (
        1,
        Decimal("2400"),
        1,
        Decimal("1200"),
    )
    everyone = at_risk_arr(pipeline_ws)
    assert (everyone.critical, everyone.critical_arr) == (2, Decimal("13188"))
    for record in (mid, mid, other):
        ExpansionOpportunity.objects.create(
            workspace=pipeline_ws,
            record=record,
            kind="cross_sell",
            plan="Add-on",
            expected_mrr=Decimal("250"),
            close_date=today + timedelta(days=20),
            owner=rep,
        )
    ExpansionOpportunity.objects.create(
        workspace=pipeline_ws,
        record=mid,
        kind="cross_sell",
        expected_mrr=Decimal("5"),
        close_date=today,
        status="lost",
    )
    ups = upsell_opportunities(pipeline_ws, owner_id=rep.pk, today=today)
    assert (ups.customers, ups.count, ups.arr) == (1, 2, Decimal("6000"))


def test_renewed_vs_churned_this_quarter(pipeline_ws, make_record, team, rep):
    today = pipeline_ws.today()
    first, _last = quarter_bounds(today)
    ended = first  # the quarter's first day: always on or before today
    _record, renewed = _due(make_record, team, rep, (ended - today).days, "100", window=30)
    services.subscription_renew(
        workspace=pipeline_ws, subscription=renewed, actor=None, effective_on=ended
    )
    _r, churned = _due(make_record, team, rep, (ended - today).days, "250", window=30)
    services.subscription_cancel(
        workspace=pipeline_ws,
        subscription=churned,
        reason="price",
        actor=None,
        effective_on=ended,
    )
    _due(make_record, team, rep, (ended - today).days, "7", window=30)  # still open, not due
    got = renewals.renewed_vs_churned(pipeline_ws, owner_id=rep.pk, today=today)
    assert (got.renewed, got.renewed_arr, got.churned, got.churned_arr) == (
        1,
        Decimal("1200"),
        1,
        Decimal("3000"),
    )
    assert got.renewal_rate == Decimal("0.5")
    # The SQL reading and the renewals page's per-row status say the same.
    rows = renewal_rows(pipeline_ws, today=today, owner_id=rep.pk, ended=(first, today))
    renewed_ids = set(rows.filter(RENEWED).values_list("pk", flat=True))
    for row in rows:
        assert (renewal_status(row) == "renewed") == (row.pk in renewed_ids)
