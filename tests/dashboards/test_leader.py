"""The leader's panels: numbers against hand-made data, the empty state, query bounds and the
links to the lists behind the numbers."""

from datetime import date
from decimal import Decimal

import pytest

from targets import periods as months
from targets import services as target_services
from targets.models import MetricSnapshot
from tests.conftest import login_as
from tests.dashboards.conftest import HTMX, PANEL_QUERIES, panel_url

pytestmark = pytest.mark.django_db


def _snap(ws, day: date, **values):
    return MetricSnapshot.objects.create(
        workspace=ws, month=day.replace(day=1), scope_key="workspace",
        computed_at="2026-01-01T00:00:00Z", **values,
    )  # fmt: skip


def _target(ws, metric, value, month=0, year=None):
    return target_services.target_set(
        workspace=ws, actor=None, metric=metric, year=year or ws.today().year, month=month,
        scope="workspace", value=value,
    )  # fmt: skip


def test_targets_panel_shows_year_and_month_with_pace(
    client, pipeline_ws, leader, django_assert_max_num_queries
):
    today = pipeline_ws.today()
    _target(pipeline_ws, "wins", 10)
    _target(pipeline_ws, "wins", 2, month=today.month)
    _target(pipeline_ws, "new_arr", Decimal("120000"))
    _target(pipeline_ws, "wins", 99, month=today.month % 12 + 1)  # another month: not shown
    _snap(pipeline_ws, today, wins=3, new_mrr=Decimal("1000.50"), expansion_mrr=0,
          contraction_mrr=0, churn_mrr=0, reactivation_mrr=0)  # fmt: skip
    login_as(client, leader)
    with django_assert_max_num_queries(PANEL_QUERIES + 2):
        got = client.get(panel_url(pipeline_ws, "leader", "targets"), **HTMX)
    assert got.status_code == 200
    yearly = {r.target.metric: r for r in got.context["yearly"]}
    assert yearly["wins"].actual == 3 and yearly["wins"].attained == Decimal("0.3")
    assert yearly["new_arr"].actual == Decimal("12006.00")
    (month,) = got.context["monthly"]
    assert month.actual == 3 and month.attained == Decimal("1.5") and month.on_pace
    body = got.content.decode()
    m = f"{today.year}-{today.month:02d}"
    assert f"metric=wins&amp;from={m}&amp;to={m}" in body
    assert f"metric=new_arr&amp;from={today.year}-01&amp;to={today.year}-12" in body
    assert 'data-chart="chart-targets"' in body and 'id="chart-targets"' in body
    assert "show the numbers as a table" in body
    # The chart's table shows the same numbers: 30 % of the year's wins, 150 % of the month's.
    assert "30.0 %" in body and "150.0 %" in body


def test_targets_panel_empty_says_set_targets(client, pipeline_ws, leader, role_member):
    login_as(client, leader)
    got = client.get(panel_url(pipeline_ws, "leader", "targets"), **HTMX)
    assert got.status_code == 200
    body = got.content.decode()
    assert "No company targets are set" in body and "Set targets" in body
    assert "data-chart" not in body
    login_as(client, role_member("sdr"))
    got = client.get(panel_url(pipeline_ws, "company", "targets"), **HTMX)
    assert "A leader or an admin sets them" in got.content.decode()


# The worked example of docs/METRICS.md over Q1 2025 (ARR = MRR x 12):
# Jan: start 150, new 100 (Acme), contraction 50 (Beta's B2) -> 200; Feb: churn 100 (B1),
# expansion 50 (Acme), reactivation 100 (B1) -> 250; Mar: churn 150 (Acme) -> 100.
Q1 = {"period": "custom", "start": "2025-01-01", "end": "2025-03-31"}


@pytest.fixture
def q1(example_ledger):
    target_services.metrics_rebuild(
        workspace=example_ledger, first=months.index(2024, 12), last=months.index(2025, 3)
    )
    return example_ledger


def _get(client, ws, panel, query, bound, assert_max, home="leader"):
    with assert_max(PANEL_QUERIES + bound):
        got = client.get(panel_url(ws, home, panel), query, **HTMX)
    assert got.status_code == 200, got.content
    assert b"panel-empty" not in got.content
    return got


