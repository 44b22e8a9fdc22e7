"""The marketing and SDR homes against hand-made stage history: leads and MQLs by source, the
sales-accepted leads, the MQL queue by ICP score, SLA breaches, today's tasks and MQL -> SQL;
each number's link lists exactly the records it counts."""

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from playbook.models import Role
from targets import periods as months
from targets import services as target_services
from tests.conftest import login_as
from tests.dashboards.conftest import HTMX, PANEL_QUERIES, panel_url
from tests.factories import ActivityFactory, RecordFactory, StageTransitionFactory

pytestmark = pytest.mark.django_db

JUNE = {"period": "custom", "start": "2025-06-01", "end": "2025-06-30"}


def _rebuild(ws, first, last):
    target_services.metrics_rebuild(workspace=ws, first=first, last=last)


@pytest.fixture
def june(pipeline_ws, people, history):
    """Three webinar leads (two became MQLs, one of those accepted by sales), one event lead
    and one without a source, in June 2025; a referral lead in July (outside the period)."""
    mk, sdr = people["marketing"].user, people["sdr"].user

    def lead(name, source, moves, day="2025-06-03"):
        record = RecordFactory(workspace=pipeline_ws, name=name, source=source)
        return history(record, [("created", None, "lead", day, None, mk), *moves])

    lead("W1", "webinar", [("forward", "lead", "mql", "2025-06-10", mk, sdr)])
    lead(
        "W2",
        "webinar",
        [
            ("forward", "lead", "mql", "2025-06-11", mk, sdr),
            ("forward", "mql", "sql", "2025-06-20", sdr, sdr),
        ],
    )
    lead("W3", "webinar", [])
    lead("E1", "event", [])
    lead("N1", "", [])
    lead("R1", "referral", [], day="2025-07-02")
    target_services.target_set(
        workspace=pipeline_ws, actor=None, metric="leads", year=2025, month=6,
        scope="workspace", value=8,
    )  # fmt: skip
    _rebuild(pipeline_ws, months.index(2025, 6), months.index(2025, 7))
    return pipeline_ws


def test_leads_and_mqls_by_source_against_target(
    client, june, people, django_assert_max_num_queries
):
    login_as(client, people["marketing"])
    with django_assert_max_num_queries(PANEL_QUERIES + 4):
        got = client.get(panel_url(june, "marketing", "sources"), JUNE, **HTMX)
    assert got.status_code == 200
    rows = {row.leads.label: (row.leads.value, row.mqls.value) for row in got.context["rows"]}
    assert rows == {"Webinar": (3, 2), "Event": (1, 0), "(no source)": (1, 0)}
    figures = {f.label: f.value for f in got.context["figures"]}
    assert figures["Leads"] == 5 and figures["MQLs"] == 2
    assert figures["Leads of target"] == 5 / 8
    assert figures["MQLs of target"] is None  # no MQL target: n/a, not 0
    # The leads behind "Webinar": exactly W1, W2, W3.
    webinar = next(row.leads for row in got.context["rows"] if row.leads.label == "Webinar")
    listed = client.get(webinar.href)
    assert listed.status_code == 200
    assert sorted(name for _, name, _ in listed.context["facts"]) == ["W1", "W2", "W3"]
    # The leads behind "(no source)": exactly N1, not the whole list.
    unsourced = next(row.leads for row in got.context["rows"] if row.leads.label == "(no source)")
    listed = client.get(unsourced.href)
    assert [name for _, name, _ in listed.context["facts"]] == ["N1"]
    assert "records with no source" in listed.content.decode()


def test_each_source_against_its_own_target(client, june, people):
    """Per-source targets: set on the targets page, shown beside each source (a targeted source
    with no leads yet too), and measured on the targets page from the per-source snapshots."""
    for source, metric, value in [
        ("webinar", "leads", 6),
        ("webinar", "mqls", 4),
        ("partner", "leads", 2),
    ]:
        target_services.target_set(
            workspace=june, actor=None, metric=metric, year=2025, month=6, scope="source",
            source=source, value=value,
        )  # fmt: skip
    login_as(client, people["marketing"])
    got = client.get(panel_url(june, "marketing", "sources"), JUNE, **HTMX)
    rows = {
        r.leads.label: (r.leads.value, r.lead_target, r.mqls.value, r.mql_target)
        for r in got.context["rows"]
    }
    assert rows["Webinar"] == (3, 6, 2, 4)
    assert rows["Partner"] == (0, 2, 0, None)
    assert rows["Event"] == (1, None, 0, None)
    assert "Lead target" in got.content.decode()
    page = client.get(f"/w/{june.slug}/targets/", {"year": 2025})
    by_scope = {
        (a.target.source, a.target.metric): a.actual
        for a in page.context["rows"]
        if a.target.scope == "source"
    }
    assert by_scope == {("webinar", "leads"): 3, ("webinar", "mqls"): 2, ("partner", "leads"): 0}


