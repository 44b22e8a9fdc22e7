"""The leader's panels: numbers against hand-made data, the empty state, query bounds and the
links to the lists behind the numbers."""

from datetime import date
from decimal import Decimal

import pytest

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
