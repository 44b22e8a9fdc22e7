"""Months are the workspace's calendar months: a stage move, an activity or a cancellation near
midnight at a month boundary counts in the month it happened where the workspace is, and the
records behind an actual page through with keyset cursors."""

from datetime import UTC, date, datetime
from unittest import mock
from urllib.parse import parse_qs

import pytest
from django.urls import reverse

from customers import services as customers
from records.models import ActivityKind
from targets import periods, services
from targets.models import MetricSnapshot
from targets.rollups import behind
from tests.conftest import login_as
from tests.factories import ActivityFactory, RecordFactory, StageTransitionFactory

pytestmark = pytest.mark.django_db
JAN, FEB, MAR = periods.index(2025, 1), periods.index(2025, 2), periods.index(2025, 3)


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def _lead(ws, stages, at: str, name: str):
    record = RecordFactory(workspace=ws, name=name)
    StageTransitionFactory(record=record, kind="created", to_stage=stages["lead"], at=_utc(at))
    return record


def _figures(ws, column: str) -> dict:
    services.metrics_rebuild(workspace=ws, first=JAN, last=MAR)
    return {
        periods.label(periods.of_date(month)): value
        for month, value in MetricSnapshot.objects.of(ws)
        .filter(scope_key="workspace")
        .values_list("month", column)
    }


@pytest.mark.parametrize(
    ("zone", "expected"),
    [
        # 23:30 UTC on 31 January is 00:30 on 1 February in Berlin; 03:00 UTC on 1 March is
        # 22:00 on 28 February in New York; in UTC each move counts where the UTC clock says.
        ("UTC", {"2025-01": 1, "2025-02": 0, "2025-03": 1}),
        ("Europe/Berlin", {"2025-01": 0, "2025-02": 1, "2025-03": 1}),
        ("America/New_York", {"2025-01": 1, "2025-02": 1, "2025-03": 0}),
    ],
)
def test_a_move_near_midnight_counts_in_the_workspaces_month(pipeline_ws, stages, zone, expected):
    pipeline_ws.time_zone = zone
    pipeline_ws.save()
    _lead(pipeline_ws, stages, "2025-01-31T23:30:00", "Late January")
    _lead(pipeline_ws, stages, "2025-03-01T03:00:00", "Early March")
    assert _figures(pipeline_ws, "leads") == expected


def test_berlin_month_boundaries_for_moves_activities_and_the_ledger(pipeline_ws, stages, people):
    pipeline_ws.time_zone = "Europe/Berlin"
    pipeline_ws.save()
    record = _lead(pipeline_ws, stages, "2025-02-28T22:59:59", "Last Berlin second")
    _lead(pipeline_ws, stages, "2025-02-28T23:00:00", "First Berlin March")  # 00:00 in Berlin
    ActivityFactory(
        record=record,
        kind=ActivityKind.CALL,
        actor=people["sdr"].user,
        occurred_at=_utc("2025-01-31T23:15:00"),
    )
    sub = customers.subscription_start(
        workspace=pipeline_ws, actor=None, record=record, mrr="100", started_on=date(2025, 1, 5)
    )
    # Cancelled "today" at 23:30 UTC on 31 January: already 1 February on the workspace's
    # calendar, so the churn is February's.
    with mock.patch("django.utils.timezone.now", return_value=_utc("2025-01-31T23:30:00")):
        customers.subscription_cancel(
            workspace=pipeline_ws, actor=None, subscription=sub, reason="price"
        )
    assert _figures(pipeline_ws, "leads") == {"2025-01": 0, "2025-02": 1, "2025-03": 1}
    assert _figures(pipeline_ws, "activities") == {"2025-01": 0, "2025-02": 1, "2025-03": 0}
    churn = _figures(pipeline_ws, "churn_mrr")
    assert (churn["2025-01"], churn["2025-02"]) == (0, 100)
    # The records behind February's leads are the ones the snapshot counted.
    page = behind.facts(pipeline_ws, "leads", first=FEB, last=FEB, scope_key="workspace")
    assert [f.record_id for f in page.facts] == [record.pk]


def test_the_records_behind_an_actual_page_with_keyset_cursors(
    client, pipeline_ws, stages, people, django_assert_max_num_queries
):
    leads = [
        _lead(pipeline_ws, stages, f"2025-02-{day:02d}T12:00:00", f"Lead {day}")
        for day in range(1, 8)
    ]
    # Two on one instant: the id breaks the tie, so neither is skipped nor shown twice.
    leads.append(_lead(pipeline_ws, stages, "2025-02-07T12:00:00", "Lead 7b"))
    seen, cursor = [], None
    while True:
        page = behind.facts(
            pipeline_ws, "leads", first=FEB, last=FEB, scope_key="workspace", cursor=cursor, size=3
        )
        seen += [f.record_id for f in page.facts]
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    newest_first = [leads[7], leads[6], *reversed(leads[:6])]  # 7b, 7, 6, ..., 1
    assert seen == [r.pk for r in newest_first]
    login_as(client, people["sdr"])
    url = reverse("targets:actuals", args=[pipeline_ws.slug])
    query = {"metric": "leads", "from": "2025-02", "to": "2025-02", "scope": "workspace"}
    with mock.patch.object(behind, "PAGE", 5), django_assert_max_num_queries(12):
        first = client.get(url, query)
    assert first.status_code == 200 and "Older" in first.content.decode()
    assert first.content.decode().count("<td><a href=") == 5
    cursor = parse_qs(first.context["next_query"])["after"][0]
    with mock.patch.object(behind, "PAGE", 5):
        second = client.get(url + "?" + first.context["next_query"])
    assert second.status_code == 200 and "Older" not in second.content.decode()
    assert second.content.decode().count("<td><a href=") == 3
    assert "Lead 1" in second.content.decode() and "Lead 1" not in first.content.decode()
    # A cursor of another list, or a tampered one, is a 400 with a message.
    other = client.get(url, {**query, "metric": "mqls", "after": cursor})
    assert other.status_code == 400
    assert client.get(url, {**query, "after": "nonsense"}).status_code == 400
