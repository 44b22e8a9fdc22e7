"""The SDR queue, the AE pipeline and the printable definitions."""

import csv
import io
import re
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from pipeline import services
from pipeline.selectors import queues as queue_selectors
from playbook.csvio import BOM
from playbook.models import AuditEvent, AuditKind
from tests.conftest import login_as
from tests.factories import RecordFactory

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def names(html):
    return re.findall(r'<td><a href="[^"]+">([^<]+)</a></td>', html)


def test_mqls_to_qualify_puts_sla_breaches_first_then_icp(client, pipeline_ws, make_record, team):
    login_as(client, team["sdr"])
    make_record("mql", name="Low fit", icp_score=55)
    make_record("mql", name="Best fit", icp_score=95)
    make_record("mql", name="Waiting too long", icp_score=60, days_in=6)
    make_record("sql", name="Already an SQL", icp_score=99)
    make_record("mql", name="Lost one", status="lost")
    html = client.get(reverse("pipeline:mql_queue", args=[pipeline_ws.slug])).content.decode()
    assert names(html) == ["Waiting too long", "Best fit", "Low fit"]
    assert html.count("Over SLA") == 1


def test_mqls_only_mine_and_load_more(client, pipeline_ws, make_record, team, stages):
    login_as(client, team["sdr"])
    for i in range(55):
        make_record("mql", name=f"Co {i:02}", icp_score=i, owner=team["sdr"].user)
    make_record("mql", name="Someone else's", icp_score=100, owner=team["sdr2"].user)
    url = reverse("pipeline:mql_queue", args=[pipeline_ws.slug])
    html = client.get(url + "?mine=1").content.decode()
    assert len(names(html)) == 50 and "Someone else" not in html
    more = re.search(r'hx-get="([^"]+after=[^"]+)"', html).group(1).replace("&amp;", "&")
    rest = client.get(more, **HTMX).content.decode()
    assert names(rest) == ["Co 04", "Co 03", "Co 02", "Co 01", "Co 00"]
    assert "<html" not in rest
    assert client.get(url + f"?stage={stages['sql'].pk}").status_code == 404
    assert client.get(url + f"?stage={stages['mql'].pk}&after=x.y").status_code == 400


def test_queue_pages_cost_a_bounded_number_of_queries(
    client, pipeline_ws, make_record, team, django_assert_max_num_queries
):
    login_as(client, team["ae"])
    urls = [
        reverse("pipeline:mql_queue", args=[pipeline_ws.slug]),
        reverse("pipeline:my_pipeline", args=[pipeline_ws.slug]),
    ]
    make_record("mql")
    make_record("opportunity", owner=team["ae"].user, expected_arr=1000)
    baselines = []
    for url in urls:
        with django_assert_max_num_queries(15) as captured:
            client.get(url)
        baselines.append(len(captured.captured_queries))
    for _ in range(15):
        make_record("mql")
        make_record("opportunity", owner=team["ae"].user, expected_arr=1000)
    for url, baseline in zip(urls, baselines, strict=True):
        with django_assert_max_num_queries(baseline):
            assert client.get(url).status_code == 200


def test_my_pipeline_by_close_date_with_weighted_values(client, pipeline_ws, make_record, team):
    login_as(client, team["ae"])
    ae = team["ae"].user
    make_record(
        "opportunity",
        name="Later",
        owner=ae,
        expected_arr=Decimal("50000"),
        expected_close_date=date(2031, 6, 1),
    )
    make_record(
        "opportunity",
        name="Sooner",
        owner=ae,
        expected_arr=Decimal("10000"),
        expected_close_date=date(2031, 1, 1),
    )
    make_record("opportunity", name="No date", owner=ae, expected_arr=None)
    make_record("opportunity", name="Not mine", owner=team["se"].user, expected_arr=1)
    make_record("won", name="Closed", owner=ae, expected_arr=Decimal("70000"))
    html = client.get(reverse("pipeline:my_pipeline", args=[pipeline_ws.slug])).content.decode()
    assert names(html) == ["Sooner", "Later", "No date"]
    # 40% of 10,000 and of 50,000; the total covers every open deal.
    assert "4,000" in html and "20,000" in html
    assert "Total (3 deals)" in html and "60,000" in html and "24,000" in html


