"""Targets services: apportioning, spreading, curves, pace, the command and the nightly task."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from targets import periods, selectors, services, tasks
from targets.models import MetricSnapshot, Target
from targets.shares import apportion

D = Decimal


def test_apportion_adds_up_exactly():
    assert apportion(D("100"), [D(1)] * 3, D(1)) == [D(34), D(33), D(33)]
    parts = apportion(D("1000.00"), [D(1)] * 12, D("0.01"))
    assert sum(parts) == D("1000.00") and max(parts) - min(parts) == D("0.01")


@pytest.mark.parametrize(
    ("weights", "message"),
    [
        ([8] * 12, "add up to 96.00 %"),
        ([10] * 11, "twelve"),
        ([-10] + [10] * 11, "negative"),
        (["x"] * 12, "percentage"),
    ],
)
def test_a_curve_must_be_twelve_shares_adding_up_to_100(weights, message):
    with pytest.raises(ValidationError, match=message):
        services.check_curve(weights)


def test_elapsed_share_and_pace():
    jan, dec = periods.index(2026, 1), periods.index(2026, 12)
    assert selectors.elapsed_share(jan, dec, date(2025, 12, 31)) == 0
    assert selectors.elapsed_share(jan, dec, date(2027, 1, 1)) == 1
    assert selectors.elapsed_share(jan, jan, date(2026, 1, 31)) == 1
    assert selectors.elapsed_share(jan, dec, date(2026, 7, 2)) == D(183) / D(365)


@pytest.mark.django_db
def test_pace_and_ceiling(workspace):
    target = services.target_set(
        workspace=workspace,
        actor=None,
        metric="churned_arr",
        year=2026,
        month=3,
        scope="workspace",
        value=1200,
    )
    MetricSnapshot.objects.create(
        workspace=workspace,
        month=date(2026, 3, 1),
        scope_key="workspace",
        new_mrr=0,
        churn_mrr=D("50"),
        computed_at="2026-03-20T00:00:00Z",
    )
    (row,) = selectors.achievements(workspace, [target], today=date(2026, 3, 16))
    assert row.actual == D("600")  # 50 MRR = 600 ARR
    assert row.attained == D("0.5")
    assert row.elapsed == D(16) / D(31)
    # A ceiling is on pace while under target x the share gone (1200 x 16/31 = 619.35).
    assert row.on_pace is True


@pytest.mark.django_db
def test_a_scope_without_snapshots_has_done_nothing(workspace, member_factory):
    person = member_factory(workspace)
    target = services.target_set(
        workspace=workspace,
        actor=None,
        metric="wins",
        year=2026,
        month=0,
        scope="person",
        user=person.user,
        value=5,
    )
    (row,) = selectors.achievements(workspace, [target], today=date(2026, 6, 1))
    assert row.actual == 0 and row.on_pace is False


@pytest.mark.django_db
def test_setting_again_replaces(workspace):
    common = {"workspace": workspace, "actor": None, "metric": "leads", "year": 2026}
    services.target_set(**common, month=2, scope="team", team="marketing", value=10)
    services.target_set(**common, month=2, scope="team", team="marketing", value=12)
    assert Target.objects.of(workspace).get().value == 12


@pytest.mark.django_db
def test_rebuild_metrics_command(pipeline_ws, history, people, capsys):
    history(None, [("created", None, "lead", "2026-01-05", None, people["sdr"].user)])
    call_command("rebuild_metrics", "--workspace", pipeline_ws.slug, "--from", "2026-01")
    assert "snapshots written" in capsys.readouterr().out
    jan = MetricSnapshot.objects.of(pipeline_ws).get(month=date(2026, 1, 1), scope_key="workspace")
    assert jan.leads == 1
    months = MetricSnapshot.objects.of(pipeline_ws).filter(scope_key="workspace").count()
    assert months == periods.today_index(pipeline_ws) - periods.index(2026, 1) + 1
    with pytest.raises(CommandError, match="not a month"):
        call_command("rebuild_metrics", "--workspace", pipeline_ws.slug, "--from", "2026-13")
    with pytest.raises(CommandError, match="No workspace"):
        call_command("rebuild_metrics", "--workspace", "nope")


@pytest.mark.django_db
def test_nightly_task_touches_only_the_last_three_months(pipeline_ws, history, people):
    history(None, [("created", None, "lead", "2026-01-05", None, people["sdr"].user)])
    tasks.metrics_nightly(pipeline_ws.pk)
    months = set(
        MetricSnapshot.objects.of(pipeline_ws)
        .filter(scope_key="workspace")
        .values_list("month", flat=True)
    )
    now = periods.today_index(pipeline_ws)
    assert months == {periods.first_day(m) for m in range(now - 2, now + 1)}
