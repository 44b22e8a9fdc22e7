"""ICP calibration on a small hand-made history: bands, stage reach, win rates, lifts with their
counts, suggested weights and "use suggested weights"."""

from fractions import Fraction

import pytest
from django.db.models import F
from django.urls import reverse

from pipeline.selectors import calibration as selectors
from playbook.models import Role
from records.models import IcpProfile, RecordStatus
from tests.conftest import login_as
from tests.factories import RecordFactory, StageTransitionFactory

pytestmark = pytest.mark.django_db

CRITERIA = [
    {"kind": "field_in", "params": {"field": "industry", "values": ["Software"]}, "weight": 50},
    {"kind": "field_in", "params": {"field": "country", "values": ["Germany"]}, "weight": 50},
]


@pytest.fixture
def history(pipeline_ws, stages):
    """13 decided records (4 won, 9 lost) and one open one:

    score  industry  country   won lost
    100    Software  Germany    3    1
     50    Software  France     1    3
     50    Retail    Germany    0    3
      0    Retail    France     0    2  (+1 open)
    """
    IcpProfile.objects.create(workspace=pipeline_ws, criteria=CRITERIA)
    rows = [
        (100, "Software", "Germany", 3, 1),
        (50, "Software", "France", 1, 3),
        (50, "Retail", "Germany", 0, 3),
        (0, "Retail", "France", 0, 2),
    ]
    for score, industry, country, won, lost in rows:
        for outcome in ["won"] * won + ["lost"] * lost:
            record = RecordFactory(
                workspace=pipeline_ws,
                icp_score=score,
                industry=industry,
                country=country,
                status=RecordStatus.LOST if outcome == "lost" else RecordStatus.OPEN,
            )
            StageTransitionFactory(record=record, kind="created", to_stage=stages["lead"])
            StageTransitionFactory(record=record, to_stage=stages["mql"])
            if outcome == "won":
                StageTransitionFactory(record=record, to_stage=stages["won"])
    RecordFactory(workspace=pipeline_ws, icp_score=5, industry="Retail", country="France")
    RecordFactory(workspace=pipeline_ws, icp_score=None)
    return pipeline_ws


def test_bands_stage_reach_and_win_rates(history, stages):
    result = selectors.icp_calibration(history)
    assert (result.won, result.decided) == (4, 13)
    assert result.win_rate == Fraction(4, 13)
    assert result.unscored == 1
    by_label = {band.label: band for band in result.bands}
    top, middle, bottom = by_label["80–100"], by_label["40–59"], by_label["0–19"]
    assert (top.records, top.won, top.lost, top.win_rate) == (4, 3, 1, Fraction(3, 4))
    assert (middle.records, middle.won, middle.lost) == (7, 1, 6)
    assert (bottom.records, bottom.won, bottom.lost, bottom.win_rate) == (3, 0, 2, 0)
    assert by_label["20–39"].records == 0 and by_label["20–39"].win_rate is None
    position = {s.pk: i for i, s in enumerate(result.stages)}
    assert top.reached[position[stages["lead"].pk]] == 4
    assert top.reached[position[stages["won"].pk]] == 3
    assert middle.reached[position[stages["won"].pk]] == 1
    assert bottom.reached[position[stages["mql"].pk]] == 2


def test_lift_per_criterion_with_its_counts(history):
    software, germany = selectors.icp_calibration(history).lifts
    assert (software.decided, software.won) == (8, 4)
    assert software.lift == Fraction(1, 2) / Fraction(4, 13)  # 1.625
    assert (germany.decided, germany.won) == (7, 3)
    assert germany.lift == Fraction(3, 7) / Fraction(4, 13)  # 1.39
    # 8 and 7 decided records are too few to suggest from: the weights stay.
    assert [lift.suggested for lift in (software, germany)] == [50, 50]
    assert not software.enough_history