def test_a_source_target_needs_a_source_and_a_stage_metric(june):
    from django.core.exceptions import ValidationError

    for metric, source in [("leads", ""), ("leads", "nonsense"), ("new_arr", "webinar")]:
        with pytest.raises(ValidationError):
            target_services.target_set(
                workspace=june, actor=None, metric=metric, year=2025, month=6, scope="source",
                source=source, value=1,
            )  # fmt: skip


def test_leads_by_source_come_from_the_snapshots(client, june, people, stages):
    """A lead entered after the rollup is not counted until the rollup runs again: the panel
    reads the snapshots, never the stage history."""
    login_as(client, people["marketing"])
    record = RecordFactory(workspace=june, name="Late", source="event")
    StageTransitionFactory(
        record=record, kind="created", to_stage=stages["lead"],
        at=timezone.make_aware(datetime(2025, 6, 15, 12)),
    )  # fmt: skip

    def event_leads():
        got = client.get(panel_url(june, "marketing", "sources"), JUNE, **HTMX)
        return {row.leads.label: row.leads.value for row in got.context["rows"]}["Event"]

    assert event_leads() == 1
    _rebuild(june, months.index(2025, 6), months.index(2025, 6))
    assert event_leads() == 2


def test_sales_accepted_and_lead_to_mql(client, june, people, django_assert_max_num_queries):
    login_as(client, people["marketing"])
    with django_assert_max_num_queries(PANEL_QUERIES + 2):
        got = client.get(panel_url(june, "marketing", "accepted"), JUNE, **HTMX)
    figures = {f.label: f for f in got.context["figures"]}
    assert figures["Lead → MQL"].value == Decimal("0.4")  # 2 of the 5 June leads
    assert figures["Sales-accepted leads"].value == 1
    assert figures["Accepted of target"].value is None
    listed = client.get(figures["Sales-accepted leads"].href)
    assert [name for _, name, _ in listed.context["facts"]] == ["W2"]


def test_a_source_the_list_does_not_know_is_400(client, june, people):
    login_as(client, people["marketing"])
    url = f"/w/{june.slug}/targets/actuals/"
    assert client.get(url, {"metric": "leads", "source": "nonsense"}).status_code == 400
    assert client.get(url, {"metric": "new_arr", "source": "webinar"}).status_code == 400


@pytest.fixture
def queue(pipeline_ws, stages, people):
    sdr = people["sdr"].user
    long_ago = timezone.now() - timedelta(days=60)

    def mql(name, icp, owner=sdr, entered=None):
        return RecordFactory(
            workspace=pipeline_ws, name=name, stage=stages["mql"], owner=owner, icp_score=icp,
            stage_entered_at=entered or timezone.now(),
        )  # fmt: skip

    mql("Hot", 91)
    mql("Warm", 65, entered=long_ago)
    mql("Cold", 10)
    mql("New", None)
    mql("Someone else's", 95, owner=people["ae"].user)
    return pipeline_ws


def test_the_sdr_queue_by_icp_score_links_to_exactly_those_records(
    client, queue, people, django_assert_max_num_queries
):
    login_as(client, people["sdr"])
    with django_assert_max_num_queries(PANEL_QUERIES + 2):
        got = client.get(panel_url(queue, "sdr", "queue"), **HTMX)
    figures = {f.label: f for f in got.context["figures"]}
    assert [f.value for f in figures.values()] == [1, 1, 0, 1, 1]
    for label, names in (("80–100", ["Hot"]), ("60–79", ["Warm"]), ("No score yet", ["New"])):
        listed = client.get(figures[label].href)
        assert listed.status_code == 200, label
        shown = sorted(r.name for r in listed.context["page"].items)
        assert shown == names, label
    # A leader opening the SDR home sees the team's queue (the AE-owned MQL too).
    login_as(client, people["leader"])
    got = client.get(panel_url(queue, "sdr", "queue"), **HTMX)
    assert got.context["figures"][0].value == 2


