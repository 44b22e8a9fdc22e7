"""The AE, CSM and renewals homes (and the forecast categories on the leader's): each panel
with hand-made data shows its figures and links each to the list of exactly what it counts;
an empty workspace gets an empty state that says what to do next; the queries per panel do not
grow with the data; bad input answers 400 or 404."""

import re
from datetime import timedelta
from decimal import Decimal
from html import unescape

import pytest
from django.utils import timezone

from customers import services
from customers.models import ExpansionOpportunity
from customers.services.won import HANDOFF_CALL_SUBJECT
from dashboards import registry
from playbook.models import Role
from targets.periods import quarter_bounds
from tests.conftest import login_as
from tests.customers.homes import alert, customer
from tests.dashboards.conftest import HTMX, PANEL_QUERIES, panel_url
from tests.factories import ActivityFactory, TargetFactory
from tests.pipeline import conftest as pipeline_fixtures

pipeline_ws = pipeline_fixtures.pipeline_ws
stages = pipeline_fixtures.stages
team = pipeline_fixtures.team
make_record = pipeline_fixtures.make_record

pytestmark = pytest.mark.django_db

MINE = {
    "ae": ["pipeline_by_stage", "forecast", "forecast_categories", "closing", "stale", "wins"],
    "csm": ["health", "satisfaction", "engagements", "handoffs"],
    "renewals": ["due", "at_risk", "upsells", "outcomes"],
}
OWNER = {"ae": "ae", "csm": "csm", "renewals": "renewals"}
# Each panel's own queries at most (PANEL_QUERIES more for the request itself).
BOUNDS = {
    ("ae", "pipeline_by_stage"): 3,
    ("ae", "forecast"): 6,
    ("ae", "forecast_categories"): 2,
    ("ae", "closing"): 3,
    ("ae", "stale"): 3,
    ("ae", "wins"): 2,
    ("csm", "health"): 2,
    ("csm", "satisfaction"): 1,
    # The count, the five quietest customers' record ids, then those five customers whole.
    ("csm", "engagements"): 4,
    ("csm", "handoffs"): 2,
    ("renewals", "due"): 1,
    ("renewals", "at_risk"): 1,
    ("renewals", "upsells"): 2,
    ("renewals", "outcomes"): 1,
    ("leader", "forecast_categories"): 2,
}


def get(client, ws, home, key, **query):
    return client.get(panel_url(ws, home, key), query, **HTMX)


def links(html: str) -> list[str]:
    return [unescape(h) for h in re.findall(r'href="([^"]+)"', html)]


def test_every_panel_of_these_homes_is_registered_with_a_bound():
    for home, keys in MINE.items():
        assert list(registry.HOMES[home].panels) == keys
        assert all((home, k) in BOUNDS for k in keys)
    assert "forecast_categories" in registry.HOMES["leader"].panels


@pytest.mark.parametrize(("home", "key"), list(BOUNDS))
def test_an_empty_workspace_says_what_to_do_next(client, pipeline_ws, team, home, key):
    login_as(client, team[OWNER.get(home, "leader")])
    got = get(client, pipeline_ws, home, key)
    html = got.content.decode()
    assert got.status_code == 200
    assert "panel-empty" in html and "<canvas" not in html, key
    # The next step is a link (import, set targets, open the board or a list).
    assert re.search(r'class="empty panel-empty">\s*<p>[^<]+</p>\s*<p><a href="/w/', html), key


@pytest.fixture
def book(pipeline_ws, make_record, team):
    """A little of everything the three homes count, for the AE, the CSM and the rep."""
    ae, csm, rep = team["ae"].user, team["csm"].user, team["renewals"].user
    today, now = pipeline_ws.today(), timezone.now()
    make_record(
        "opportunity",
        name="Commit Co",
        owner=ae,
        expected_arr=Decimal("10000"),
        forecast_category="commit",
        expected_close_date=today,
        last_activity_at=now,
    )
    make_record(
        "opportunity",
        name="Quiet Co",
        owner=ae,
        expected_arr=Decimal("20000"),
        expected_close_date=today + timedelta(days=40),
    )
    TargetFactory(
        workspace=pipeline_ws,
        metric="new_arr",
        year=today.year,
        scope="person",
        user=ae,
        value=Decimal("100000"),
    )
    TargetFactory(
        workspace=pipeline_ws, metric="wins", year=today.year, scope="person", user=ae, value=10
    )
    low, low_sub = customer(
        make_record,
        csm=csm,
        mrr="100",
        health=30,
        renewal_owner=rep,
        term_end=today + timedelta(days=20),
        name="Low Co",
    )
    alert(low_sub, owner=rep)
    mid, _ = customer(
        make_record,
        csm=csm,
        mrr="200",
        health=60,
        renewal_owner=rep,
        name="Mid Co",
        last_activity_at=now,
    )
    from customers.models import SurveyResponse

    SurveyResponse.objects.create(
        workspace=pipeline_ws, record=mid, kind="nps", score=10, responded_on=today
    )
    ExpansionOpportunity.objects.create(
        workspace=pipeline_ws,
        record=mid,
        kind="cross_sell",
        expected_mrr=Decimal("50"),
        close_date=today,
    )
    ActivityFactory(record=low, kind="task", subject=HANDOFF_CALL_SUBJECT, assignee=csm)
    # A term that ended on the quarter's first day and was renewed.
    first = quarter_bounds(today)[0]
    _renewed, sub = customer(
        make_record,
        csm=csm,
        mrr="300",
        health=90,
        renewal_owner=rep,
        term_end=first,
        name="Kept Co",
    )
    alert(sub, owner=rep, window=30)
    services.subscription_renew(
        workspace=pipeline_ws, subscription=sub, actor=None, effective_on=first
    )
    return {"low": low, "mid": mid}