def test_suggested_weights(history, monkeypatch):
    monkeypatch.setattr(selectors, "MIN_DECIDED", 5)
    result = selectors.icp_calibration(history)
    # The best predictor gets 100, the other its gain in proportion: 0.393 / 0.625 = 63 %.
    assert result.suggested_weights == [100, 63]
    assert selectors.suggest([(40, 30, 5, Fraction(1, 2)), (10, 30, 20, Fraction(2))]) == [0, 100]
    assert selectors.suggest([(40, 3, 1, Fraction(3)), (10, 30, 20, None)]) == [40, 10]


def test_page_and_use_suggested_weights(client, history, member_factory, monkeypatch):
    monkeypatch.setattr(selectors, "MIN_DECIDED", 5)
    page_url = reverse("pipeline:icp_calibration", args=[history.slug])
    apply_url = reverse("pipeline:icp_calibration_apply", args=[history.slug])
    sdr = login_as(client, member_factory(history, Role.SDR))
    body = sdr.get(page_url).content.decode()
    assert "31 %" in body  # 4 of 13
    assert "1.6×" in body and "8 decided (4 won)" in body
    assert "Use suggested weights" not in body
    assert sdr.post(apply_url, {"version": 1}).status_code == 403
    leader = login_as(client, member_factory(history, Role.LEADER))
    assert "Use suggested weights" in leader.get(page_url).content.decode()
    assert leader.post(apply_url, {"version": 0}).status_code == 302  # stale: refused
    profile = IcpProfile.objects.get(workspace=history)
    assert [c["weight"] for c in profile.criteria] == [50, 50]
    assert leader.post(apply_url, {"version": profile.version}).status_code == 302
    profile.refresh_from_db()
    assert [c["weight"] for c in profile.criteria] == [100, 63]


def test_page_queries_do_not_grow_with_history(
    admin_client, history, stages, django_assert_max_num_queries
):
    page_url = reverse("pipeline:icp_calibration", args=[history.slug])
    admin_client.get(page_url)
    for _ in range(2):
        for _ in range(10):
            record = RecordFactory(workspace=history, icp_score=70, status=RecordStatus.LOST)
            StageTransitionFactory(record=record, to_stage=stages["sql"])
        with django_assert_max_num_queries(12):
            assert admin_client.get(page_url).status_code == 200


def test_empty_history_says_so(admin_client, pipeline_ws):
    IcpProfile.objects.create(workspace=pipeline_ws, criteria=CRITERIA)
    body = admin_client.get(reverse("pipeline:icp_calibration", args=[pipeline_ws.slug]))
    assert "No record has been won or lost yet" in body.content.decode()


def test_figures_are_kept_until_the_profile_changes(history, stages, django_assert_max_num_queries):
    first = selectors.icp_calibration(history)
    record = RecordFactory(workspace=history, icp_score=90, status=RecordStatus.LOST)
    StageTransitionFactory(record=record, to_stage=stages["sql"])
    # Kept: the new lost record is not counted yet, and no grouped query ran.
    with django_assert_max_num_queries(4):
        kept = selectors.icp_calibration(history)
    assert (kept.won, kept.decided, kept.computed_at) == (
        first.won,
        first.decided,
        first.computed_at,
    )
    IcpProfile.objects.filter(workspace=history).update(version=F("version") + 1)
    fresh = selectors.icp_calibration(history)
    assert (fresh.won, fresh.decided) == (4, 14)


def test_a_finished_recompute_computes_the_figures_in_the_background(
    history, monkeypatch, django_assert_max_num_queries
):
    from pipeline import tasks as pipeline_tasks
    from records import tasks as records_tasks

    queued = []
    monkeypatch.setattr(
        pipeline_tasks.icp_calibration_refresh, "delay", lambda ws_id: queued.append(ws_id)
    )
    records_tasks.icp_recompute.apply(args=[history.pk])
    assert queued == [history.pk]
    pipeline_tasks.icp_calibration_refresh(history.pk)
    # The page's selector finds the figures kept: no grouped query.
    with django_assert_max_num_queries(4):
        assert selectors.icp_calibration(history).decided == 13
