"""Winning a deal: first subscription, handoff, renewal owner, AE credit; the new rule kinds;
Expanded moves; the Win form from the record page and from a board drop."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from customers import services
from customers.models import Customer, MrrMovement, Subscription
from customers.services.won import HANDOFF_CALL_SUBJECT
from pipeline import services as pipeline_services
from pipeline.models import QualificationRule, StageTransition
from records.models import Activity
from tests.conftest import login_as
from tests.customers.conftest import TODAY


def test_winning_records_the_subscription_hands_over_and_credits_the_ae(won_record, team):
    record = won_record(mrr="100")
    assert record.stage.key == "won"
    assert record.owner == team["csm"].user  # the CSM is the record's owner
    sub = Subscription.objects.get(record=record)
    assert sub.mrr == Decimal("100") and sub.term_end == date(2027, 1, 1)
    customer = Customer.objects.get(record=record)
    assert customer.won_by == team["ae"].user  # the AE, never the CSM
    assert customer.renewal_owner == team["renewals"].user
    assert customer.goals == "Faster onboarding" and customer.mrr == Decimal("100")
    task = Activity.objects.get(record=record, subject=HANDOFF_CALL_SUBJECT)
    assert task.assignee == team["csm"].user and "Faster onboarding" in task.body
    transition = StageTransition.objects.filter(record=record).latest("at")
    assert transition.from_owner == team["ae"].user and transition.to_owner == team["csm"].user


def test_an_arr_is_turned_into_mrr_to_the_cent(make_record, stages, team):
    record = make_record("opportunity", qualified_for="opportunity", owner=team["ae"].user)
    services.record_win(
        workspace=record.workspace,
        record=record,
        to_stage=stages["won"],
        actor=team["ae"].user,
        membership=team["ae"],
        version=record.version,
        plan="Pro",
        amount="10000",
        per="year",
        started_on=date(2026, 1, 1),
        term_months=12,
        auto_renew=True,
        handoff={"goals": "x"},
        today=TODAY,
    )
    assert Subscription.objects.get(record=record).mrr == Decimal("833.33")


@pytest.mark.parametrize(
    "change, message",
    [
        ({"amount": "0"}, "more than 0"),
        ({"amount": "-10"}, "more than 0"),
        ({"term_months": "0"}, "between 1 and 120"),
        ({"handoff": {"goals": " "}}, "what the customer wants"),
        ({"started_on": date(2027, 1, 1)}, "future"),
        ({"version": 999}, "Someone else changed"),
    ],
)
def test_a_refused_win_saves_nothing(make_record, stages, team, change, message):
    record = make_record("opportunity", qualified_for="opportunity", owner=team["ae"].user)
    args = dict(
        workspace=record.workspace,
        record=record,
        to_stage=stages["won"],
        actor=team["ae"].user,
        membership=team["ae"],
        version=record.version,
        plan="Pro",
        amount="100",
        per="month",
        started_on=date(2026, 1, 1),
        term_months=12,
        auto_renew=False,
        handoff={"goals": "x"},
        today=TODAY,
    )
    args.update(change)
    with pytest.raises(ValidationError, match=message):
        services.record_win(**args)
    record.refresh_from_db()
    assert record.stage.key == "opportunity"
    assert not Subscription.objects.exists() and not MrrMovement.objects.exists()
    assert not Customer.objects.exists()


def test_won_requires_an_active_subscription_and_advancing_without_one_is_refused(
    make_record, stages, team
):
    record = make_record("opportunity", qualified_for="opportunity", owner=team["ae"].user)
    with pytest.raises(pipeline_services.MoveRefused) as refused:
        pipeline_services.record_advance(
            workspace=record.workspace,
            record=record,
            actor=team["ae"].user,
            membership=team["ae"],
        )
    assert [r.rule.kind for _, r in refused.value.unmet] == ["has_subscription"]


def test_an_upsell_moves_the_customer_to_expanded_and_a_downgrade_does_not(won_record, team):
    record = won_record()
    sub = Subscription.objects.get(record=record)
    down = services.subscription_change_mrr(
        workspace=record.workspace,
        subscription=sub.pk,
        mrr="80",
        effective_on=date(2026, 2, 1),
        actor=team["csm"].user,
        membership=team["csm"],
        today=TODAY,
    )
    assert down.expanded == (None, "")
    record.refresh_from_db()
    assert record.stage.key == "won"
    up = services.subscription_change_mrr(
        workspace=record.workspace,
        subscription=sub.pk,
        mrr="150",
        effective_on=date(2026, 3, 1),
        actor=team["csm"].user,
        membership=team["csm"],
        today=TODAY,
    )
    transition, refusal = up.expanded
    assert refusal == "" and transition.to_stage.key == "expanded"
    record.refresh_from_db()
    assert record.stage.key == "expanded"


def test_a_cross_sell_and_a_higher_renewal_expand(won_record, team):
    record = won_record()
    sub = services.subscription_start(
        workspace=record.workspace,
        record=record,
        mrr="40",
        started_on=date(2026, 4, 1),
        actor=team["csm"].user,
        membership=team["csm"],
        action="cross_sell",
        today=TODAY,
    )
    assert sub.expanded[0].to_stage.key == "expanded"
    other = won_record()
    first = Subscription.objects.get(record=other)
    renewal = services.subscription_renew(
        workspace=other.workspace,
        subscription=first.pk,
        mrr="130",
        actor=team["renewals"].user,
        membership=team["renewals"],
        effective_on=date(2026, 6, 1),
        today=TODAY,
    )
    assert renewal.expanded[0].to_stage.key == "expanded"


def test_the_migration_rules_replace_the_interim_ones(pipeline_ws, stages):
    won = QualificationRule.objects.filter(stage=stages["won"])
    expanded = QualificationRule.objects.filter(stage=stages["expanded"])
    assert [r.kind for r in won] == ["has_subscription"]
    assert [r.kind for r in expanded] == ["has_expansion"]


def test_only_customer_teams_change_subscriptions(won_record, team):
    record = won_record()
    sub = Subscription.objects.get(record=record)
    for role in ("ae", "sdr", "marketing", "se"):
        with pytest.raises(services.ChangeNotAllowed):
            services.subscription_cancel(
                workspace=record.workspace,
                subscription=sub.pk,
                reason="price",
                actor=team[role].user,
                membership=team[role],
                today=TODAY,
            )
    for role in ("csm", "renewals", "leader", "admin"):
        services.check_may_change(team[role])


# --- HTTP ----------------------------------------------------------------------------------


def _win_url(record):
    return reverse("customers:win", args=[record.workspace.slug, record.pk])


def _post_data(record, stage, **extra):
    return {
        "version": record.version,
        "to_stage": stage.pk,
        "plan": "Pro",
        "amount": "250",
        "per": "month",
        "started_on": "2026-01-05",
        "term_months": "12",
        "goals": "Grow",
        **extra,
    }


def test_the_record_panel_offers_the_win_form_instead_of_a_plain_advance(client, make_record, team):
    record = make_record("opportunity", qualified_for="opportunity", owner=team["ae"].user)
    login_as(client, team["ae"])
    page = client.get(reverse("records:detail", args=[record.workspace.slug, record.pk]))
    assert _win_url(record) in page.content.decode()
    form = client.get(_win_url(record))
    assert form.status_code == 200 and "First subscription" in form.content.decode()


def test_the_win_form_wins_and_returns_to_the_record(client, make_record, stages, team):
    record = make_record("opportunity", qualified_for="opportunity", owner=team["ae"].user)
    login_as(client, team["ae"])
    answer = client.post(_win_url(record), _post_data(record, stages["won"]))
    assert answer.status_code == 302
    assert Subscription.objects.get(record=record).mrr == Decimal("250")


def test_the_win_form_shows_precise_errors_and_saves_nothing(client, make_record, stages, team):
    record = make_record("opportunity", qualified_for="opportunity", owner=team["ae"].user)
    login_as(client, team["ae"])
    data = _post_data(record, stages["won"], amount="-3", started_on="2025-02-30")
    answer = client.post(_win_url(record), data, HTTP_HX_REQUEST="true")
    body = answer.content.decode()
    assert answer.status_code == 400
    assert "“2025-02-30” is not a date" in body
    assert not Subscription.objects.exists()
    answer = client.post(_win_url(record), _post_data(record, stages["won"], amount="-3"))
    assert answer.status_code == 400 and "MRR must be more than 0" in answer.content.decode()


def test_a_board_drop_on_won_opens_the_dialog_and_moves_nothing(client, make_record, stages, team):
    record = make_record("opportunity", qualified_for="opportunity", owner=team["ae"].user)
    login_as(client, team["ae"])
    move = reverse("pipeline:record_move", args=[record.workspace.slug, record.pk])
    answer = client.post(
        move, {"to_stage": stages["won"].pk, "version": record.version}, HTTP_HX_REQUEST="true"
    )
    body = answer.content.decode()
    assert answer.status_code == 200 and '<dialog class="move-dialog"' in body
    assert _win_url(record) in body
    record.refresh_from_db()
    assert record.stage.key == "opportunity"
    dialog_form = client.get(
        _win_url(record)
        + f"?to_stage={stages['won'].pk}&next=/w/{record.workspace.slug}/pipeline/board/",
        HTTP_HX_REQUEST="true",
    )
    assert dialog_form.status_code == 200 and "<html" not in dialog_form.content.decode()
    data = _post_data(record, stages["won"], next=f"/w/{record.workspace.slug}/pipeline/board/")
    done = client.post(_win_url(record), data, HTTP_HX_REQUEST="true")
    assert done.headers["HX-Redirect"] == f"/w/{record.workspace.slug}/pipeline/board/"


def test_another_workspaces_record_is_404(client, make_record, team, other_workspace):
    from tests.factories import RecordFactory

    foreign = RecordFactory(workspace=other_workspace)
    login_as(client, team["ae"])
    url = reverse("customers:win", args=[team["ae"].workspace.slug, foreign.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {}).status_code == 404
