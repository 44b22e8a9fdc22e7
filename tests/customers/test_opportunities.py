"""Expansion opportunities on the customer's record: winning performs the upsell or cross-sell."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from customers import services
from customers.models import ExpansionOpportunity, Subscription
from tests.conftest import login_as


def test_winning_an_upsell_raises_the_mrr_and_moves_to_expanded(won_record, team):
    record = won_record(mrr="100")
    sub = Subscription.objects.get(record=record)
    opp = services.opportunity_create(
        workspace=record.workspace,
        record=record,
        kind="upsell",
        subscription=sub.pk,
        expected_mrr="180",
        close_date=date(2026, 9, 1),
        membership=team["csm"],
        owner=team["csm"].user,
    )
    _, movement = services.opportunity_win(
        workspace=record.workspace,
        opportunity=opp.pk,
        actor=team["csm"].user,
        membership=team["csm"],
    )
    sub.refresh_from_db()
    assert sub.mrr == Decimal("180") and movement.action == "upsell"
    record.refresh_from_db()
    assert record.stage.key == "expanded"
    with pytest.raises(ValidationError, match="already won"):
        services.opportunity_lose(workspace=record.workspace, opportunity=opp.pk)


def test_winning_a_cross_sell_adds_a_subscription_and_bad_input_is_refused(won_record, team):
    record = won_record(mrr="100")
    sub = Subscription.objects.get(record=record)
    with pytest.raises(ValidationError, match="raises the MRR above"):
        services.opportunity_create(
            workspace=record.workspace,
            record=record,
            kind="upsell",
            subscription=sub.pk,
            expected_mrr="90",
            close_date=date(2026, 9, 1),
        )
    with pytest.raises(ValidationError, match="more than 0"):
        services.opportunity_create(
            workspace=record.workspace,
            record=record,
            kind="cross_sell",
            expected_mrr="0",
            close_date=date(2026, 9, 1),
        )
    opp = services.opportunity_create(
        workspace=record.workspace,
        record=record,
        kind="cross_sell",
        plan="Analytics",
        expected_mrr="40",
        close_date=date(2026, 9, 1),
    )
    services.opportunity_win(workspace=record.workspace, opportunity=opp.pk, actor=None)
    assert Subscription.objects.filter(record=record, plan="Analytics", mrr=40).exists()


def test_the_customer_page_adds_wins_and_loses_opportunities(client, won_record, team):
    record = won_record(mrr="100")
    login_as(client, team["renewals"])
    url = reverse("customers:opportunity_add", args=[record.workspace.slug, record.pk])
    close = (record.workspace.today() + timedelta(days=20)).isoformat()
    answer = client.post(url, {"kind": "cross_sell", "expected_mrr": "-1", "close_date": close})
    assert answer.status_code == 400 and "more than 0" in answer.content.decode()
    answer = client.post(
        url, {"kind": "cross_sell", "plan": "API", "expected_mrr": "25", "close_date": close}
    )
    assert answer.status_code == 302
    opp = ExpansionOpportunity.objects.get()
    assert opp.owner == team["renewals"].user
    renewals = reverse("customers:renewals", args=[record.workspace.slug])
    assert client.get(renewals).status_code == 200
    lose = reverse("customers:opportunity_lose", args=[record.workspace.slug, opp.pk])
    login_as(client, team["ae"])
    assert client.post(lose, {"note": "no"}).status_code == 403
    login_as(client, team["renewals"])
    assert client.post(lose, {"note": "Budget frozen"}).status_code == 302
    opp.refresh_from_db()
    assert opp.status == "lost" and "Budget frozen" in opp.note


def test_another_workspaces_opportunity_is_404(client, team, other_workspace):
    from tests.factories import RecordFactory

    foreign = RecordFactory(workspace=other_workspace)
    opp = ExpansionOpportunity.objects.create(
        workspace=other_workspace,
        record=foreign,
        kind="cross_sell",
        expected_mrr=5,
        close_date=date(2026, 1, 1),
    )
    login_as(client, team["admin"])
    for name in ("opportunity_win", "opportunity_lose"):
        url = reverse(f"customers:{name}", args=[team["admin"].workspace.slug, opp.pk])
        assert client.post(url).status_code == 404
    url = reverse("customers:opportunity_add", args=[team["admin"].workspace.slug, foreign.pk])
    assert client.post(url, {}).status_code == 404
