"""The lists behind the homes' numbers: the customer list's renewal-owner, "open upsell" and
"under 70" filters, the renewals page's "only upcoming" and "ended this quarter" outcomes, and
My tasks by subject (and everyone's, for leaders). Each lists exactly what the figure counts."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from customers import services
from customers.models import ExpansionOpportunity
from customers.selectors.customers import at_risk_arr
from customers.selectors.renewals import renewals_by_window, renewed_vs_churned
from customers.services.won import HANDOFF_CALL_SUBJECT
from targets.periods import quarter_bounds
from tests.conftest import login_as
from tests.customers.homes import alert, customer
from tests.factories import ActivityFactory
from tests.pipeline import conftest as pipeline_fixtures

pipeline_ws = pipeline_fixtures.pipeline_ws
stages = pipeline_fixtures.stages
team = pipeline_fixtures.team
make_record = pipeline_fixtures.make_record

pytestmark = pytest.mark.django_db


def names(html: str) -> list[str]:
    return re.findall(r'<td><a href="/w/[^"]+/(?:customers/)?records/\d+/">([^<]+)</a>', html)


def test_customer_list_by_renewal_owner_health_under_70_and_open_upsell(
    client, pipeline_ws, make_record, team
):
    rep, csm, today = team["renewals"].user, team["csm"].user, pipeline_ws.today()
    customer(make_record, csm=csm, mrr="100", health=30, renewal_owner=rep, name="Low")
    mid, _ = customer(make_record, csm=csm, mrr="200", health=50, renewal_owner=rep, name="Mid")
    customer(make_record, csm=csm, mrr="300", health=90, renewal_owner=rep, name="Fine")
    customer(make_record, csm=csm, mrr="400", health=20, name="Not theirs")
    ExpansionOpportunity.objects.create(
        workspace=pipeline_ws,
        record=mid,
        kind="cross_sell",
        expected_mrr=Decimal("10"),
        close_date=today,
    )
    url = reverse("customers:list", args=[pipeline_ws.slug])
    login_as(client, team["renewals"])
    html = client.get(url, {"renewal_owner": rep.pk, "health": "below_70"}).content.decode()
    assert sorted(names(html)) == ["Low", "Mid"]
    html = client.get(
        url, {"renewal_owner": rep.pk, "health": "at_risk", "mrr_min": "0.01"}
    ).content.decode()
    assert names(html) == ["Mid"]
    # The figure on the renewals home is that customer's ARR.
    assert at_risk_arr(pipeline_ws, renewal_owner_id=rep.pk).at_risk_arr == Decimal("2400")
    html = client.get(url, {"renewal_owner": rep.pk, "upsell": "on"}).content.decode()
    assert names(html) == ["Mid"]
    assert client.get(url, {"renewal_owner": "someone"}).status_code == 400


def test_renewals_page_only_upcoming_and_outcomes_this_quarter(
    client, pipeline_ws, make_record, team
):
    rep, csm, today = team["renewals"].user, team["csm"].user, pipeline_ws.today()

    def due(days, name, **kw):
        _r, sub = customer(
            make_record,
            csm=csm,
            mrr="100",
            renewal_owner=rep,
            name=name,
            term_end=today + timedelta(days=days),
        )
        alert(sub, owner=rep, window=30, **kw)
        return sub

    due(10, "Soon")
    first = quarter_bounds(today)[0]
    renewed = due((first - today).days, "Renewed Co")
    services.subscription_renew(
        workspace=pipeline_ws, subscription=renewed, actor=None, effective_on=first
    )
    churned = due((first - today).days, "Churned Co")
    services.subscription_cancel(
        workspace=pipeline_ws,
        subscription=churned,
        reason="price",
        actor=None,
        effective_on=first,
    )
    url = reverse("customers:renewals", args=[pipeline_ws.slug])
    login_as(client, team["renewals"])
    html = client.get(url, {"window": 30, "upcoming": "on", "owner": rep.pk}).content.decode()
    assert "Soon" in html and "Renewed Co" not in html
    assert renewals_by_window(pipeline_ws, owner_id=rep.pk, today=today)[0].count == 1
    html = client.get(url, {"outcome": "renewed", "owner": rep.pk}).content.decode()
    assert "Renewed Co" in html and "Churned Co" not in html and "Soon" not in html
    html = client.get(url, {"outcome": "churned", "owner": rep.pk}).content.decode()
    assert "Churned Co" in html and "Renewed Co" not in html
    outcomes = renewed_vs_churned(pipeline_ws, owner_id=rep.pk, today=today)
    assert (outcomes.renewed, outcomes.churned) == (1, 1)
    assert client.get(url, {"outcome": "maybe"}).status_code == 400


def test_my_tasks_by_subject_and_everyones_for_leaders(client, pipeline_ws, make_record, team):
    record = make_record("won", name="Handed Co")
    ActivityFactory(
        record=record, kind="task", subject=HANDOFF_CALL_SUBJECT, assignee=team["csm"].user
    )
    ActivityFactory(record=record, kind="task", subject="Other", assignee=team["csm"].user)
    url = reverse("records:tasks", args=[pipeline_ws.slug])
    login_as(client, team["csm"])
    html = client.get(url, {"subject": HANDOFF_CALL_SUBJECT}).content.decode()
    assert html.count("Handed Co</a>") == 1 and "Other" not in html
    login_as(client, team["leader"])
    html = client.get(url, {"subject": HANDOFF_CALL_SUBJECT, "everyone": "1"}).content.decode()
    assert "Handed Co</a>" in html and "Every member" in html
    # Others asking for everyone's get their own (none here).
    login_as(client, team["sdr"])
    html = client.get(url, {"subject": HANDOFF_CALL_SUBJECT, "everyone": "1"}).content.decode()
    assert "Handed Co</a>" not in html
