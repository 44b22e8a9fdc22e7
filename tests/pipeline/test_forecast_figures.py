"""The AE home's figures (pipeline.selectors.forecast, targets.selectors: weighted forecast and
wins against target) on hand-made deals: every number worked out in the comments."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from pipeline.selectors import forecast as ae
from targets import selectors as quota
from targets.models import MetricSnapshot
from tests.factories import TargetFactory
from tests.pipeline import conftest as pipeline_fixtures

pipeline_ws = pipeline_fixtures.pipeline_ws
stages = pipeline_fixtures.stages
team = pipeline_fixtures.team
make_record = pipeline_fixtures.make_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def deals(pipeline_ws, make_record, team):
    """The AE's three open deals (Opportunity: 40 %), another seller's, and what never counts.

    A: 10,000 commit, closes today, active today      -> weighted 4,000
    B: 20,000 best case, closes 31 Dec, no activity   -> weighted 8,000 (stale)
    C: no ARR, pipeline, no close date, quiet 20 days -> weighted 0 (stale, undated)
    """
    ae_user, now, today = team["ae"].user, timezone.now(), pipeline_ws.today()
    made = {
        "A": make_record(
            "opportunity",
            name="A",
            owner=ae_user,
            expected_arr=Decimal("10000"),
            forecast_category="commit",
            expected_close_date=today,
            last_activity_at=now,
        ),
        "B": make_record(
            "opportunity",
            name="B",
            owner=ae_user,
            expected_arr=Decimal("20000"),
            forecast_category="best_case",
            expected_close_date=date(today.year, 12, 31),
        ),
        "C": make_record(
            "opportunity",
            name="C",
            owner=ae_user,
            expected_arr=None,
            last_activity_at=now - timedelta(days=20),
        ),
        "theirs": make_record(
            "opportunity",
            name="Theirs",
            owner=team["se"].user,
            expected_arr=Decimal("5000"),
            forecast_category="commit",
            expected_close_date=today,
            last_activity_at=now,
        ),
    }
    # Never counted: a lost deal, a deleted one, a record before the deal stages, a won one.
    make_record("opportunity", owner=ae_user, expected_arr=Decimal("1"), status="lost")
    make_record("opportunity", owner=ae_user, expected_arr=Decimal("1"), deleted_at=now)
    make_record("sql", owner=ae_user, expected_arr=Decimal("1"))
    make_record("won", owner=ae_user, expected_arr=Decimal("1"))
    return made


def test_pipeline_by_stage_counts_the_sellers_open_deals_per_deal_stage(
    pipeline_ws, deals, team, django_assert_num_queries
):
    with django_assert_num_queries(3):  # the deal stages, then the grouped counts
        rows = ae.pipeline_by_stage(pipeline_ws, owner_id=team["ae"].user_id)
    assert [(r.stage.key, r.count, r.arr, r.weighted) for r in rows] == [
        ("opportunity", 3, Decimal("30000"), Decimal("12000"))
    ]
    everyone = ae.pipeline_by_stage(pipeline_ws, owner_id=None)
    assert (everyone[0].count, everyone[0].arr) == (4, Decimal("35000"))


def test_forecast_rollup_by_category_for_the_seller_and_for_everyone(
    pipeline_ws, deals, team, django_assert_num_queries
):
    with django_assert_num_queries(2):  # the deal stages, then the grouped counts
        rows = ae.forecast_rollup(pipeline_ws, owner_id=team["ae"].user_id)
    assert [(r.category, r.count, r.arr, r.weighted) for r in rows] == [
        ("pipeline", 1, Decimal("0"), Decimal("0")),
        ("best_case", 1, Decimal("20000"), Decimal("8000")),
        ("commit", 1, Decimal("10000"), Decimal("4000")),
    ]
    commit = ae.forecast_rollup(pipeline_ws, owner_id=None)[2]
    assert (commit.count, commit.arr, commit.weighted) == (2, Decimal("15000"), Decimal("6000"))


def test_closing_this_month_and_stale_deals(pipeline_ws, deals, team):
    mine = team["ae"].user_id
    closing = ae.closing_this_month(pipeline_ws, owner_id=mine, today=pipeline_ws.today())
    assert (closing.count, closing.arr, [d.name for d in closing.deals]) == (
        1,
        Decimal("10000"),
        ["A"],
    )
    stale = ae.stale_deals(pipeline_ws, owner_id=mine)
    # Never touched first, then the quietest.
    assert (stale.count, stale.arr, [d.name for d in stale.deals]) == (
        2,
        Decimal("20000"),
        ["B", "C"],
    )
    assert ae.stale_deals(pipeline_ws, owner_id=None).count == 2


def _snapshot(ws, user, **figures):
    today = ws.today()
    MetricSnapshot.objects.create(
        workspace=ws,
        month=today.replace(day=1),
        scope_key=f"person:{user.pk}",
        user=user,
        computed_at=timezone.now(),
        **figures,
    )


def test_weighted_forecast_is_won_plus_weighted_open_deals_by_year_end_against_quota(
    pipeline_ws, deals, team, django_assert_max_num_queries
):
    ae_member, today = team["ae"], pipeline_ws.today()
    TargetFactory(
        workspace=pipeline_ws,
        metric="new_arr",
        year=today.year,
        scope="person",
        user=ae_member.user,
        value=Decimal("100000"),
    )
    _snapshot(pipeline_ws, ae_member.user, new_mrr=Decimal("1000"), wins=2)
    with django_assert_max_num_queries(6):
        got = quota.weighted_forecast(
            pipeline_ws,
            scope=f"person:{ae_member.user_id}",
            owner_id=ae_member.user_id,
            today=today,
        )
    # Won 1,000 MRR = 12,000 ARR; open A 4,000 + B 8,000 (C has no close date: left out).
    assert (got.won_arr, got.open_weighted, got.open_count, got.undated_count) == (
        Decimal("12000"),
        Decimal("12000"),
        2,
        1,
    )
    assert (got.forecast, got.coverage, got.gap) == (
        Decimal("24000"),
        Decimal("0.24"),
        Decimal("76000"),
    )


def test_without_a_quota_the_forecast_still_adds_up_and_says_so(pipeline_ws, deals, team):
    mine = team["ae"].user_id
    got = quota.weighted_forecast(
        pipeline_ws, scope=f"person:{mine}", owner_id=mine, today=pipeline_ws.today()
    )
    assert (got.quota, got.coverage, got.gap, got.forecast) == (None, None, None, Decimal("12000"))


def test_wins_vs_target_this_month_and_this_year(pipeline_ws, team):
    user, today = team["ae"].user, pipeline_ws.today()
    for month, value in ((today.month, 4), (0, 40)):
        TargetFactory(
            workspace=pipeline_ws,
            metric="wins",
            year=today.year,
            month=month,
            scope="person",
            user=user,
            value=value,
        )
    _snapshot(pipeline_ws, user, wins=3)
    got = quota.wins_vs_target(pipeline_ws, scope=f"person:{user.pk}", today=today)
    assert (got.month.actual, got.month.target.value, got.year.actual) == (3, 4, 3)
    assert got.month.attained == Decimal("0.75")
    nothing = quota.wins_vs_target(pipeline_ws, scope="team:sales", today=today)
    assert (nothing.month, nothing.year) == (None, None)