def test_leaders_look_at_any_sellers_pipeline(client, pipeline_ws, make_record, team):
    make_record("opportunity", name="AE deal", owner=team["ae"].user, expected_arr=5000)
    url = reverse("pipeline:my_pipeline", args=[pipeline_ws.slug])
    login_as(client, team["leader"])
    html = client.get(url + f"?owner={team['ae'].user_id}").content.decode()
    assert names(html) == ["AE deal"]
    assert client.get(url + "?owner=nobody").status_code == 400
    # Others always see their own, whatever they ask for.
    login_as(client, team["sdr"])
    html = client.get(url + f"?owner={team['ae'].user_id}").content.decode()
    assert names(html) == [] and "No open deals" in html


def test_the_definitions_page_reflects_the_configuration(client, pipeline_ws, stages, team):
    login_as(client, team["marketing"])
    url = reverse("pipeline:definitions", args=[pipeline_ws.slug])
    html = client.get(url).content.decode()
    for heading in ("Stage", "Definition", "Responsible team", "Entry criteria"):
        assert f'<th scope="col">{heading}</th>' in html
    assert "ICP score at least 50" in html and "handed to Inside Sales" in html
    services.stage_update(
        stage=stages["sql"],
        name="Sales Accepted",
        team="inside_sales",
        definition="Spoken to and demoed.",
        probability=20,
        sla_days=7,
    )
    services.rule_create(
        stage=stages["sql"],
        kind="number_range",
        params={"field": "employee_count", "min": "50"},
        message="Too small",
    )
    html = client.get(url).content.decode()
    assert "Sales Accepted" in html and "Spoken to and demoed." in html
    assert "Employees at least 50" in html and "SLA 7 days" in html


def test_my_pipeline_loads_more_by_signed_keyset(client, pipeline_ws, make_record, team):
    login_as(client, team["ae"])
    for i in range(53):
        make_record(
            "opportunity",
            name=f"Deal {i:02}",
            owner=team["ae"].user,
            expected_arr=1000,
            expected_close_date=date(2031, 1, 1 + i % 28),
        )
    url = reverse("pipeline:my_pipeline", args=[pipeline_ws.slug])
    html = client.get(url).content.decode()
    first = names(html)
    assert len(first) == 50 and "Total (53 deals)" in html
    more = re.search(r'hx-get="([^"]+after=[^"]+)"', html).group(1).replace("&amp;", "&")
    rest = names(client.get(url + more, **HTMX).content.decode())
    assert len(rest) == 3 and not set(rest) & set(first)
    assert client.get(url + "?after=forged", **HTMX).status_code == 400


def test_my_pipeline_filters_by_stage_category_closing_and_staleness(
    client, pipeline_ws, make_record, team, stages
):
    from datetime import timedelta

    from django.utils import timezone

    ae = team["ae"].user
    today = pipeline_ws.today()
    make_record(
        "opportunity",
        name="Commit now",
        owner=ae,
        expected_arr=1000,
        forecast_category="commit",
        expected_close_date=today,
        last_activity_at=timezone.now(),
    )
    make_record(
        "opportunity",
        name="Later",
        owner=ae,
        expected_arr=2000,
        expected_close_date=today + timedelta(days=70),
        last_activity_at=timezone.now() - timedelta(days=20),
    )
    make_record(
        "opportunity",
        name="Theirs",
        owner=team["se"].user,
        expected_arr=3000,
        forecast_category="commit",
        expected_close_date=today,
    )
    url = reverse("pipeline:my_pipeline", args=[pipeline_ws.slug])
    login_as(client, team["ae"])
    assert names(client.get(url + "?category=commit").content.decode()) == ["Commit now"]
    assert names(client.get(url + "?closing=month").content.decode()) == ["Commit now"]
    # By the end of the year: overdue and this year's close dates (the weighted forecast's).
    assert "Commit now" in names(client.get(url + "?closing=year").content.decode())
    assert names(client.get(url + "?stale=on").content.decode()) == ["Later"]
    stage = stages["opportunity"].pk
    assert names(client.get(url + f"?stage={stage}").content.decode()) == ["Commit now", "Later"]
    html = client.get(url + "?category=commit&stale=on").content.decode()
    assert "No open deal matches these filters" in html
    for bad in ("?category=maybe", "?closing=decade", f"?stage={stages['lead'].pk}", "?stage=x"):
        assert client.get(url + bad).status_code == 400, bad
    login_as(client, team["leader"])
    html = client.get(url + "?owner=all&category=commit").content.decode()
    assert names(html) == ["Commit now", "Theirs"] and "Total (2 deals)" in html