def _queue_names(response) -> list[str]:
    return [card.record.name for page in response.context["pages"] for card in page.cards]


def test_sla_breaches_and_todays_tasks(client, queue, people, django_assert_max_num_queries):
    record = RecordFactory(workspace=queue)
    now = timezone.now()
    sdr = people["sdr"].user
    ActivityFactory(record=record, kind="task", assignee=sdr, due_at=now - timedelta(days=3))
    ActivityFactory(record=record, kind="task", assignee=sdr, due_at=now + timedelta(days=9))
    login_as(client, people["sdr"])
    with django_assert_max_num_queries(PANEL_QUERIES + 2):
        sla = client.get(panel_url(queue, "sdr", "sla"), **HTMX)
    figures = {f.label: f for f in sla.context["figures"]}
    assert {k: f.value for k, f in figures.items()} == {
        "Past the SLA": 1,
        "Waiting to be qualified": 4,
    }
    # "Past the SLA" lists exactly the breached record; "Waiting" all four.
    listed = client.get(figures["Past the SLA"].href)
    assert _queue_names(listed) == ["Warm"]
    assert sorted(_queue_names(client.get(figures["Waiting to be qualified"].href))) == [
        "Cold",
        "Hot",
        "New",
        "Warm",
    ]
    with django_assert_max_num_queries(PANEL_QUERIES + 2):
        tasks = client.get(panel_url(queue, "sdr", "tasks"), **HTMX)
    figures = {f.label: f.value for f in tasks.context["figures"]}
    assert figures["Overdue"] == 1 and figures["Open in all"] == 2


def test_mql_to_sql_this_month_against_target(
    client, pipeline_ws, people, history, django_assert_max_num_queries
):
    today = pipeline_ws.today()
    day = today.replace(day=1).isoformat()
    mk, sdr = people["marketing"].user, people["sdr"].user
    for name in ("A", "B"):
        record = RecordFactory(workspace=pipeline_ws, name=name)
        moves = [("created", None, "mql", day, None, mk)]
        if name == "A":
            moves.append(("forward", "mql", "sql", day, sdr, sdr))
        history(record, moves)
    target_services.target_set(
        workspace=pipeline_ws, actor=None, metric="sqls", year=today.year, month=today.month,
        scope="person", user=sdr, value=4,
    )  # fmt: skip
    month = months.of_date(today)
    _rebuild(pipeline_ws, month, month)
    login_as(client, people["sdr"])
    with django_assert_max_num_queries(PANEL_QUERIES + 3):
        got = client.get(panel_url(pipeline_ws, "sdr", "conversion"), **HTMX)
    figures = {f.label: f for f in got.context["figures"]}
    assert figures["SQLs made by you"].value == 1
    assert figures["SQL target"].value == 4
    assert figures["Of target"].value == 0.25
    assert figures["MQL → SQL (company)"].value == 0.5
    listed = client.get(figures["SQLs made by you"].href)
    assert [name for _, name, _ in listed.context["facts"]] == ["A"]


@pytest.mark.parametrize(
    ("role", "home", "panel"),
    [
        (Role.MARKETING, "marketing", "sources"),
        (Role.MARKETING, "marketing", "accepted"),
        (Role.SDR, "sdr", "queue"),
        (Role.SDR, "sdr", "sla"),
        (Role.SDR, "sdr", "tasks"),
        (Role.SDR, "sdr", "conversion"),
        (Role.SDR, "company", "targets"),
        (Role.SDR, "company", "trend"),
        (Role.SDR, "company", "health"),
    ],
)
def test_every_panel_is_an_empty_state_in_an_empty_workspace(
    client, pipeline_ws, role_member, role, home, panel
):
    login_as(client, role_member(role))
    got = client.get(panel_url(pipeline_ws, home, panel), **HTMX)
    assert got.status_code == 200
    body = got.content.decode()
    assert "panel-empty" in body and 'role="button"' in body
    assert "data-chart" not in body
