"""The targets pages over HTTP: who may set and read, bad input, htmx partials, query bounds,
and another workspace's ids answering 404."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from playbook.models import Role
from targets import periods, services
from targets.models import MetricSnapshot, SeasonalityCurve, Target
from tests.conftest import login_as
from tests.factories import SeasonalityCurveFactory, TargetFactory

pytestmark = pytest.mark.django_db
YEAR = date.today().year


def url(ws, name, *args):
    return reverse(f"targets:{name}", args=[ws.slug, *args])


def _target_data(**changes):
    data = {"metric": "wins", "year": YEAR, "month": 0, "scope": "workspace", "value": "24"}
    data.update(changes)
    return data


@pytest.fixture
def leader(pipeline_ws, people):
    return people["leader"]


def test_leader_sets_a_target_and_everyone_reads_it(client, pipeline_ws, leader, people):
    login_as(client, leader)
    got = client.post(url(pipeline_ws, "page"), _target_data())
    assert got.status_code == 302
    target = Target.objects.of(pipeline_ws).get()
    assert (target.metric, target.value, target.scope_key) == ("wins", Decimal("24"), "workspace")
    login_as(client, people["sdr"])
    page = client.get(url(pipeline_ws, "page"), {"year": YEAR})
    assert page.status_code == 200
    assert b"Wins" in page.content and b"Set a target" not in page.content


def test_a_target_per_lead_source(client, pipeline_ws, leader):
    login_as(client, leader)
    got = client.post(
        url(pipeline_ws, "page"), _target_data(metric="leads", scope="source", source="webinar")
    )
    assert got.status_code == 302
    target = Target.objects.of(pipeline_ws).get()
    assert (target.scope, target.source, target.scope_key) == (
        "source",
        "webinar",
        "source:webinar",
    )
    page = client.get(url(pipeline_ws, "page"), {"year": YEAR}).content.decode()
    assert "Source: Webinar" in page and "source=webinar" in page


def test_a_member_who_is_not_a_leader_cannot_set(client, pipeline_ws, people):
    login_as(client, people["ae"])
    assert client.post(url(pipeline_ws, "page"), _target_data()).status_code == 403
    assert not Target.objects.of(pipeline_ws).exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"value": "-5"}, "value"),
        ({"month": "13"}, "month"),
        ({"scope": "person", "user": "999999"}, "user"),
        ({"scope": "team", "team": ""}, "team"),
        ({"metric": "wins", "value": "2.5"}, "value"),
        ({"metric": "nonsense"}, "metric"),
        ({"scope": "source", "source": ""}, "source"),
        ({"scope": "source", "source": "nonsense"}, "source"),
        ({"scope": "source", "source": "webinar", "metric": "new_arr"}, "metric"),
    ],
)
def test_bad_target_input_says_why_and_saves_nothing(client, pipeline_ws, leader, changes, field):
    login_as(client, leader)
    got = client.post(url(pipeline_ws, "page"), _target_data(**changes))
    assert got.status_code == 400
    assert got.context["form"].errors.get(field), got.context["form"].errors
    assert not Target.objects.of(pipeline_ws).exists()


def test_a_person_of_another_workspace_is_not_a_member(
    client, pipeline_ws, leader, other_workspace, member_factory
):
    stranger = member_factory(other_workspace, Role.AE)
    login_as(client, leader)
    got = client.post(url(pipeline_ws, "page"), _target_data(scope="person", user=stranger.user_id))
    assert got.status_code == 400
    assert not Target.objects.of(pipeline_ws).exists()


def test_the_page_shows_actual_attainment_and_pace_from_snapshots(
    client, pipeline_ws, leader, django_assert_max_num_queries
):
    services.target_set(
        workspace=pipeline_ws,
        actor=None,
        metric="wins",
        year=YEAR,
        month=0,
        scope="workspace",
        value=10,
    )
    for month in (1, 2):
        MetricSnapshot.objects.create(
            workspace=pipeline_ws,
            month=date(YEAR, month, 1),
            scope_key="workspace",
            wins=3,
            computed_at="2026-01-01T00:00:00Z",
        )
    login_as(client, leader)
    with django_assert_max_num_queries(14):
        page = client.get(url(pipeline_ws, "page"), {"year": YEAR})
    row = page.context["annual"][0]
    assert row.actual == 6 and row.attained == Decimal("0.6")
    assert b"60 %" in page.content
    assert b"metric=wins&amp;from=%d-01&amp;to=%d-12" % (YEAR, YEAR) in page.content


def test_htmx_gets_the_targets_partial(client, pipeline_ws, leader):
    login_as(client, leader)
    got = client.get(url(pipeline_ws, "page"), HTTP_HX_REQUEST="true")
    assert got.status_code == 200 and b"<html" not in got.content
    assert got["Vary"].count("HX-Request")


def test_spread_over_months_by_a_curve(client, pipeline_ws, leader):
    target = TargetFactory(workspace=pipeline_ws, metric="new_arr", value=Decimal("1000"))
    curve = SeasonalityCurveFactory(workspace=pipeline_ws)
    login_as(client, leader)
    got = client.post(url(pipeline_ws, "target_spread_months", target.pk), {"curve": curve.pk})
    assert got.status_code == 302
    months = Target.objects.of(pipeline_ws).filter(month__gt=0).order_by("month")
    assert [t.value for t in months] == [Decimal("80")] * 8 + [Decimal("90")] * 4


def test_spread_over_people_needs_shares_adding_up_to_100(client, pipeline_ws, leader, people):
    target = TargetFactory(workspace=pipeline_ws, metric="wins", value=10, team="sales")
    login_as(client, leader)
    spread = url(pipeline_ws, "target_spread_people", target.pk)
    assert client.get(spread).status_code == 200
    got = client.post(spread, {f"share_{people['ae'].user_id}": "90"})
    assert got.status_code == 400
    assert not Target.objects.of(pipeline_ws).filter(scope="person").exists()
    assert client.post(spread, {f"share_{people['ae'].user_id}": "100"}).status_code == 302
    mine = Target.objects.of(pipeline_ws).get(scope="person")
    assert (mine.user_id, mine.value) == (people["ae"].user_id, 10)


def test_curves_must_add_up_to_100(client, pipeline_ws, leader):
    login_as(client, leader)
    data = {"name": "Flat-ish", **{f"m{i}": "8" for i in range(1, 13)}}
    got = client.post(url(pipeline_ws, "curves"), data)
    assert got.status_code == 400 and b"add up to 96" in got.content
    assert not SeasonalityCurve.objects.of(pipeline_ws).exists()
    data.update(m1="10", m2="10")
    assert client.post(url(pipeline_ws, "curves"), data).status_code == 302
    curve = SeasonalityCurve.objects.of(pipeline_ws).get()
    assert client.get(url(pipeline_ws, "curves"), {"edit": curve.pk}).status_code == 200


def test_actuals_list_the_records_behind(client, pipeline_ws, people, history):
    record = history(None, [("created", None, "lead", f"{YEAR}-01-05", None, people["sdr"].user)])
    login_as(client, people["sdr"])
    got = client.get(
        url(pipeline_ws, "actuals"),
        {"metric": "leads", "from": f"{YEAR}-01", "to": f"{YEAR}-12", "scope": "workspace"},
    )
    assert got.status_code == 200
    assert record.name.encode() in got.content
    bad = client.get(url(pipeline_ws, "actuals"), {"metric": "leads", "from": "2026-13"})
    assert bad.status_code == 400


def test_metrics_csv_bad_months_answer_400(client, pipeline_ws, leader):
    login_as(client, leader)
    csv_url = url(pipeline_ws, "metrics_csv")
    assert client.get(csv_url, {"from": "2026-05", "to": "2026-01"}).status_code == 400
    assert client.get(csv_url, {"from": "2026-1"}).status_code == 400
    assert client.get(url(pipeline_ws, "metrics"), {"to": "May"}).status_code == 400


def test_metrics_page_reads_snapshots_in_a_bounded_number_of_queries(
    client, example_ledger, people, django_assert_max_num_queries
):
    services.metrics_rebuild(
        workspace=example_ledger, first=periods.index(2024, 12), last=periods.index(2025, 12)
    )
    login_as(client, people["sdr"])
    with django_assert_max_num_queries(12):
        got = client.get(url(example_ledger, "metrics"), {"from": "2024-12", "to": "2025-12"})
    assert got.status_code == 200
    assert b"ARR bridge" in got.content
    with django_assert_max_num_queries(12):
        part = client.get(
            url(example_ledger, "metrics"),
            {"from": "2025-01", "to": "2025-03"},
            HTTP_HX_REQUEST="true",
        )
    assert b"<html" not in part.content


def test_rebuild_now_is_for_leaders(client, pipeline_ws, leader, people, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    login_as(client, people["ae"])
    assert client.post(url(pipeline_ws, "metrics_rebuild")).status_code == 403
    login_as(client, leader)
    assert client.post(url(pipeline_ws, "metrics_rebuild")).status_code == 302


def test_another_workspaces_ids_answer_404(client, pipeline_ws, leader, other_workspace):
    foreign = TargetFactory(workspace=other_workspace)
    curve = SeasonalityCurveFactory(workspace=other_workspace)
    login_as(client, leader)
    for name in ("target_delete", "target_spread_months", "target_spread_people"):
        assert client.post(url(pipeline_ws, name, foreign.pk)).status_code == 404, name
    assert client.get(url(pipeline_ws, "curves"), {"edit": curve.pk}).status_code == 404
    assert client.post(url(pipeline_ws, "curves"), {"curve_id": curve.pk}).status_code == 404
    own = TargetFactory(workspace=pipeline_ws, metric="new_arr", value=100)
    got = client.post(url(pipeline_ws, "target_spread_months", own.pk), {"curve": curve.pk})
    assert got.status_code == 404
    assert Target.objects.of(other_workspace).count() == 1