@pytest.mark.parametrize(("home", "key"), [k for k in BOUNDS if k[0] != "leader"])
def test_each_panel_shows_its_figures_with_links(client, pipeline_ws, team, book, home, key):
    login_as(client, team[OWNER[home]])
    got = get(client, pipeline_ws, home, key)
    html = got.content.decode()
    assert got.status_code == 200 and "panel-empty" not in html, key
    assert 'role="alert"' not in html
    # Every link goes somewhere that answers (the lists behind the numbers).
    for href in links(html):
        if href.startswith("/w/"):
            assert client.get(href).status_code == 200, (key, href)


def _names(html):
    return set(re.findall(r">([A-Z][a-z]+ Co)</a>", html))


def test_the_ae_numbers_list_exactly_what_they_count(client, pipeline_ws, team, book):
    login_as(client, team["ae"])
    html = get(client, pipeline_ws, "ae", "forecast_categories").content.decode()
    commit = next(h for h in links(html) if "category=commit" in h)
    assert _names(client.get(commit).content.decode()) == {"Commit Co"}
    html = get(client, pipeline_ws, "ae", "stale").content.decode()
    stale = next(h for h in links(html) if "stale=on" in h)
    assert _names(client.get(stale).content.decode()) == {"Quiet Co"}
    html = get(client, pipeline_ws, "ae", "forecast").content.decode()
    # Won 0 so far + weighted open deals by 31 December (40 % of what closes this year).
    assert "Forecast against quota" in html and "100,000.00" in html


def test_the_leader_sees_every_sellers_categories(client, pipeline_ws, team, book, make_record):
    make_record(
        "opportunity",
        owner=team["se"].user,
        expected_arr=Decimal("5000"),
        forecast_category="commit",
    )
    login_as(client, team["leader"])
    html = get(client, pipeline_ws, "leader", "forecast_categories").content.decode()
    commit = next(h for h in links(html) if "category=commit" in h)
    assert "owner=all" in commit
    assert re.search(r'category=commit">2</a>', html)


def test_the_csm_and_renewals_numbers_list_exactly_what_they_count(client, pipeline_ws, team, book):
    login_as(client, team["csm"])
    html = get(client, pipeline_ws, "csm", "health").content.decode()
    critical = next(h for h in links(html) if "health=critical" in h)
    assert _names(client.get(critical).content.decode()) == {"Low Co"}
    html = get(client, pipeline_ws, "csm", "handoffs").content.decode()
    tasks = next(h for h in links(html) if "subject=" in h)
    assert "Low Co" in client.get(tasks).content.decode()
    # NPS lists the customers whose answers it counts (Mid Co answered; Low Co did not).
    html = get(client, pipeline_ws, "csm", "satisfaction").content.decode()
    nps = next(h for h in links(html) if "answered=nps" in h)
    assert _names(client.get(nps).content.decode()) == {"Mid Co"}
    login_as(client, team["renewals"])
    html = get(client, pipeline_ws, "renewals", "at_risk").content.decode()
    risk = next(h for h in links(html) if "health=at_risk" in h)
    assert _names(client.get(risk).content.decode()) == {"Mid Co"}
    assert "2,400.00" in html and "1,200.00" in html  # 200 x 12 at risk, 100 x 12 critical
    html = get(client, pipeline_ws, "renewals", "due").content.decode()
    within30 = next(h for h in links(html) if "window=30" in h)
    assert "Low Co" in client.get(within30).content.decode()


@pytest.mark.parametrize(("home", "key"), list(BOUNDS))
def test_queries_per_panel_do_not_grow_with_the_data(
    client, pipeline_ws, team, book, make_record, home, key, django_assert_max_num_queries
):
    login_as(client, team[OWNER.get(home, "leader")])
    bound = PANEL_QUERIES + BOUNDS[(home, key)]
    with django_assert_max_num_queries(bound):
        get(client, pipeline_ws, home, key)
    csm, rep, ae = team["csm"].user, team["renewals"].user, team["ae"].user
    for i in range(6):
        make_record(
            "opportunity",
            owner=ae,
            expected_arr=Decimal(1000 + i),
            expected_close_date=pipeline_ws.today(),
        )
        record, sub = customer(
            make_record,
            csm=csm,
            mrr="10",
            health=20 + i,
            renewal_owner=rep,
            term_end=pipeline_ws.today() + timedelta(days=10 + i),
        )
        alert(sub, owner=rep)
        ActivityFactory(record=record, kind="task", subject=HANDOFF_CALL_SUBJECT, assignee=csm)
    with django_assert_max_num_queries(bound):
        get(client, pipeline_ws, home, key)


@pytest.mark.parametrize("home", list(MINE))
def test_a_malformed_period_is_400_on_every_panel(client, pipeline_ws, team, home):
    login_as(client, team[OWNER[home]])
    for key in MINE[home]:
        got = get(client, pipeline_ws, home, key, period="custom", start="2026-02-30", end="x")
        assert got.status_code == 400 and b'role="alert"' in got.content, key


@pytest.mark.parametrize(
    ("role", "home"),
    [
        (Role.CSM, "ae"),
        (Role.AE, "renewals"),
        (Role.RENEWALS, "csm"),
        (Role.SDR, "ae"),
        (Role.AE, "leader"),
    ],
)
def test_a_home_the_member_may_not_see_is_404_on_every_panel(client, pipeline_ws, team, role, home):
    login_as(client, team[role])
    for key in registry.HOMES[home].panels:
        assert get(client, pipeline_ws, home, key).status_code == 404, key