def _csv(response):
    assert response.status_code == 200 and response.streaming
    text = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(text.removeprefix(BOM))))


def test_my_pipeline_exports_every_filtered_deal_in_its_order(
    client, pipeline_ws, other_workspace, make_record, team, monkeypatch
):
    monkeypatch.setattr(queue_selectors, "DEAL_EXPORT_BATCH", 2)
    login_as(client, team["ae"])
    ae = team["ae"].user
    for i, month in enumerate([5, 1, 3]):
        make_record(
            "opportunity",
            name=f"Deal {month}",
            owner=ae,
            expected_arr=Decimal(1000 * (i + 1)),
            expected_close_date=date(2031, month, 1),
        )
    make_record("opportunity", name="=HYPERLINK(1)", owner=ae, expected_arr=None)
    make_record("opportunity", name="Not mine", owner=team["se"].user, expected_arr=1)
    make_record("won", name="Closed", owner=ae, expected_arr=Decimal("70000"))
    RecordFactory(workspace=other_workspace, name="Theirs")
    url = reverse("pipeline:my_pipeline_export", args=[pipeline_ws.slug])
    rows = _csv(client.get(url))
    assert rows[0] == queue_selectors.DEAL_EXPORT_HEADER
    assert [r[0] for r in rows[1:]] == ["Deal 1", "Deal 3", "Deal 5", "'=HYPERLINK(1)"]
    # Deal 1: 2,000 at the Opportunity stage's 40%.
    assert rows[1][5:9] == ["2031-01-01", "2000.00", "40", "800"]
    assert rows[1][2] == ae.email and rows[1][9] == "no"
    filtered = _csv(client.get(url + "?closing=year&category=&stage="))
    assert len(filtered) == 1  # no deal closes by the end of this year
    event = AuditEvent.objects.filter(workspace=pipeline_ws, kind=AuditKind.EXPORT).latest("pk")
    assert event.detail == {
        "list": "my pipeline",
        "filter": "closing=year&category=&stage=",
        "rows": 0,
    }
    assert client.get(url + "?stage=abc").status_code == 400
    page = client.get(reverse("pipeline:my_pipeline", args=[pipeline_ws.slug]) + "?stale=on")
    assert url.encode() + b"?stale=on" in page.content


def test_a_leaders_export_follows_the_chosen_seller(client, pipeline_ws, make_record, team):
    make_record("opportunity", name="AE deal", owner=team["ae"].user, expected_arr=5000)
    make_record("opportunity", name="SE deal", owner=team["se"].user, expected_arr=5000)
    url = reverse("pipeline:my_pipeline_export", args=[pipeline_ws.slug])
    login_as(client, team["leader"])
    rows = _csv(client.get(url + f"?owner={team['ae'].user_id}"))
    assert [r[0] for r in rows[1:]] == ["AE deal"]
    assert sorted(r[0] for r in _csv(client.get(url + "?owner=all"))[1:]) == [
        "AE deal",
        "SE deal",
    ]
    # Others always export their own, whatever they ask for.
    login_as(client, team["sdr"])
    assert _csv(client.get(url + f"?owner={team['ae'].user_id}"))[1:] == []
