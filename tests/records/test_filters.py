from datetime import timedelta

import pytest
from django.utils import timezone

from records.models import Record
from tests.factories import (
    ActivityFactory,
    ContactFactory,
    CustomFieldDefinitionFactory,
    MembershipFactory,
    RecordFactory,
)

from .conftest import HTMX

pytestmark = pytest.mark.django_db


def names(response):
    return sorted(r.name for r in response.context["page"].items)


@pytest.fixture
def spread(workspace, admin, rep):
    now = timezone.now()
    a = RecordFactory(
        workspace=workspace,
        name="Alpha",
        domain="alpha.io",
        owner=admin.user,
        source="webinar",
        industry="Fintech",
        country="Germany",
        status="open",
        icp_score=80,
        custom_fields={"seats": 50, "crm": "HubSpot", "renewal": "2027-03-01", "sso": True},
    )
    b = RecordFactory(
        workspace=workspace,
        name="Beta",
        domain="beta.com",
        owner=rep.user,
        source="outbound",
        industry="Retail",
        country="France",
        status="lost",
        icp_score=30,
        custom_fields={"seats": 5, "crm": "Salesforce", "notes": "Loves golf", "sso": False},
    )
    c = RecordFactory(
        workspace=workspace,
        name="Gamma",
        domain="gamma.org",
        owner=None,
        source="webinar",
        industry="fintech",
        country="Israel",
        status="nurture",
        icp_score=None,
    )
    Record.objects.filter(pk=c.pk).update(created_at=now - timedelta(days=40))
    ActivityFactory(record=b, kind="task", due_at=now - timedelta(days=1), assignee=rep.user)
    ActivityFactory(record=a, kind="task", due_at=now + timedelta(days=1), assignee=rep.user)
    ActivityFactory(
        record=c, kind="task", due_at=now - timedelta(days=1), assignee=rep.user, done=True
    )
    ContactFactory(record=c, email="zoe@partner-mail.net")
    RecordFactory(name="Alpha elsewhere", source="webinar")  # another workspace
    for key, kind, choices in [
        ("seats", "number", []),
        ("crm", "choice", ["HubSpot", "Salesforce"]),
        ("renewal", "date", []),
        ("notes", "text", []),
        ("sso", "boolean", []),
    ]:
        CustomFieldDefinitionFactory(workspace=workspace, key=key, kind=kind, choices=choices)
    return a, b, c


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["Alpha", "Beta", "Gamma"]),
        ("source=webinar", ["Alpha", "Gamma"]),
        ("status=lost", ["Beta"]),
        ("industry=FINTECH", ["Alpha", "Gamma"]),
        ("country=Israel", ["Gamma"]),
        ("country=israel", ["Gamma"]),
        ("country=IL", ["Gamma"]),
        ("icp_min=50", ["Alpha"]),
        ("icp_max=50", ["Beta"]),
        ("icp_min=30&icp_max=80", ["Alpha", "Beta"]),
        ("overdue=on", ["Beta"]),
        ("q=alp", ["Alpha"]),
        ("q=BETA.C", ["Beta"]),
        ("q=partner-mail", ["Gamma"]),
        ("q=ab", ["Alpha", "Beta", "Gamma"]),  # under 3 characters: not searched
        ("cf_seats__min=10", ["Alpha"]),
        ("cf_seats__max=10", ["Beta"]),
        ("cf_crm=Salesforce", ["Beta"]),
        ("cf_renewal__from=2027-01-01", ["Alpha"]),
        ("cf_renewal__to=2026-01-01", []),
        ("cf_notes=golf", ["Beta"]),
        ("cf_sso=yes", ["Alpha"]),
        ("cf_sso=no", ["Beta"]),
        ("source=webinar&country=Germany&icp_min=40", ["Alpha"]),
        # The calendar's first and last days: no day before or after them to compute.
        ("created_after=0001-01-01&created_before=9999-12-31", ["Alpha", "Beta", "Gamma"]),
        ("cf_seats__min=-999999999999999", ["Alpha", "Beta"]),
    ],
)
def test_each_filter(admin_client, url, spread, query, expected):
    response = admin_client.get(url("list", query=f"?{query}"))
    assert response.status_code == 200
    assert names(response) == expected


def test_owner_filter_and_unassigned(admin_client, url, spread, admin):
    assert names(admin_client.get(url("list", query=f"?owner={admin.user.pk}"))) == ["Alpha"]
    assert names(admin_client.get(url("list", query="?owner=null"))) == ["Gamma"]