def test_bridge_over_a_custom_period_to_the_cent(client, q1, people, django_assert_max_num_queries):
    login_as(client, people["leader"])
    got = _get(client, q1, "bridge", Q1, 1, django_assert_max_num_queries)
    steps = {f.label: f.value for f in got.context["steps"]}
    assert steps == {
        "ARR at start": Decimal("1800.00"),
        "New": Decimal("1200.00"),
        "Expansion": Decimal("600.00"),
        "Reactivation": Decimal("1200.00"),
        "Contraction": Decimal("-600.00"),
        "Churn": Decimal("-3000.00"),
        "ARR at end": Decimal("1200.00"),
    }
    assert got.context["balances"]
    body = got.content.decode()
    assert "1,800.00" in body and "-3,000.00" in body
    assert "metric=net_new_arr&amp;from=2025-01&amp;to=2025-03&amp;kind=contraction" in body


def test_bridge_drill_down_lists_exactly_the_movements(client, q1, people):
    login_as(client, people["leader"])
    got = client.get(panel_url(q1, "leader", "bridge"), Q1, **HTMX)
    hrefs = {f.label: f.href for f in got.context["steps"]}
    contraction = client.get(hrefs["Contraction"])
    assert contraction.status_code == 200
    assert [(name, f.kind) for f, name, _ in contraction.context["facts"]] == [
        ("Beta GmbH", "contraction")
    ]
    churn = client.get(hrefs["Churn"])
    assert sorted(name for _, name, _ in churn.context["facts"]) == ["Acme Ltd", "Beta GmbH"]
    assert sum(f.amount for f, _, _ in churn.context["facts"]) == Decimal("-3000.00")
    bad = client.get(hrefs["Churn"] + "&kind=contraction")
    assert bad.status_code == 400


def test_trend_draws_mrr_and_arr_from_the_snapshots(
    client, q1, people, django_assert_max_num_queries
):
    login_as(client, people["leader"])
    got = _get(client, q1, "trend", Q1, 1, django_assert_max_num_queries)
    chart = got.context["chart"]
    assert chart.labels == ["2024-12", "2025-01", "2025-02", "2025-03"]
    assert chart.series[0].values == [Decimal(v) for v in ("150", "200", "250", "100")]
    assert chart.series[1].values == [Decimal(v) * 12 for v in ("150", "200", "250", "100")]
    assert 'id="chart-trend" type="application/json"' in got.content.decode()


def test_funnel_health_and_ratios_over_the_period(
    client, q1, people, django_assert_max_num_queries
):
    login_as(client, people["leader"])
    funnel = _get(client, q1, "funnel", Q1, 1, django_assert_max_num_queries)
    figures = {f.label: f.value for f in funnel.context["figures"]}
    assert figures["Win rate"] == 1  # Acme won in January, nothing lost
    health = _get(client, q1, "health", Q1, 3, django_assert_max_num_queries)
    figures = {f.label: f.value for f in health.context["figures"]}
    # Churned: Beta in February, Acme in March; paying at month starts: 1 + 2 + 2.
    assert figures["Logo churn (monthly)"] == Decimal(2) / Decimal(5)
    assert figures["NRR (trailing 12 months)"] is None  # nobody paid in March 2024
    ratios = _get(client, q1, "ratios", Q1, 2, django_assert_max_num_queries)
    figures = {f.label: f.value for f in ratios.context["figures"]}
    assert figures["Quick ratio"] == Decimal(250) / Decimal(300)
    assert figures["Average contract value"] == Decimal("1200")
    assert figures["SDRs per AE"] == 1
    assert "0.83" in ratios.content.decode()


LEADER_PANELS = ["targets", "bridge", "trend", "funnel", "health", "ratios"]


@pytest.mark.parametrize("panel", LEADER_PANELS)
def test_every_leader_panel_is_an_empty_state_in_an_empty_workspace(
    client, pipeline_ws, leader, panel
):
    login_as(client, leader)
    got = client.get(panel_url(pipeline_ws, "leader", panel), **HTMX)
    assert got.status_code == 200
    body = got.content.decode()
    assert "panel-empty" in body and 'role="button"' in body
    assert "data-chart" not in body
