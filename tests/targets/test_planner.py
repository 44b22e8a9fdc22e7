"""The planner's arithmetic, its history from the snapshots, and "Distribute"."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from targets import periods, selectors, services
from targets.models import Metric, MetricSnapshot, Target
from targets.planner import Plan
from tests.conftest import login_as

D = Decimal


def _plan(**changes):
    values = {
        "year": 2027,
        "new_arr": D("1200000"),
        "acv": D("12000"),
        "win_rate": D("25"),
        "lead_to_mql": D("20"),
        "mql_to_sql": D("40"),
        "sql_to_opportunity": D("50"),
        "sales_cycle_days": D("61"),
        "ae_quota": D("600000"),
        "companies_per_sdr": D("133"),
        "aes_per_outbound_sdr": D("2"),
    }
    values.update(changes)
    return Plan(**values)


def test_the_funnel_backwards_from_new_arr():
    annual = _plan().annual()
    assert annual[Metric.WINS] == 100
    assert annual[Metric.OPPORTUNITIES] == 400
    assert annual[Metric.SQLS] == 800
    assert annual[Metric.MQLS] == 2000
    assert annual[Metric.LEADS] == 10000
    assert annual[Metric.SALES_ACCEPTED_LEADS] == 800


def test_months_before_a_win_are_offset_by_the_sales_cycle():
    plan = _plan()
    assert plan.offset_months == 2
    monthly = plan.monthly()
    jan = periods.index(2027, 1)
    assert min(monthly[Metric.WINS]) == jan
    assert min(monthly[Metric.LEADS]) == jan - 2  # November of the year before
    assert max(monthly[Metric.OPPORTUNITIES]) == periods.index(2027, 10)


def test_targets_are_whole_records_adding_up_to_the_year():
    targets = _plan().monthly_targets()
    wins = targets[Metric.WINS]
    assert sum(wins.values()) == 100 and set(wins.values()) == {D(8), D(9)}
    assert sum(targets[Metric.NEW_ARR].values()) == D("1200000.00")
    # 10000 / 12 = 833.33 a month: whole leads, rounded up only where needed to reach 10000.
    assert sum(targets[Metric.LEADS].values()) == 10000


def test_a_seasonality_curve_shifts_the_months():
    curve = [D(5)] * 10 + [D(25)] * 2
    wins = _plan(curve=curve).monthly_targets()[Metric.WINS]
    assert wins[periods.index(2027, 12)] == 25 and wins[periods.index(2027, 1)] == 5


def test_headcount_from_quota_sdr_capacity_and_ratio():
    assert _plan().headcount() == {"aes": 2, "inbound_sdrs": 2, "outbound_sdrs": 1}
    assert (
        _plan(new_arr=D("3000000"), aes_per_outbound_sdr=D("3")).headcount()["outbound_sdrs"] == 2
    )


@pytest.mark.django_db
def test_history_from_snapshots_with_counts_and_defaults(workspace):
    today = date(2026, 7, 15)
    assert all(a.is_default for a in selectors.planner_history(workspace, today=today).values())
    stages = [
        {"key": "lead", "name": "Lead", "entered": 100, "advanced": 0},
        {"key": "mql", "name": "MQL", "entered": 40, "advanced": 0},
        {"key": "sql", "name": "SQL", "entered": 10, "advanced": 0},
        {"key": "opportunity", "name": "Opportunity", "entered": 5, "advanced": 0},
    ]
    for month, (wins, lost, cycle) in {5: (2, 2, D(30)), 6: (1, 5, D(90))}.items():
        MetricSnapshot.objects.create(
            workspace=workspace,
            month=date(2026, month, 1),
            scope_key="workspace",
            wins=wins,
            lost_deals=lost,
            sales_cycle_days=cycle,
            new_mrr=D("1000"),
            new_customers=2,
            stages=stages,
            computed_at="2026-07-01T00:00:00Z",
        )
    history = selectors.planner_history(workspace, today=today)
    assert (history["acv"].value, history["acv"].count) == (D(6000), 4)
    assert (history["win_rate"].value, history["win_rate"].count) == (D("30.0"), 10)
    assert (history["lead_to_mql"].value, history["lead_to_mql"].count) == (D("40.0"), 200)
    assert history["mql_to_sql"].value == D("25.0")
    assert (history["sales_cycle_days"].value, history["sales_cycle_days"].count) == (D(50), 3)
    assert history["ae_quota"].is_default


PLAN_FORM = {
    "year": "2027",
    "new_arr": "1200000",
    "acv": "12000",
    "win_rate": "25",
    "lead_to_mql": "20",
    "mql_to_sql": "40",
    "sql_to_opportunity": "50",
    "sales_cycle_days": "61",
    "ae_quota": "600000",
    "companies_per_sdr": "133",
    "aes_per_outbound_sdr": "2",
}


@pytest.mark.django_db
def test_planner_page_asks_to_confirm_defaults_before_distributing(client, pipeline_ws, people):
    url = reverse("targets:planner", args=[pipeline_ws.slug])
    login_as(client, people["leader"])
    page = client.get(url, PLAN_FORM)
    assert page.status_code == 200 and b"default" in page.content
    assert b"What 2027 takes" in page.content
    refused = client.post(url, PLAN_FORM)
    assert refused.status_code == 400
    assert not Target.objects.of(pipeline_ws).exists()
    done = client.post(url, {**PLAN_FORM, "confirm_defaults": "on"})
    assert done.status_code == 302
    wins = Target.objects.of(pipeline_ws).filter(metric="wins", scope="workspace")
    assert sum(t.value for t in wins) == 100
    ae = Target.objects.of(pipeline_ws).filter(metric="wins", user=people["ae"].user)
    assert sum(t.value for t in ae) == 100  # the only seller takes the sales team's whole share
    leads = Target.objects.of(pipeline_ws).filter(metric="leads", scope="team", team="marketing")
    assert sum(t.value for t in leads) == 10000


@pytest.mark.django_db
@pytest.mark.parametrize("rate", ["0", "100.5", "-3", "abc"])
def test_rates_outside_0_to_100_are_refused(client, pipeline_ws, people, rate):
    login_as(client, people["leader"])
    url = reverse("targets:planner", args=[pipeline_ws.slug])
    got = client.post(url, {**PLAN_FORM, "win_rate": rate, "confirm_defaults": "on"})
    assert got.status_code == 400
    assert got.context["form"].errors["win_rate"]
    assert not Target.objects.of(pipeline_ws).exists()


@pytest.mark.django_db
def test_only_leaders_distribute(client, pipeline_ws, people):
    login_as(client, people["marketing"])
    url = reverse("targets:planner", args=[pipeline_ws.slug])
    assert client.get(url, PLAN_FORM).status_code == 200
    assert client.post(url, {**PLAN_FORM, "confirm_defaults": "on"}).status_code == 403
    assert not services.Target.objects.of(pipeline_ws).exists()