def test_created_range(admin_client, url, spread):
    today = timezone.localdate()
    recent = admin_client.get(url("list", query=f"?created_after={today - timedelta(days=1)}"))
    assert names(recent) == ["Alpha", "Beta"]
    old = admin_client.get(url("list", query=f"?created_before={today - timedelta(days=30)}"))
    assert names(old) == ["Gamma"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("source=carrier-pigeon", "source"),
        ("status=maybe", "status"),
        ("country=Atlantis", "country"),
        ("owner=999999", "owner"),
        ("icp_min=high", "icp_min"),
        ("icp_min=90&icp_max=10", "icp_max"),
        ("created_after=yesterday", "created_after"),
        ("created_after=2026-05-02&created_before=2026-05-01", "created_before"),
        ("cf_seats__min=lots", "cf_seats__min"),
        # Past what a custom number can hold (SQLite could not even compare them).
        ("cf_seats__min=99999999999999999999", "cf_seats__min"),
        ("cf_seats__max=-1e400", "cf_seats__max"),
        ("cf_crm=Excel", "cf_crm"),
        ("cf_renewal__from=31.12.2026", "cf_renewal__from"),
    ],
)
def test_bad_filter_values_answer_400_with_the_message_beside_the_filter(
    admin_client, url, spread, query, field
):
    response = admin_client.get(url("list", query=f"?{query}"))
    assert response.status_code == 400
    assert field in response.context["filterset"].errors
    partial = admin_client.get(url("list", query=f"?{query}"), **HTMX)
    assert partial.status_code == 400
    assert "could not be read" in partial.content.decode()
    assert 'id="record-filters"' not in partial.content.decode()  # the results, not the page


def test_an_other_workspaces_member_is_not_an_owner_to_filter_by(admin_client, url, spread):
    foreign = MembershipFactory().user
    assert admin_client.get(url("list", query=f"?owner={foreign.pk}")).status_code == 400


@pytest.mark.parametrize(
    "cursor", ["garbage", "WyJ4Il0:1abc:def", "%00", "a" * 3000, "W10:1xV2rU:XldgTSkoVx"]
)
def test_malformed_cursor_is_400_never_500(admin_client, url, spread, cursor):
    for headers in ({}, HTMX):
        response = admin_client.get(url("list", query=f"?cursor={cursor}"), **headers)
        assert response.status_code == 400
        assert "page link" in response.content.decode()


def test_a_cursor_of_another_sort_order_is_refused(admin_client, url, spread):
    first = admin_client.get(url("list", query="?size=1&sort=name"))
    cursor = first.context["page"].next_cursor
    assert (
        admin_client.get(url("list", query=f"?size=1&sort=name&cursor={cursor}")).status_code == 200
    )
    assert (
        admin_client.get(url("list", query=f"?size=1&sort=-icp&cursor={cursor}")).status_code == 400
    )


@pytest.mark.parametrize(("size", "shown"), [("1000000", 3), ("-5", 1), ("two", 3), ("2", 2)])
def test_page_size_is_clamped(admin_client, url, spread, size, shown):
    response = admin_client.get(url("list", query=f"?size={size}"))
    assert response.status_code == 200
    assert len(response.context["page"].items) == shown


def test_unknown_sort_key_uses_the_default_order(admin_client, url, spread):
    response = admin_client.get(url("list", query="?sort=-password"))
    assert response.status_code == 200
    assert response.context["sort_value"] == "-updated"


def test_walking_the_pages_keeps_the_filter(admin_client, url, spread):
    response = admin_client.get(url("list", query="?source=webinar&size=1&sort=name"))
    assert names(response) == ["Alpha"]
    next_url = response.context["next_url"]
    assert "source=webinar" in next_url and "cursor=" in next_url
    second = admin_client.get(url("list", query=next_url))
    assert names(second) == ["Gamma"] and second.context["next_url"] is None


