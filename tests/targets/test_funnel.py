"""The funnel part of the snapshots on a hand-computed history (tests/targets/conftest.py)."""

from decimal import Decimal

import pytest

from targets import metrics, periods, services
from targets.models import MetricSnapshot
from tests.factories import ActivityFactory, RecordFactory
from tests.targets.conftest import at

pytestmark = pytest.mark.django_db

JAN, FEB = periods.index(2026, 1), periods.index(2026, 2)


@pytest.fixture
def funnel(pipeline_ws, people, history):
    """A: Lead -> MQL -> SQL in January, Opportunity and Won in February.
    B: Lead, then a skip Lead -> SQL (passes MQL) in January.
    C: Lead -> MQL in January, lost at MQL in February (not a lost deal).
    D: created in Opportunity in February and lost there (a lost deal).
    """
    m, s, ae, csm = (people[r].user for r in ("marketing", "sdr", "ae", "csm"))
    history(
        None,
        [
            ("created", None, "lead", "2026-01-05", None, m),
            ("forward", "lead", "mql", "2026-01-10", m, s),
            ("forward", "mql", "sql", "2026-01-20", s, s),
            ("forward", "sql", "opportunity", "2026-02-03", s, ae),
            ("forward", "opportunity", "won", "2026-02-20", ae, csm),
        ],
    )
    history(
        None,
        [
            ("created", None, "lead", "2026-01-07", None, m),
            ("forward", "lead", "sql", "2026-01-15", m, s),
        ],
    )
    history(
        None,
        [
            ("created", None, "lead", "2026-01-08", None, m),
            ("forward", "lead", "mql", "2026-01-25", m, s),
            ("lost", "mql", "mql", "2026-02-02", s, s),
        ],
    )
    history(
        None,
        [
            ("created", None, "opportunity", "2026-02-01", None, ae),
            ("lost", "opportunity", "opportunity", "2026-02-15", ae, ae),
        ],
    )
    record = RecordFactory(workspace=pipeline_ws)
    ActivityFactory(record=record, kind="call", actor=m, occurred_at=at("2026-01-11"))
    ActivityFactory(record=record, kind="note", actor=m, occurred_at=at("2026-01-11"))
    ActivityFactory(record=record, kind="task", actor=m, occurred_at=at("2026-01-12"))
    services.metrics_rebuild(workspace=pipeline_ws, first=JAN, last=FEB)
    return pipeline_ws


def _snap(workspace, month, key="workspace"):
    return MetricSnapshot.objects.of(workspace).get(month=periods.first_day(month), scope_key=key)


def test_entries_count_skips_as_passing_through(funnel):
    jan = _snap(funnel, JAN)
    assert (jan.leads, jan.mqls, jan.sqls, jan.opportunities, jan.wins) == (3, 3, 2, 0, 0)
    feb = _snap(funnel, FEB)
    # D was created in Opportunity: it enters Opportunity only, never Lead.
    assert (feb.leads, feb.mqls, feb.sqls, feb.opportunities, feb.wins) == (0, 0, 0, 2, 1)


def test_sales_accepted_leads_are_moves_from_mql_to_sql(funnel):
    # A moved MQL -> SQL; B skipped from Lead, so it was never an MQL waiting for sales.
    assert _snap(funnel, JAN).sales_accepted_leads == 1


def test_conversion_is_the_month_cohort_judged_at_month_end(funnel):
    figures = metrics.month_figures(_snap(funnel, JAN))
    assert figures["conversion_lead_to_mql"] == 1
    assert figures["conversion_mql_to_sql"] == Decimal(2) / 3
    assert figures["conversion_sql_to_opportunity"] == 0
    feb = metrics.month_figures(_snap(funnel, FEB))
    assert feb["conversion_sql_to_opportunity"] is None  # nobody entered SQL: n/a
    assert feb["conversion_opportunity_to_won"] == Decimal("0.5")


def test_win_rate_counts_deals_lost_at_opportunity_or_later(funnel):
    feb = metrics.month_figures(_snap(funnel, FEB))
    assert (feb["wins"], feb["lost_deals"], feb["win_rate"]) == (1, 1, Decimal("0.5"))
    assert metrics.month_figures(_snap(funnel, JAN))["win_rate"] is None


def test_median_sales_cycle_from_first_stage_row_to_won(funnel):
    assert _snap(funnel, FEB).sales_cycle_days == Decimal("46.0")
    assert _snap(funnel, JAN).sales_cycle_days is None


def test_activities_count_touches_not_tasks_or_notes(funnel, people):
    jan = _snap(funnel, JAN)
    assert jan.activities == 1
    assert _snap(funnel, JAN, f"person:{people['marketing'].user_id}").activities == 1


def test_people_and_teams_get_credit_for_what_they_handed_on(funnel, people):
    m, s, ae = (people[r].user_id for r in ("marketing", "sdr", "ae"))
    mine = _snap(funnel, JAN, f"person:{m}")
    assert (mine.leads, mine.mqls, mine.sqls, mine.sales_accepted_leads) == (3, 3, 1, 1)
    assert _snap(funnel, JAN, f"person:{s}").sqls == 1
    assert _snap(funnel, FEB, f"person:{s}").opportunities == 1
    seller = _snap(funnel, FEB, f"person:{ae}")
    assert (seller.opportunities, seller.wins, seller.lost_deals) == (1, 1, 1)
    marketing = _snap(funnel, JAN, "team:marketing")
    assert (marketing.leads, marketing.mqls, marketing.sales_accepted_leads) == (3, 3, 1)
    assert _snap(funnel, FEB, "team:sales").wins == 1


def test_rebuild_is_idempotent_and_equal_to_a_fresh_one(funnel):
    def table():
        return sorted(
            MetricSnapshot.objects.of(funnel).values_list(
                "month", "scope_key", "leads", "mqls", "sqls", "wins", "stages", "activities"
            )
        )

    before = table()
    services.metrics_rebuild(workspace=funnel, first=JAN, last=FEB)
    assert table() == before
    MetricSnapshot.objects.of(funnel).delete()
    services.metrics_rebuild(workspace=funnel, first=JAN, last=FEB)
    assert table() == before
