"""ICP calibration on a small hand-made history: bands, stage reach, win rates, lifts with their
counts, suggested weights and "use suggested weights"; figures stored by a background refresh,
never computed by the page."""

from fractions import Fraction
from unittest import mock

import pytest
from django.core.cache import cache
from django.db.models import F
from django.urls import reverse

from pipeline import services
from pipeline.models import IcpCalibration
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


def measured(workspace):
    """The figures as the page reads them, after the background refresh stored them."""
    services.icp_calibration_refresh(workspace=workspace)
    return selectors.icp_calibration(workspace)


def test_bands_stage_reach_and_win_rates(history, stages):
    result = measured(history)
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
    software, germany = measured(history).lifts
    assert (software.decided, software.won) == (8, 4)
    assert software.lift == Fraction(1, 2) / Fraction(4, 13)  # 1.625
    assert (germany.decided, germany.won) == (7, 3)
    assert germany.lift == Fraction(3, 7) / Fraction(4, 13)  # 1.39
    # 8 and 7 decided records are too few to suggest from: the weights stay.
    assert [lift.suggested for lift in (software, germany)] == [50, 50]
    assert not software.enough_history


def test_suggested_weights(history, monkeypatch):
    monkeypatch.setattr(selectors, "MIN_DECIDED", 5)
    result = measured(history)
    # The best predictor gets 100, the other its gain in proportion: 0.393 / 0.625 = 63 %.
    assert result.suggested_weights == [100, 63]
    assert selectors.suggest([(40, 30, 5, Fraction(1, 2)), (10, 30, 20, Fraction(2))]) == [0, 100]
    assert selectors.suggest([(40, 3, 1, Fraction(3)), (10, 30, 20, None)]) == [40, 10]


def test_page_and_use_suggested_weights(client, history, member_factory, monkeypatch):
    monkeypatch.setattr(selectors, "MIN_DECIDED", 5)
    page_url = reverse("pipeline:icp_calibration", args=[history.slug])
    apply_url = reverse("pipeline:icp_calibration_apply", args=[history.slug])
    services.icp_calibration_refresh(workspace=history)
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
    admin_client.get(page_url)  # the first view of a session writes its own rows
    for _ in range(2):
        for _ in range(10):
            record = RecordFactory(workspace=history, icp_score=70, status=RecordStatus.LOST)
            StageTransitionFactory(record=record, to_stage=stages["sql"])
        services.icp_calibration_refresh(workspace=history)
        with django_assert_max_num_queries(12):
            assert admin_client.get(page_url).status_code == 200


def test_empty_history_says_so(admin_client, pipeline_ws):
    IcpProfile.objects.create(workspace=pipeline_ws, criteria=CRITERIA)
    services.icp_calibration_refresh(workspace=pipeline_ws)
    body = admin_client.get(reverse("pipeline:icp_calibration", args=[pipeline_ws.slug]))
    assert "No record has been won or lost yet" in body.content.decode()


@pytest.fixture
def nothing_queued(history):
    cache.delete(services.calibration_queued_key(history.pk))
    return history


def test_the_page_never_computes_the_figures_it_queues_them(
    admin_client, nothing_queued, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    from pipeline import tasks as pipeline_tasks

    history = nothing_queued
    page_url = reverse("pipeline:icp_calibration", args=[history.slug])
    admin_client.get(reverse("pipeline:icp_calibration_apply", args=[history.slug]))  # session
    queued = []
    with mock.patch.object(pipeline_tasks.icp_calibration_refresh, "delay", queued.append):
        with (
            django_capture_on_commit_callbacks(execute=True),
            django_assert_max_num_queries(12) as captured,
        ):
            response = admin_client.get(page_url)
        body = response.content.decode()
        # No grouped query over the history ran: the page only says the figures are coming,
        # and polls for them.
        assert not any("pipeline_stagetransition" in q["sql"] for q in captured.captured_queries)
        assert "being computed in the background" in body and 'hx-trigger="every 3s"' in body
        assert "Use suggested weights" not in body
        assert queued == [history.pk]
        # A second view while the refresh is queued does not queue another.
        with django_capture_on_commit_callbacks(execute=True):
            admin_client.get(page_url)
        assert queued == [history.pk]
        # Until the figures exist, "use suggested weights" is refused with a message.
        apply_url = reverse("pipeline:icp_calibration_apply", args=[history.slug])
        refused = admin_client.post(apply_url, {"version": 1}, follow=True)
        assert "still being computed" in refused.content.decode()
    pipeline_tasks.icp_calibration_refresh(history.pk)
    body = admin_client.get(page_url).content.decode()
    assert "being computed" not in body and "every 3s" not in body and "31 %" in body


def test_figures_are_kept_until_the_profile_changes(history, stages, django_assert_max_num_queries):
    first = measured(history)
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
    assert not kept.pending and not kept.stale
    # Figures of another profile version judge other criteria: none are shown.
    IcpProfile.objects.filter(workspace=history).update(version=F("version") + 1)
    assert selectors.icp_calibration(history).pending
    fresh = measured(history)
    assert (fresh.won, fresh.decided, fresh.pending) == (4, 14, False)
    # Refreshing again replaces the one row.
    services.icp_calibration_refresh(workspace=history)
    assert IcpCalibration.objects.of(history).count() == 1


def test_a_finished_recompute_refreshes_the_figures_in_the_background(
    nothing_queued, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    from pipeline import tasks as pipeline_tasks
    from records import tasks as records_tasks

    history = nothing_queued
    services.icp_calibration_refresh(workspace=history)
    queued = []
    with (
        mock.patch.object(pipeline_tasks.icp_calibration_refresh, "delay", queued.append),
        django_capture_on_commit_callbacks(execute=True),
    ):
        records_tasks.icp_recompute.apply(args=[history.pk])
    assert queued == [history.pk]
    # Until the refresh runs, the figures shown are marked as older than the scores.
    assert selectors.icp_calibration(history).stale
    pipeline_tasks.icp_calibration_refresh(history.pk)
    with django_assert_max_num_queries(4):
        result = selectors.icp_calibration(history)
    assert (result.decided, result.stale) == (13, False)