def test_empty_filters_and_the_default_sort_leave_the_address(admin_client, url, spread):
    # A GET form sends every field; the list answers from a tidy address instead.
    response = admin_client.get(
        url("list", query="?q=&owner=&stage=&status=&source=webinar&sort=-updated")
    )
    assert response.status_code == 302
    assert response["Location"] == url("list", query="?source=webinar")
    tidy = admin_client.get(response["Location"])
    assert tidy.status_code == 200 and names(tidy) == ["Alpha", "Gamma"]
    # htmx: no redirect; the address bar gets the tidy address.
    live = admin_client.get(
        url("list", query="?q=&source=webinar&sort=-updated"), HTTP_HX_REQUEST="true"
    )
    assert live.status_code == 200 and live["HX-Push-Url"] == url("list", query="?source=webinar")
    assert "HX-Push-Url" not in admin_client.get(
        url("list", query="?source=webinar"), HTTP_HX_REQUEST="true"
    )
    nothing = admin_client.get(url("list", query="?q=&sort=-updated"))
    assert nothing.status_code == 302 and nothing["Location"] == url("list")


def test_me_is_the_default_owner_for_reps_and_anyone_says_otherwise(
    client, url, spread, admin, rep
):
    # spread: Alpha is the admin's, Beta the rep's (an AE), Gamma nobody's.
    rep_client = client
    rep_client.force_login(rep.user)
    opened = rep_client.get(url("list"))
    assert names(opened) == ["Beta"]
    assert '<option value="me" selected>Me</option>' in opened.content.decode()
    assert names(rep_client.get(url("list", query="?owner=any"))) == ["Alpha", "Beta", "Gamma"]
    assert names(rep_client.get(url("list", query="?owner=null"))) == ["Gamma"]
    # Leaders and admins open on everyone's records; "Me" is theirs to pick.
    admin_client = client
    admin_client.force_login(admin.user)
    assert names(admin_client.get(url("list"))) == ["Alpha", "Beta", "Gamma"]
    assert names(admin_client.get(url("list", query="?owner=me"))) == ["Alpha"]


def test_the_result_count_is_exact_under_the_cap_and_capped_above(
    admin_client, url, spread, monkeypatch
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from records.selectors import records as record_selectors

    html = admin_client.get(url("list", query="?source=webinar")).content.decode()
    assert "2 records match" in html
    assert "1 record matches" in admin_client.get(url("list", query="?q=alpha")).content.decode()
    monkeypatch.setattr(record_selectors, "COUNT_CAP", 2)
    with CaptureQueriesContext(connection) as queries:
        html = admin_client.get(url("list")).content.decode()
    assert "2+ records match" in html
    counts = [q["sql"] for q in queries if "COUNT(" in q["sql"].upper()]
    assert len(counts) == 1 and "LIMIT 3" in counts[0]  # never a count of the whole table
    assert (
        "match"
        not in admin_client.get(url("list", query="?q=zzzzz"))
        .content.decode()
        .split('id="record-results"')[1]
        .split("No records match")[0]
    )


def test_the_list_shows_expected_arr_and_close_date(admin_client, url, workspace):
    from datetime import date
    from decimal import Decimal

    RecordFactory(
        workspace=workspace,
        name="Deal",
        expected_arr=Decimal("24000"),
        expected_close_date=date(2027, 3, 31),
    )
    html = admin_client.get(url("list")).content.decode()
    assert ">Expected ARR</th>" in html and ">Close date</th>" in html
    assert "24,000" in html and "31 Mar 2027" in html


def test_anyone_is_left_out_of_the_address_only_where_it_is_the_default(
    client, url, spread, admin, rep
):
    client.force_login(admin.user)
    response = client.get(url("list", query="?owner=any&source=webinar"))
    assert response.status_code == 302 and response["Location"] == url(
        "list", query="?source=webinar"
    )
    client.force_login(rep.user)  # a rep's default is "Me": "Anyone" must stay
    assert client.get(url("list", query="?owner=any&source=webinar")).status_code == 200


def test_a_count_that_runs_out_of_time_shows_the_planners_estimate(
    admin_client, url, spread, monkeypatch
):
    from django.db import connection

    from records.selectors import records as record_selectors

    if connection.vendor != "postgresql":
        pytest.skip("the count's time budget is PostgreSQL's statement_timeout")

    def too_slow(limited):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_sleep(1)")  # past the budget: PostgreSQL cancels it
        raise AssertionError("statement_timeout did not cancel the count")

    monkeypatch.setattr(record_selectors, "_exact_count", too_slow)
    response = admin_client.get(url("list"))
    assert response.status_code == 200
    assert response.context["count"].estimated
    assert "About " in response.content.decode() and "records match" in response.content.decode()
    with connection.cursor() as cursor:  # the budget did not outlive the count
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] in ("0", "0ms")


def test_the_counts_time_budget_ends_with_the_count(admin_client, url, spread):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's statement_timeout")
    admin_client.get(url("list"))
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] in ("0", "0ms")
