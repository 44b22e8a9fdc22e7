"""The MRR part of the snapshots, hand-computed on the worked example (conftest.example_ledger,
docs/METRICS.md), including its edge cases."""

from decimal import Decimal

import pytest

from targets import metrics, periods, services
from targets.models import MetricSnapshot

pytestmark = pytest.mark.django_db

DEC24, JAN25, FEB25, MAR25 = (periods.index(2024, 12), *(periods.index(2025, m) for m in (1, 2, 3)))
DEC25, JAN26 = periods.index(2025, 12), periods.index(2026, 1)


@pytest.fixture
def built(example_ledger):
    services.metrics_rebuild(workspace=example_ledger, first=DEC24, last=JAN26)
    return example_ledger


def _figures(ws, month, key="workspace"):
    snap = MetricSnapshot.objects.of(ws).get(month=periods.first_day(month), scope_key=key)
    return metrics.month_figures(snap)


def _d(text):
    return Decimal(text)


def _q(value):
    return None if value is None else value.quantize(Decimal("0.0001"))


def test_first_month_ratios_with_nothing_at_start_are_na(built):
    dec = _figures(built, DEC24)
    # Two subscriptions started on one day: the first makes the customer new, the second (in
    # recorded order) is an expansion of a customer already paying.
    assert (dec["mrr_start"], dec["new"], dec["expansion"], dec["mrr_end"], dec["arr_end"]) == (
        _d("0"),
        _d("100"),
        _d("50"),
        _d("150"),
        _d("1800"),
    )
    assert (dec["customers_start"], dec["customers_end"], dec["new_customers"]) == (0, 1, 1)
    for ratio in ("logo_churn_rate", "gross_mrr_churn_rate", "nrr", "grr", "quick_ratio"):
        assert dec[ratio] is None, ratio
    assert dec["arpa_end"] == 150


def test_contraction_to_zero_of_one_of_two_subscriptions(built):
    jan = _figures(built, JAN25)
    assert (jan["mrr_start"], jan["new"], jan["contraction"], jan["churn"], jan["mrr_end"]) == (
        _d("150"),
        _d("100"),
        _d("50"),
        _d("0"),
        _d("200"),
    )
    assert jan["churned_customers"] == 0 and jan["customers_end"] == 2
    assert _q(jan["gross_mrr_churn_rate"]) == _d("0.3333")
    assert _q(jan["nrr"]) == _d("0.6667") and _q(jan["grr"]) == _d("0.6667")
    assert jan["quick_ratio"] == 2
    assert jan["arpa_end"] == 100


def test_churn_and_return_in_one_month(built):
    feb = _figures(built, FEB25)
    assert (feb["expansion"], feb["churn"], feb["reactivation"], feb["net_new"]) == (
        _d("50"),
        _d("100"),
        _d("100"),
        _d("50"),
    )
    assert (feb["mrr_start"], feb["mrr_end"], feb["churned_customers"]) == (
        _d("200"),
        _d("250"),
        1,
    )
    assert feb["logo_churn_rate"] == _d("0.5")
    assert feb["gross_mrr_churn_rate"] == _d("0.5")
    assert feb["net_mrr_churn_rate"] == _d("-0.25")
    # Judged at month end, B is back at 100: the cohort kept everything (1 - grr = 0) though
    # the month counted a churn of 100 (gross MRR churn 0.5).
    assert (feb["nrr"], feb["grr"]) == (_d("1.25"), _d("1"))
    assert feb["quick_ratio"] == _d("1.5")


def test_last_subscription_cancelled_is_churn(built):
    mar = _figures(built, MAR25)
    assert (mar["churn"], mar["mrr_end"], mar["customers_end"], mar["churned_customers"]) == (
        _d("150"),
        _d("100"),
        1,
        1,
    )
    assert (mar["nrr"], mar["grr"], mar["quick_ratio"]) == (_d("0.4"), _d("0.4"), 0)


def test_trailing_twelve_months_judge_the_cohort_of_a_year_before(built):
    dec = _figures(built, DEC25)
    # Paying at the end of 2024-12: B at 150; at the end of 2025-12: B at 100.
    assert _q(dec["nrr_t12"]) == _d("0.6667") and _q(dec["grr_t12"]) == _d("0.6667")
    jan = _figures(built, JAN26)
    assert (jan["nrr_t12"], jan["grr_t12"]) == (_d("0.5"), _d("0.5"))
    assert _figures(built, MAR25)["nrr_t12"] is None


def test_the_bridge_adds_up_over_any_range(built):
    snaps = list(
        MetricSnapshot.objects.of(built)
        .filter(scope_key="workspace", month__gte=periods.first_day(JAN25))
        .filter(month__lte=periods.first_day(MAR25))
    )
    bridge = metrics.bridge(snaps)
    assert bridge.balances
    assert (bridge.start, bridge.end) == (_d("150"), _d("100"))
    assert (bridge.new, bridge.expansion, bridge.reactivation) == (_d("100"), _d("50"), _d("100"))
    assert (bridge.contraction, bridge.churn) == (_d("50"), _d("250"))


def test_new_arr_goes_to_the_seller_later_movements_to_the_owner(built, people):
    ae, csm = f"person:{people['ae'].user_id}", f"person:{people['csm'].user_id}"
    assert _figures(built, JAN25, ae)["new"] == 100
    feb = MetricSnapshot.objects.of(built).get(month=periods.first_day(FEB25), scope_key=csm)
    assert (feb.expansion_mrr, feb.churn_mrr, feb.reactivation_mrr) == (
        _d("50"),
        _d("100"),
        _d("100"),
    )
    team = MetricSnapshot.objects.of(built).get(
        month=periods.first_day(JAN25), scope_key="team:sales"
    )
    assert team.new_mrr == 100


def test_mrr_rebuild_is_idempotent_and_equal_to_a_fresh_one(built):
    def table():
        return sorted(
            (s.month, s.scope_key, tuple(metrics.month_figures(s).items()))
            for s in MetricSnapshot.objects.of(built)
        )

    before = table()
    services.metrics_rebuild(workspace=built, first=DEC24, last=JAN26)
    assert table() == before
    MetricSnapshot.objects.of(built).delete()
    services.metrics_rebuild(workspace=built, first=DEC24, last=JAN26)
    assert table() == before
